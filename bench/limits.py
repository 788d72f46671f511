"""Rate-limit decisions per second, in process and through Redis on loopback.

Also the cost of one limit decision per invocation as a ratio to the guard's own WAF pass over a
real API Gateway event, measured in the same run. Starts its own redis-server when one is
installed (or uses $FNGUARD_BENCH_REDIS_URL).

    python bench/limits.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from fnguard.guard.envelopes import open_event
from fnguard.guard.limits.window import SlidingWindow

EVENT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "events" / "apiGatewayProxyEvent.json"


def rate(function, seconds: float) -> float:  # type: ignore[no-untyped-def]
    count = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        for _ in range(100):
            function()
        count += 100
    return count / seconds


def start_redis(directory: str) -> tuple[str, subprocess.Popen | None]:
    if os.environ.get("FNGUARD_BENCH_REDIS_URL"):
        return os.environ["FNGUARD_BENCH_REDIS_URL"], None
    binary = shutil.which("redis-server")
    if not binary:
        return "", None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([binary, "--port", str(port), "--save", "", "--dir", directory],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    return f"redis://127.0.0.1:{port}/0", process


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    event = json.loads(EVENT.read_text()) if EVENT.is_file() else {"body": "{}", "httpMethod": "GET"}
    from fnguard.guard.waf import default_engine

    engine = default_engine({})
    envelope = open_event(event)

    def waf_pass() -> None:
        for part in envelope.parts:
            engine.inspect(part.value, part.location)

    waf_rate = rate(waf_pass, args.seconds)
    window = SlidingWindow(10**9, 60.0)
    local_rate = rate(lambda: window.hit("203.0.113.7"), args.seconds)
    print(f"WAF pass over {EVENT.name}: {1e6 / waf_rate:8.1f} µs ({waf_rate:,.0f}/s)")
    print(f"in-process decision:       {1e6 / local_rate:8.1f} µs ({local_rate:,.0f}/s)  "
          f"ratio to WAF pass {waf_rate / local_rate:.3f}")
    with tempfile.TemporaryDirectory() as directory:
        url, process = start_redis(directory)
        if not url:
            print("redis: not installed, shared-limit figures skipped")
            return 0
        try:
            from fnguard.guard.limits.redis_backend import RedisBackend

            backend = RedisBackend(url, timeout_ms=50)
            redis_rate = rate(lambda: backend.hit("bench:ip", 10**9, 60.0), args.seconds)
            print(f"Redis decision (loopback): {1e6 / redis_rate:8.1f} µs ({redis_rate:,.0f}/s)  "
                  f"ratio to WAF pass {waf_rate / redis_rate:.3f}")
        finally:
            if process is not None:
                process.terminate()
                process.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
