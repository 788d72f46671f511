"""What protect() adds per invocation, and what importing the guard costs in a cold start.

Per invocation: the time the guard adds (guarded handler minus bare handler) for (a) a 2 KB API
Gateway event, (b) a 10-record SQS batch, (c) a 256 KB JSON body, each as a ratio to
``json.loads(json.dumps(event))`` of the same event measured in the same run (target for (a):
at most 3x), split into envelope (opening and decoding the event) and engine (inspection).

Import: ``import fnguard.guard`` against ``import boto3``, each in fresh interpreters, median of
several runs (target at most 10%): by ``python -X importtime`` (wall time) and by the CPU time of
the interpreter (steadier on a shared machine), plus what loading the whole runtime costs
(``protect()`` of a handler: wrapper, envelopes, WAF engine), which the package defers to.

Run: ``python bench/guard_overhead.py [--runs N] [--import-runs N]``.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "events"


def _sample(name: str, fallback: dict[str, Any]) -> dict[str, Any]:
    path = EVENTS / name
    return json.loads(path.read_text()) if path.is_file() else copy.deepcopy(fallback)


def api_event(body: str) -> dict[str, Any]:
    event = _sample("apiGatewayProxyEvent.json", {
        "resource": "/my/path", "path": "/my/path", "httpMethod": "POST",
        "headers": {"Accept": "*/*", "User-Agent": "bench"}, "multiValueHeaders": {},
        "queryStringParameters": {"page": "1"}, "multiValueQueryStringParameters": {"page": ["1"]},
        "requestContext": {"requestId": "r", "identity": {"sourceIp": "10.0.0.1"}}, "body": None,
    })
    event["httpMethod"] = "POST"
    event["headers"]["Content-Type"] = "application/json"
    event["multiValueHeaders"]["Content-Type"] = ["application/json"]
    event["body"] = body
    return event


def order(i: int) -> dict[str, Any]:
    return {"id": f"order-{i:06d}", "customer": {"name": "Jane Doe", "email": f"jane{i}@example.com"},
            "items": [{"sku": "SKU-12345", "qty": 2, "price": 19.99, "note": "gift wrap, please"}],
            "created": "2026-11-28T12:00:00Z", "status": "paid"}


def two_kb_event() -> dict[str, Any]:
    event = api_event("")
    size = len(json.dumps(event))
    orders = []
    while size + len(json.dumps(orders)) < 2048 - 260:
        orders.append(order(len(orders)))
    event["body"] = json.dumps({"orders": orders})
    return event


def sqs_batch() -> dict[str, Any]:
    event = _sample("sqsEvent.json", {"Records": [{"messageId": "m", "body": "", "messageAttributes": {},
                                                   "attributes": {}, "eventSource": "aws:sqs"}]})
    template = event["Records"][0]
    event["Records"] = [
        {**copy.deepcopy(template), "messageId": f"msg-{i}", "body": json.dumps(order(i)), "messageAttributes": {}}
        for i in range(10)
    ]
    return event


def big_body_event() -> dict[str, Any]:
    orders = []
    text = "[]"
    while len(text) < 256 * 1024:
        orders.extend(order(len(orders) + k) for k in range(50))
        text = json.dumps({"orders": orders})
    return api_event(text)


def interleaved(fns: dict[str, Any], runs: int) -> dict[str, float]:
    """Seconds per call of each function: best of ``runs`` rounds, the functions taking turns in
    each round so that a load spike from elsewhere on the machine hits them all alike."""
    timers = {name: timeit.Timer(fn) for name, fn in fns.items()}
    numbers = {name: max(1, timer.autorange()[0] // 4) for name, timer in timers.items()}
    best = {name: float("inf") for name in fns}
    for _ in range(runs):
        for name, timer in timers.items():
            best[name] = min(best[name], timer.timeit(numbers[name]) / numbers[name])
    return best


def per_invocation(runs: int) -> list[dict[str, Any]]:
    from fnguard.guard import envelopes, firewall
    from fnguard.guard.wrapper import protect

    def bare(event: Any, context: Any) -> None:
        return None

    class Nothing:
        detections: tuple[Any, ...] = ()
        budget_exceeded = False
        inspected_bytes = 0

    class NullEngine:
        """Finds nothing at no cost: what is left is the runtime's own overhead."""

        def inspect(self, data: Any, location: str = "") -> Any:
            return Nothing

    # Stdout off: the events are benign, nothing would be written anyway; alert mode.
    guarded = protect(mode="alert", config={"events": {"stdout": False}})(bare)
    runtime_only = protect(mode="alert", config={"events": {"stdout": False}}, engine=NullEngine())(bare)
    waf_stage = next(stage for stage in guarded.stages if stage.name == "waf")
    rows = []
    probe: list[str] = []
    checked = protect(mode="alert", config={"events": {"stdout": False}}, engine=NullEngine())(bare)
    checked.telemetry.emit = lambda event: probe.append(event["type"])  # type: ignore[method-assign]
    checked(two_kb_event(), None)
    assert probe == [], f"the null-engine guard reported {probe}: the runtime column would be wrong"
    for name, event in (("a) API Gateway 2 KB", two_kb_event()), ("b) SQS 10 records", sqs_batch()),
                        ("c) 256 KB JSON body", big_body_event())):
        envelope = envelopes.open_event(event)
        outcome = firewall.run(waf_stage.engine, envelope, waf_stage.config, waf_stage.exclusions)
        t = interleaved({
            "baseline": lambda event=event: json.loads(json.dumps(event)),
            "bare": lambda event=event: bare(event, None),
            "guarded": lambda event=event: guarded(event, None),
            "runtime": lambda event=event: runtime_only(event, None),
            "envelope": lambda event=event: envelopes.open_event(event),
            "engine": lambda envelope=envelope: firewall.run(
                waf_stage.engine, envelope, waf_stage.config, waf_stage.exclusions),
        }, runs)
        baseline, t_bare, t_guarded, t_runtime = t["baseline"], t["bare"], t["guarded"], t["runtime"]
        t_envelope, t_engine = t["envelope"], t["engine"]
        added = max(t_guarded - t_bare, 0.0)
        rows.append({
            "event": name, "bytes": len(json.dumps(event)), "detections": len(outcome.findings),
            "budget_exceeded": outcome.budget_exceeded, "baseline_us": baseline * 1e6, "added_us": added * 1e6,
            "ratio": added / baseline, "envelope_us": t_envelope * 1e6, "engine_us": t_engine * 1e6,
            "runtime_us": max(t_runtime - t_bare, 0.0) * 1e6, "runtime_ratio": max(t_runtime - t_bare, 0.0) / baseline,
        })
    rows.extend(two_kb_variants(runs, bare))
    return rows


