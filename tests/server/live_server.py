"""A real ``fnguard serve`` (uvicorn on a free port, in a thread) for end-to-end and browser tests."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import replace
from typing import Any

import httpx
import uvicorn

from fnguard.server import auth
from fnguard.server.app import create_app
from fnguard.server.settings import Settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveServer:
    def __init__(self, db_url: str, password: str = "correct horse battery") -> None:
        settings = replace(Settings(db_url=db_url), alert_poll_s=0.2)
        self.app = create_app(settings)
        self.password = password
        with self.app.state.sessions() as db:
            self.tokens = {scope: auth.create_token(db, f"live-{scope}", scope) for scope in auth.SCOPES}
            auth.set_admin_password(db, password)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("fnguard serve did not start")

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.app.state.engine.dispose()

    def headers(self, scope: str = "read") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[scope]}"}
