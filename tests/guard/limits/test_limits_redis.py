"""Limits shared through a real redis-server: atomic under concurrency, fail-open when it dies."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from guard_helpers import sample

from fnguard.guard.limits.redis_backend import RedisBackend
from fnguard.guard.limits.stage import LimitsStage

WORKER = textwrap.dedent("""
    import sys
    from fnguard.guard.limits.redis_backend import RedisBackend
    backend = RedisBackend(sys.argv[1], timeout_ms=1000)
    allowed = sum(backend.hit("hammer:ip", int(sys.argv[2]), 60.0).allowed for _ in range(int(sys.argv[3])))
    print(allowed)
""")


def test_many_processes_never_admit_more_than_the_limit(redis_server):
    limit, processes, hits = 50, 6, 60
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, redis_server.url, str(limit), str(hits)],
                                stdout=subprocess.PIPE, text=True, env=dict(os.environ)) for _ in range(processes)]
    admitted = [int(worker.communicate(timeout=120)[0].strip()) for worker in workers]
    assert all(worker.returncode == 0 for worker in workers)
    # The Lua script runs atomically on the server: the documented margin is zero.
    assert sum(admitted) == limit
    assert processes * hits > limit


def test_redis_backend_counts_spend_across_instances(redis_server):
    first, second = RedisBackend(redis_server.url), RedisBackend(redis_server.url)
    first.add("spend:fn:h:1", 0.25, 60)
    assert second.add("spend:fn:h:1", 0.5, 60) == 0.75


def test_redis_stopped_mid_test_fails_open_and_reports(redis_server, event_lines):
    from fnguard import protect

    calls = []

    def handler(event, context):
        calls.append(1)
        return {"statusCode": 200, "body": "ok"}

    guard = protect(mode="block", config={"function": "orders"})(handler)
    limits = {"rate": {"key": "source_ip", "limit": 1, "window_s": 60, "backend": redis_server.url,
                       "timeout_ms": 50}}
    guard.stages.insert(0, LimitsStage(limits, mode="block", emit=guard.emit, function_name=guard.function_name))
    event = sample("apiGatewayProxyEvent.json")
    assert guard(event, None)["statusCode"] == 200
    assert guard(event, None)["statusCode"] == 429  # the shared limit holds while Redis is up
    redis_server.stop()
    responses = [guard(event, None)["statusCode"] for _ in range(3)]
    assert responses == [200, 200, 200]  # fail open: the function keeps serving
    errors = event_lines.of_type("limits_backend_error")
    assert len(errors) == 3 and all(e["action"] == "failed_open" for e in errors)
    assert len(calls) == 4