def varied_two_kb_events(count: int) -> list[dict[str, Any]]:
    """Realistic traffic: every request has its own id, time, source port and order numbers."""
    events = []
    for index in range(count):
        event = two_kb_event()
        event["requestContext"]["requestId"] = f"c6af9ac6-7b61-11e6-9a41-{index:012d}"
        event["requestContext"]["requestTimeEpoch"] = 1_700_000_000_000 + index
        body = json.loads(event["body"])
        for number, item in enumerate(body["orders"]):
            item["id"] = f"order-{index:05d}{number:02d}"
            item["customer"]["email"] = f"buyer{index * 7 + number}@example.com"
        event["body"] = json.dumps(body)
        events.append(event)
    return events


def two_kb_variants(runs: int, bare: Any) -> list[dict[str, Any]]:
    """(a) again, without the engine's memo of clean values helping: a cold memo on every call
    (first sight, the worst case), and varied traffic through a warm container."""
    import itertools

    from fnguard.guard.waf import Engine
    from fnguard.guard.wrapper import protect

    rows = []
    events = varied_two_kb_events(400)
    for label, engine_config in (("a) 2 KB, first sight (no memo)", {"cache_entries": 0}),
                                 ("a) 2 KB, varied traffic, warm", {})):
        guarded = protect(mode="alert", config={"events": {"stdout": False}}, engine=Engine(engine_config))(bare)
        base_cycle, guard_cycle, bare_cycle = (itertools.cycle(events) for _ in range(3))
        t = interleaved({
            "baseline": lambda cycle=base_cycle: json.loads(json.dumps(next(cycle))),
            "bare": lambda cycle=bare_cycle: bare(next(cycle), None),
            "guarded": lambda cycle=guard_cycle, guard=guarded: guard(next(cycle), None),
        }, runs)
        added = max(t["guarded"] - t["bare"], 0.0)
        rows.append({
            "event": label, "bytes": len(json.dumps(events[0])), "detections": 0, "budget_exceeded": False,
            "baseline_us": t["baseline"] * 1e6, "added_us": added * 1e6, "ratio": added / t["baseline"],
            "envelope_us": float("nan"), "engine_us": float("nan"), "runtime_us": float("nan"),
            "runtime_ratio": float("nan"),
        })
    return rows


# Fresh interpreters run with bytecode cached, as in a function whose layer ships its .pyc files
# (``fnguard layer build`` does) and as boto3's install has them: a shell with
# PYTHONDONTWRITEBYTECODE would otherwise charge the guard, and not boto3, for compiling sources.
_PYCACHE = tempfile.mkdtemp(prefix="fnguard-bench-pycache-")
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"PYTHONPYCACHEPREFIX": _PYCACHE}


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120, env=ENV)


def warm(statement: str) -> None:
    """Fill the bytecode cache for what ``statement`` imports."""
    _python("-c", statement)


