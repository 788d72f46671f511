"""Dashboard: login, CSRF on every form, the CSP, triage through forms, no field rendered unescaped."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from server_helpers import Server, sample_report, waf_event
from sqlalchemy import select

from fnguard.server.models import FindingRow, FunctionRow

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "waf" / "dev.jsonl"


class _ActiveContent(HTMLParser):
    """What a browser would run: script/iframe/object elements, on* attributes, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed", "base", "meta") and tag != "meta":
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on") or (name in ("href", "src", "action", "formaction", "xlink:href")
                                         and (value or "").strip().lower().startswith(("javascript:", "data:"))):
                self.found.append(f"{tag} {name}={value}")


def _xss_payloads(limit: int = 60) -> list[str]:
    """XSS attacks of the WAF corpus (the project's own test data), and a few sharp classics."""
    payloads = []
    if CORPUS.is_file():
        for line in CORPUS.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            if item.get("class") == "xss" and item.get("label") == "attack" and "<" in item["payload"]:
                payloads.append(item["payload"])
    payloads += ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "</textarea><svg onload=alert(1)>",
                 "<a href='javascript:alert(1)'>x</a>", '</title><script src="//evil.example/x.js"></script>']
    return payloads[:limit] + payloads[-5:]


def test_wrong_password_opens_no_session(server: Server) -> None:
    page = server.client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    wrong = server.client.post("/login", data={"password": "nope", "csrf": csrf}, follow_redirects=False)
    assert wrong.status_code == 303 and wrong.headers["location"].startswith("/login?error=")
    assert server.client.get("/", follow_redirects=False).status_code == 303
    no_csrf = server.client.post("/login", data={"password": server.password, "csrf": "forged"}, follow_redirects=False)
    assert no_csrf.status_code == 403


def test_login_then_logout(server: Server) -> None:
    csrf = server.login()
    assert server.client.get("/", follow_redirects=False).status_code == 200
    assert server.client.post("/logout", data={"csrf": "forged"}, follow_redirects=False).status_code == 403
    assert server.client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert server.client.get("/", follow_redirects=False).status_code == 303


def test_env_password_works(server: Server, monkeypatch) -> None:  # noqa: ANN001
    from dataclasses import replace

    server.app.state.settings = replace(server.app.state.settings, admin_password="from the environment")
    server.password = "from the environment"
    server.login()


def test_every_page_has_a_strict_csp_and_no_script(server: Server) -> None:
    server.post_report(sample_report())
    server.post_events([waf_event()])
    server.login()
    with server.db() as db:
        function_id = db.scalar(select(FunctionRow.id).limit(1))
    for path in ("/", "/functions", f"/functions/{function_id}", "/findings", "/events", "/alerts", "/login"):
        response = server.client.get(path)
        assert response.status_code == 200, path
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp and "unsafe-inline" not in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert "<script" not in response.text.lower(), path


def test_event_fields_are_never_rendered_unescaped(server: Server) -> None:
    server.post_report(sample_report())
    with server.db() as db:
        function = db.scalar(select(FunctionRow).where(FunctionRow.name == "exportReport").limit(1))
    payloads = _xss_payloads()
    assert len(payloads) > 20
    events = []
    for i, payload in enumerate(payloads):
        events.append(waf_event(function="exportReport" if i % 2 else payload[:256], excerpt=payload, location=payload,
                                trigger="http", detail=payload, target=payload, **{"class": "xss", "rule_id": payload[:64]}))
    response = server.post_events(events)
    assert response.status_code == 200, response.text
    server.login()
    pages = [server.client.get(p).text for p in ("/events?hours=336", f"/functions/{function.id}", "/")]
    pages.append(server.client.get("/events", params={"function": payloads[0], "type": payloads[1]}).text)
    for page in pages:
        parser = _ActiveContent()
        parser.feed(page)
        assert parser.found == [], parser.found[:3]
    joined = "\n".join(pages)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in joined  # present, and escaped


def test_findings_filters_and_triage_through_forms(server: Server) -> None:
    server.post_report(sample_report())
    csrf = server.login()
    page = server.client.get("/findings", params={"risk": "dependencies", "state": "open"}).text
    rows = re.findall(r'<tr class="finding" id="finding-(\d+)">', page)
    assert rows
    with server.db() as db:
        risks = set(db.scalars(select(FindingRow.risk).where(FindingRow.id.in_([int(r) for r in rows]))))
    assert risks == {"dependencies"}
    target = rows[0]
    forged = server.client.post(f"/findings/{target}/triage", data={"state": "fixed", "csrf": "x"}, follow_redirects=False)
    assert forged.status_code == 403
    no_reason = server.client.post(f"/findings/{target}/triage", data={"state": "accepted", "csrf": csrf},
                                   follow_redirects=False)
    assert no_reason.status_code == 422
    accepted = server.client.post(f"/findings/{target}/triage", follow_redirects=False, data={
        "state": "accepted", "reason": "dev-only dependency", "csrf": csrf, "back": "/findings?state=accepted"})
    assert accepted.status_code == 303 and accepted.headers["location"] == "/findings?state=accepted"
    listed = server.client.get("/findings", params={"state": "accepted"}).text
    assert f'id="finding-{target}"' in listed and "dev-only dependency" in listed
    offsite = server.client.post(f"/findings/{target}/triage", follow_redirects=False,
                                 data={"state": "open", "csrf": csrf, "back": "//evil.example/"})
    assert offsite.headers["location"] == "/findings"


def test_alert_rules_through_forms(server: Server) -> None:
    csrf = server.login()
    form = {"csrf": csrf, "name": "crit", "kind": "severity", "min_severity": "critical",
            "webhook_url": "https://hooks.slack.com/services/T/B/X", "webhook_format": "slack"}
    assert server.client.post("/alerts/rules", data={**form, "csrf": "x"}, follow_redirects=False).status_code == 403
    assert server.client.post("/alerts/rules", data=form, follow_redirects=False).status_code == 303
    bad = server.client.post("/alerts/rules", data={**form, "min_severity": ""}, follow_redirects=False)
    assert "error=" in bad.headers["location"]
    page = server.client.get("/alerts").text
    assert "crit" in page and "severity ≥ critical" in page


def test_login_attempts_are_rate_limited(server: Server) -> None:
    page = server.client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    codes = [server.client.post("/login", data={"password": f"guess {i}", "csrf": csrf}, follow_redirects=False).status_code
             for i in range(12)]
    assert codes[:10] == [303] * 10 and codes[10:] == [429, 429]
    right = server.client.post("/login", data={"password": server.password, "csrf": csrf}, follow_redirects=False)
    assert right.status_code == 429  # even the right password waits: guessing must not pay
