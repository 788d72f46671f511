"""Ingest throughput of ``fnguard serve``: events per second on SQLite and PostgreSQL, for batch
sizes 1, 100 and 1000, posted over real HTTP to a ``fnguard serve`` process on loopback, gzip-encoded as the guard's
sink sends them. Each figure is also given as a ratio to batch size 1 on the same backend.

    python3 bench/ingest.py [--events N] [--postgres URL] [--skip-postgres]

PostgreSQL comes from --postgres, $FNGUARD_TEST_POSTGRES_URL, or scripts/start_services.sh.
Each run uses a fresh database (a new SQLite file; a new PostgreSQL database, dropped after).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from fnguard.server import auth
from fnguard.server.store import make_engine, migrate, session_factory

ROOT = Path(__file__).resolve().parents[1]
BATCHES = (1, 100, 1000)


def _event(i: int) -> dict:
    return {"id": uuid.uuid4().hex, "type": "waf", "rule_id": "FGW-SQLI-001", "class": "sqli", "severity": "high",
            "action": "blocked", "function": f"fn-{i % 20}", "trigger": "http", "location": "body.q",
            "excerpt": "1' OR '1'='1' -- ", "request_id": uuid.uuid4().hex[:16],
            "time": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())}


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def measure(db_url: str, batch: int, total: int) -> float:
    """Events per second for ``total`` events posted in batches of ``batch``.

    The server runs as its own process (``fnguard serve``), as in production: a client in the
    same interpreter would share the GIL with it and halve what is measured.
    """
    engine = make_engine(db_url)
    migrate(engine)
    with session_factory(engine)() as db:
        token = auth.create_token(db, f"bench-{uuid.uuid4().hex[:8]}", "ingest")
    engine.dispose()
    port = _port()
    env = {**os.environ, "FNGUARD_INGEST_RPS": "1e9", "FNGUARD_INGEST_BURST": "1000000000"}
    server = subprocess.Popen([sys.executable, "-m", "fnguard.cli", "serve", "--db", db_url, "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    bodies = []
    for start in range(0, total, batch):
        events = [_event(i) for i in range(start, min(total, start + batch))]
        bodies.append(gzip.compress(json.dumps({"events": events}, separators=(",", ":")).encode(), compresslevel=5))
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Content-Encoding": "gzip"}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit(f"fnguard serve did not start: {server.stderr.read().decode()[-500:]}") from None
                    time.sleep(0.05)
            started = time.perf_counter()
            for body in bodies:
                response = client.post("/api/v1/events", content=body, headers=headers)
                if response.status_code != 200:
                    raise SystemExit(f"ingest failed: {response.status_code} {response.text}")
            elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(10)
    return total / elapsed


def _postgres(explicit: str | None) -> str | None:
    url = explicit or os.environ.get("FNGUARD_TEST_POSTGRES_URL")
    if not url:
        done = subprocess.run(["bash", str(ROOT / "scripts" / "start_services.sh")], capture_output=True, text=True)
        line = next((x for x in done.stdout.splitlines() if x.startswith("FNGUARD_TEST_POSTGRES_URL=")), "")
        url = line.partition("=")[2] or None
    return url


def _fresh_pg(url: str) -> tuple[str, callable]:
    name = f"fnguard_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(url).set(drivername="postgresql+psycopg", database="postgres"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(url).set(database=name).render_as_string(hide_password=False), drop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000, help="events per run for batch sizes 100 and 1000")
    parser.add_argument("--single-events", type=int, default=2_000, help="events per run for batch size 1")
    parser.add_argument("--postgres", help="PostgreSQL URL (default: $FNGUARD_TEST_POSTGRES_URL or start_services.sh)")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    backends: list[tuple[str, str | None]] = [("sqlite", None)]
    if not args.skip_postgres:
        pg = _postgres(args.postgres)
        if pg:
            backends.append(("postgresql", pg))
        else:
            print("postgresql: skipped (no server: run scripts/start_services.sh)")
    print(f"fnguard serve ingest, real HTTP on loopback, gzip batches; python {sys.version.split()[0]}")
    print(f"{'backend':<12}{'batch':>7}{'events':>9}{'events/s':>12}{'vs batch 1':>12}")
    for backend, url in backends:
        baseline = None
        for batch in BATCHES:
            total = args.single_events if batch == 1 else args.events
            if backend == "sqlite":
                with tempfile.TemporaryDirectory() as tmp:
                    rate = measure(f"sqlite:///{tmp}/bench.db", batch, total)
            else:
                fresh, drop = _fresh_pg(url)
                try:
                    rate = measure(fresh, batch, total)
                finally:
                    drop()
            baseline = baseline or rate
            print(f"{backend:<12}{batch:>7}{total:>9}{rate:>12,.0f}{rate / baseline:>11.1f}x", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
