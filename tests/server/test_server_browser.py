"""The dashboard in a real Chromium: log in, overview, filter findings, a function page with its
charts drawn. Screenshots are kept as artifacts ($FNGUARD_ARTIFACTS, else the test's tmp dir)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest
from live_server import LiveServer
from server_helpers import sample_report, waf_event

from fnguard.server.models import utcnow

CHROMIUM = os.environ.get("FNGUARD_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]


@pytest.mark.slow
def test_dashboard_in_chromium(tmp_path: Path) -> None:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).is_file():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    artifacts = Path(os.environ.get("FNGUARD_ARTIFACTS") or tmp_path)
    artifacts.mkdir(parents=True, exist_ok=True)
    with LiveServer(f"sqlite:///{tmp_path / 'browser.db'}") as serve:
        http = httpx.Client(base_url=serve.url, timeout=10)
        report = sample_report()
        assert http.post("/api/v1/reports", json=report, headers=serve.headers("ingest")).status_code == 200
        now = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
        events = [waf_event(function="exportReport", time=now, **{"class": c}) for c in ("cmdi", "cmdi", "sqli", "xss")]
        events.append(waf_event(function="exportReport", time=now, excerpt="<script>alert('x')</script>"))
        assert http.post("/api/v1/events", json={"events": events}, headers=serve.headers("ingest")).status_code == 200

        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            problems: list[str] = []
            page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
            page.on("dialog", lambda dialog: problems.append(f"dialog opened: {dialog.message}"))

            page.goto(f"{serve.url}/")
            assert page.url.endswith("/login")
            page.fill("#password", serve.password)
            page.click("#login")
            page.wait_for_url(f"{serve.url}/")
            cards = page.locator("#risks .card")
            assert cards.count() == 6
            assert int(page.locator("#risk-dependencies .count").inner_text()) > 0
            page.screenshot(path=str(artifacts / "overview.png"), full_page=True)

            page.click("text=Findings")
            page.select_option("#filter-risk", "dependencies")
            page.select_option("#filter-state", "open")
            page.click("#apply-filters")
            page.wait_for_url("**/findings?*risk=dependencies*")
            risks = page.locator("tr.finding td:nth-child(3)").all_inner_texts()
            assert risks and set(risks) == {"dependencies"}

            page.click("text=Functions")
            page.locator("a.function-link", has_text="exportReport").first.click()
            page.wait_for_selector("svg.skeleton")
            assert "exportReport" in page.locator("h1").inner_text()
            chart = page.locator("#runtime-events svg.chart")
            box = chart.bounding_box()
            assert box and box["width"] > 300 and box["height"] > 100
            bars = chart.locator("rect")
            assert chart.locator("rect[fill]").count() >= 6  # 3 classes: a bar and a legend key each
            assert bars.first.bounding_box()["height"] > 0
            assert page.locator("#runtime-events tr.event").count() == 5
            page.screenshot(path=str(artifacts / "function.png"), full_page=True)

            page.click("text=Events")
            page.wait_for_selector("svg.chart")
            assert page.locator("svg.chart").count() == 2
            page.screenshot(path=str(artifacts / "events.png"), full_page=True)
            browser.close()
        assert problems == [], problems  # no CSP violation, no script error, no alert() from a payload
    for name in ("overview.png", "function.png", "events.png"):
        assert (artifacts / name).stat().st_size > 10_000
