"""Helpers of the serve tests (a module of its own: several test folders have a conftest.py)."""

from __future__ import annotations

import json
import subprocess
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fnguard.server import auth
from fnguard.server.settings import Limits, Settings
from fnguard.server.store import session_factory

ROOT = Path(__file__).resolve().parents[2]
_CACHE: dict[str, Any] = {}


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


def waf_event(**overrides: Any) -> dict[str, Any]:
    """An event shaped exactly like fnguard.guard.events.waf_event."""
    event = {"id": uuid.uuid4().hex, "type": "waf", "rule_id": "FGW-SQLI-001", "class": "sqli", "severity": "high",
             "action": "blocked", "function": "createOrder", "trigger": "http", "location": "body.q",
             "excerpt": "1' OR '1'='1", "request_id": uuid.uuid4().hex[:12], "time": "2026-11-28T12:00:00.000Z"}
    event.update(overrides)
    return event


def sample_report() -> dict[str, Any]:
    """A real report: the orders-api example scanned by fnguard itself."""
    if "report" not in _CACHE:
        done = subprocess.run(["fnguard", "scan", str(ROOT / "examples" / "orders-api"), "--format", "json"],
                              capture_output=True, text=True, timeout=300)
        _CACHE["report"] = json.loads(done.stdout)
    return json.loads(json.dumps(_CACHE["report"]))
