"""Fixtures of the serve tests: each test runs against SQLite and against a real PostgreSQL.

PostgreSQL comes from $FNGUARD_TEST_POSTGRES_URL, else from the URL file that
scripts/start_services.sh writes, else from running that script; when none gives a server the
PostgreSQL variants skip and say why. Each test gets a fresh database cloned from a migrated
template, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from server_helpers import Server, make_server
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from fnguard.server.store import make_engine, migrate

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


@pytest.fixture
def server(db_url: str) -> Iterator[Server]:
    made = make_server(db_url)
    with made.client:
        yield made
    made.app.state.engine.dispose()
