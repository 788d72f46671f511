"""Fixtures of the serve tests: each test runs against SQLite and against a real PostgreSQL.

PostgreSQL comes from $FNGUARD_TEST_POSTGRES_URL, else from the URL file that
scripts/start_services.sh writes, else from running that script; when none gives a server the
PostgreSQL variants skip and say why. Each test gets a fresh database cloned from a migrated
template, so tests never see each other's rows.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from fnguard.server import auth
from fnguard.server.settings import Limits, Settings
from fnguard.server.store import make_engine, migrate, session_factory

ROOT = Path(__file__).resolve().parents[2]
_PG_STATE: dict[str, Any] = {}


def _postgres_url() -> tuple[str | None, str]:
    """(URL, why not) of a reachable PostgreSQL, computed once per session."""
    if "url" in _PG_STATE:
        return _PG_STATE["url"], _PG_STATE["why"]
    url = os.environ.get("FNGUARD_TEST_POSTGRES_URL")
    why = ""
    url_file = Path(os.environ.get("FNGUARD_PG_DIR", "/tmp/fnguard-pg")) / "url"
    if not url and url_file.is_file():
        url = url_file.read_text().strip()
    if url and not _reachable(url):
        url = None
    if not url:
        try:
            done = subprocess.run(["bash", str(ROOT / "scripts" / "start_services.sh")], capture_output=True,
                                  text=True, timeout=300)
            line = next((x for x in done.stdout.splitlines() if x.startswith("FNGUARD_TEST_POSTGRES_URL=")), "")
            url = line.partition("=")[2] or None
            why = f"scripts/start_services.sh failed: {done.stderr.strip()[-300:]}" if not url else ""
        except (OSError, subprocess.SubprocessError) as exc:
            why = f"scripts/start_services.sh could not run: {exc}"
        if url and not _reachable(url):
            why, url = f"PostgreSQL at {url} does not answer", None
    _PG_STATE.update(url=url, why=why or "no PostgreSQL server")
    return url, _PG_STATE["why"]


def _reachable(url: str) -> bool:
    try:
        engine = make_engine(url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001
        return False


def _admin_engine(url: str):  # noqa: ANN202
    return create_engine(make_url(url).set(drivername="postgresql+psycopg", database="postgres"),
                         isolation_level="AUTOCOMMIT")


def _template(url: str) -> str:
    """A migrated template database, made once per session."""
    if "template" not in _PG_STATE:
        name = f"fnguard_tpl_{os.getpid()}"
        admin = _admin_engine(url)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine = make_engine(str(make_url(url).set(database=name).render_as_string(hide_password=False)))
        migrate(engine)
        engine.dispose()
        admin.dispose()
        _PG_STATE["template"] = name
    return _PG_STATE["template"]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _PG_STATE.get("template") and _PG_STATE.get("url"):
        admin = _admin_engine(_PG_STATE["url"])
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{_PG_STATE["template"]}"'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database of each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fnguard.db'}"
        migrate(make_engine(url))
        yield url
        return
    base, why = _postgres_url()
    if base is None:
        pytest.skip(f"PostgreSQL variant skipped: {why}")
    template = _template(base)
    name = f"fnguard_t_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine(base)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@dataclass
class Server:
    """A test client with one token of each scope and an admin password."""

    client: Any
    app: Any
    tokens: dict[str, str]
    password: str

    def headers(self, scope: str = "read") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[scope]}"}

    def post_events(self, events: list[dict[str, Any]], scope: str = "ingest") -> Any:
        return self.client.post("/api/v1/events", json={"events": events}, headers=self.headers(scope))

    def post_report(self, report: dict[str, Any]) -> Any:
        return self.client.post("/api/v1/reports", json=report, headers=self.headers("ingest"))

    def db(self) -> Any:
        return self.app.state.sessions()

    def login(self) -> str:
        """Log the client in through the form; return the session's CSRF token."""
        page = self.client.get("/login")
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        response = self.client.post("/login", data={"password": self.password, "csrf": csrf}, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/"
        home = self.client.get("/")
        return home.text.split('name="csrf" value="')[1].split('"')[0]


def make_server(db_url: str, **limits: Any) -> Server:
    from fastapi.testclient import TestClient

    from fnguard.server.app import create_app

    settings = replace(Settings(db_url=db_url), run_workers=False, limits=replace(Limits(), **limits))
    app = create_app(settings)
    sessions = session_factory(app.state.engine)
    with sessions() as db:
        tokens = {scope: auth.create_token(db, f"test-{scope}", scope) for scope in auth.SCOPES}
        auth.set_admin_password(db, "correct horse battery")
    return Server(client=TestClient(app), app=app, tokens=tokens, password="correct horse battery")


@pytest.fixture
def server(db_url: str) -> Iterator[Server]:
    made = make_server(db_url)
    with made.client:
        yield made
    made.app.state.engine.dispose()


def waf_event(**overrides: Any) -> dict[str, Any]:
    """An event shaped exactly like fnguard.guard.events.waf_event."""
    event = {"id": uuid.uuid4().hex, "type": "waf", "rule_id": "FGW-SQLI-001", "class": "sqli", "severity": "high",
             "action": "blocked", "function": "createOrder", "trigger": "http", "location": "body.q",
             "excerpt": "1' OR '1'='1", "request_id": uuid.uuid4().hex[:12], "time": "2026-11-28T12:00:00.000Z"}
    event.update(overrides)
    return event


def sample_report() -> dict[str, Any]:
    """A real report: the orders-api example scanned by fnguard itself."""
    if "report" not in _PG_STATE:
        done = subprocess.run(["fnguard", "scan", str(ROOT / "examples" / "orders-api"), "--format", "json"],
                              capture_output=True, text=True, timeout=300)
        _PG_STATE["report"] = json.loads(done.stdout)
    return json.loads(json.dumps(_PG_STATE["report"]))