def import_us(statement: str, module: str, runs: int) -> float | None:
    """Median cumulative import time of ``module`` (µs) in fresh interpreters."""
    warm(statement)
    samples = []
    for _ in range(runs):
        done = _python("-X", "importtime", "-c", statement)
        if done.returncode != 0:
            return None
        for line in done.stderr.splitlines():
            fields = [f.strip() for f in line.split("|")]
            if len(fields) == 3 and fields[2] == module:
                samples.append(int(fields[1]))
    return statistics.median(samples) if samples else None


def cpu_ms(statement: str, runs: int) -> float:
    """Median CPU time (user + system) of a fresh interpreter running ``statement``, minus that of
    an empty one: CPU time, unlike wall time, barely moves when other work shares the cores."""

    def one(code: str) -> float:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        _python("-c", code).check_returncode()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000

    warm(statement)
    empty = statistics.median(one("pass") for _ in range(runs))
    return statistics.median(one(statement) for _ in range(runs)) - empty


def setup_ms(runs: int) -> float:
    """Median wall time of ``import fnguard.guard`` + ``protect()`` (the whole runtime and engine)."""
    script = ("import time; t=time.perf_counter(); import fnguard.guard as g; "
              "g.protect(config={'events': {'stdout': False}})(lambda e, c: 1); print(time.perf_counter()-t)")
    warm(script)
    samples = []
    for _ in range(runs):
        done = _python("-c", script)
        done.check_returncode()
        samples.append(float(done.stdout.strip()) * 1000)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timeit repeats per measure (7)")
    parser.add_argument("--import-runs", type=int, default=7, help="fresh interpreters per import measure (7)")
    args = parser.parse_args()

    print(f"python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M')}")
    print("\nper invocation (best of interleaved rounds; ratio = time protect() adds / json.loads(json.dumps(event)))")
    print("  added = guarded - bare handler; envelope = opening the event; engine = WAF over the parts;")
    print("  runtime = what protect() adds with a null engine (envelope, pipeline, bookkeeping)")
    print(f"{'event':22} {'bytes':>8} {'baseline':>10} {'added':>10} {'ratio':>7} {'envelope':>10} {'engine':>10}"
          f" {'runtime':>10} {'ratio':>7}  detections")
    for row in per_invocation(args.runs):
        print(f"{row['event']:22} {row['bytes']:>8} {row['baseline_us']:>8.1f}us {row['added_us']:>8.1f}us "
              f"{row['ratio']:>6.2f}x {row['envelope_us']:>8.1f}us {row['engine_us']:>8.1f}us"
              f" {row['runtime_us']:>8.1f}us {row['runtime_ratio']:>6.2f}x  {row['detections']}"
              f"{' (budget exceeded)' if row['budget_exceeded'] else ''}")
    print("target (a): at most 3.00x")

    guard = import_us("import fnguard.guard", "fnguard.guard", args.import_runs)
    runtime = import_us("import fnguard.guard.wrapper", "fnguard.guard.wrapper", args.import_runs)
    waf = import_us("import fnguard.guard.waf", "fnguard.guard.waf", args.import_runs)
    boto3 = import_us("import boto3", "boto3", args.import_runs)

    def row(label: str, value: float | None) -> None:
        ratio = f"{value / boto3 * 100:6.1f} % of import boto3" if value and boto3 else ""
        print(f"  {label:34} {value / 1000 if value else float('nan'):8.1f} ms  {ratio}")

    print(f"\nimport (median of {args.import_runs} fresh interpreters with bytecode cached, python -X importtime;"
          " target at most 10%)")
    row("import boto3", boto3)
    row("import fnguard.guard", guard)
    print("  (the package defers the runtime to protect(); what protect() then loads:)")
    row("  runtime (fnguard.guard.wrapper)", runtime)
    row("  WAF engine (fnguard.guard.waf)", waf)
    print(f"\nimport, CPU time (median of {args.import_runs} fresh interpreters, minus an empty one)")
    cpu = {label: cpu_ms(stmt, args.import_runs) for label, stmt in (
        ("import boto3", "import boto3"),
        ("import fnguard.guard", "import fnguard.guard"),
        ("  runtime alone (fnguard.guard.wrapper)", "import fnguard.guard.wrapper"),
        ("  WAF engine alone (fnguard.guard.waf)", "import fnguard.guard.waf"),
        ("import + protect() (runtime + engine)",
         "import fnguard.guard as g; g.protect(config={'events': {'stdout': False}})(lambda e, c: 1)"),
    )}
    for label, value in cpu.items():
        print(f"  {label:38} {value:8.1f} ms  {value / cpu['import boto3'] * 100:6.1f} % of import boto3")
    setup = setup_ms(args.import_runs)
    print(f"  import + protect() (runtime and WAF engine loaded, wall time): {setup:.1f} ms"
          + (f" = {setup * 1000 / boto3 * 100:.0f}% of import boto3" if boto3 else ""))
    shutil.rmtree(_PYCACHE, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
