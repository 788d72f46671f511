"""``fnguard serve`` on the command line: tokens, admin password, database URLs, migrations, retention."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from server_helpers import waf_event
from sqlalchemy import func, select

from fnguard.server import auth, retention
from fnguard.server.models import EventRow
from fnguard.server.settings import Retention
from fnguard.server.store import current_revision, make_engine, session_factory


def fnguard(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fnguard.cli", *args], capture_output=True, text=True, input=stdin,
                          env=env, timeout=120)


def test_tokens_lifecycle(db_url: str) -> None:
    created = fnguard("serve", "token", "create", "orders-prod", "--db", db_url)
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert secret.startswith(auth.TOKEN_PREFIX) and "shown only this once" in created.stderr
    listed = json.loads(fnguard("serve", "token", "list", "--format", "json", "--db", db_url).stdout)
    assert [(t["name"], t["scope"], t["revoked"]) for t in listed] == [("orders-prod", "ingest", False)]
    assert secret not in json.dumps(listed)
    engine = make_engine(db_url)
    with session_factory(engine)() as db:
        assert auth.find_token(db, secret) is not None
    duplicate = fnguard("serve", "token", "create", "orders-prod", "--db", db_url)
    assert duplicate.returncode == 2 and duplicate.stderr.count("\n") == 1
    assert fnguard("serve", "token", "revoke", "orders-prod", "--db", db_url).returncode == 0
    with session_factory(engine)() as db:
        assert auth.find_token(db, secret) is None
    missing = fnguard("serve", "token", "revoke", "nobody", "--db", db_url)
    assert missing.returncode == 2 and "no token named 'nobody'" in missing.stderr
    engine.dispose()


def test_admin_password(db_url: str) -> None:
    short = fnguard("serve", "admin", "set-password", "--stdin", "--db", db_url, stdin="short\n")
    assert short.returncode == 2 and "at least 8" in short.stderr
    assert fnguard("serve", "admin", "set-password", "--stdin", "--db", db_url, stdin="a long passphrase\n").returncode == 0
    engine = make_engine(db_url)
    with session_factory(engine)() as db:
        assert auth.check_admin_password(db, "a long passphrase", None)
        assert not auth.check_admin_password(db, "a long passphrasE", None)
    engine.dispose()


def test_default_database_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    env = {"FNGUARD_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = fnguard("serve", "token", "create", "x", env=env)
    assert done.returncode == 0, done.stderr
    database = tmp_path / "data" / "fnguard.db"
    assert database.is_file()
    assert current_revision(make_engine(f"sqlite:///{database}")) is not None  # migrations applied


@pytest.mark.parametrize("url, message", [("mysql://x/y", "unsupported database"), ("not a url", "not a database URL"),
                                          ("postgresql://nobody:x@127.0.0.1:1/none", "cannot open the database")])
def test_bad_database_urls_are_one_line_errors(url: str, message: str) -> None:
    done = fnguard("serve", "--db", url, "--port", "1")
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_retention_purges_old_events_only(server) -> None:  # noqa: ANN001
    old = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    server.post_events([waf_event(time=old), waf_event(time=old), waf_event()])
    with server.db() as db:
        removed = retention.purge(db, Retention(events_days=90))
        assert removed["events"] == 2
        assert db.scalar(select(func.count(EventRow.id))) == 1
        assert retention.purge(db, Retention(events_days=0))["events"] == 0


def test_several_workers_need_postgresql(tmp_path: Path) -> None:
    done = fnguard("serve", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--workers", "2", "--port", "1")
    assert done.returncode == 2 and "needs PostgreSQL" in done.stderr
