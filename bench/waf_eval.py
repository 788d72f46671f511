"""Benchmark the guard's WAF engine on the shared dev corpus, against libinjection in the same run.

Prints, for fnguard: detection overall and per class, false positives, microseconds per attack and
per benign payload; the cost of ``inspect()`` on a real 2 KB API Gateway event as a ratio to
``json.loads(json.dumps(event))`` (the guard's budget is 3x that for the whole guard); and, where
``libinjection`` (pip libinjection-python, GPL-3: benchmark only, never imported by fnguard) is
importable, its is_sql_injection / is_xss verdicts on the same sqli / xss / benign lines, raw
and after fnguard's decoding.

    python3 bench/waf_eval.py [--corpus PATH] [--event PATH] [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fnguard.guard.waf import Engine
from fnguard.guard.waf.normalize import decode

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "waf" / "dev.jsonl"
EVENT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "events" / "apiGatewayProxyEvent.json"


def best_of(fn: Callable[[], Any], number: int, rounds: int) -> float:
    """Best mean seconds per call over ``rounds`` (the machine is shared: the minimum is the signal)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def fnguard_figures(records: list[dict[str, Any]], engine: Engine, rounds: int) -> dict[str, Any]:
    attacks: Counter[str] = Counter()
    detected: Counter[str] = Counter()
    benign = false_positives = 0
    attack_us: list[float] = []
    benign_us: list[float] = []
    for record in records:
        payload = record["payload"]
        seconds = best_of(lambda p=payload: engine.inspect(p), 1, rounds)
        hit = bool(engine.inspect(payload).detections)
        if record["label"] == "attack":
            attacks[record["class"]] += 1
            detected[record["class"]] += hit
            attack_us.append(seconds * 1e6)
        else:
            benign += 1
            false_positives += hit
            benign_us.append(seconds * 1e6)
    return {
        "detection": sum(detected.values()) / sum(attacks.values()),
        "per_class": {c: (detected[c], n) for c, n in sorted(attacks.items())},
        "false_positives": (false_positives, benign),
        "us_attack_mean": statistics.fmean(attack_us),
        "us_attack_median": statistics.median(attack_us),
        "us_benign_mean": statistics.fmean(benign_us),
        "us_benign_median": statistics.median(benign_us),
    }


def libinjection_figures(records: list[dict[str, Any]], rounds: int) -> dict[str, Any] | None:
    try:
        import libinjection  # type: ignore[import-not-found]  # GPL-3: benchmark only
    except ImportError:
        return None
    out: dict[str, Any] = {}
    detectors = {"sqli": lambda s: libinjection.is_sql_injection(s)["is_sqli"],
                 "xss": lambda s: libinjection.is_xss(s)["is_xss"]}
    benign = [r["payload"] for r in records if r["label"] == "benign"]
    for cls, detector in detectors.items():
        attacks = [r["payload"] for r in records if r["label"] == "attack" and r["class"] == cls]
        raw_hits = sum(bool(detector(p)) for p in attacks)
        decoded_hits = sum(bool(detector(p) or detector(decode(p))) for p in attacks)
        fps = sum(bool(detector(p)) for p in benign)
        start = time.perf_counter()
        for _ in range(max(1, rounds)):
            for p in attacks:
                detector(p)
        us = (time.perf_counter() - start) / (len(attacks) * max(1, rounds)) * 1e6
        out[cls] = {"raw": (raw_hits, len(attacks)), "decoded": (decoded_hits, len(attacks)),
                    "false_positives": (fps, len(benign)), "us": us}
    return out


def _fresh(event: dict[str, Any], n: int) -> dict[str, Any]:
    """The event as the next invocation of a warm container sees it: new ids, times and body."""
    copy = json.loads(json.dumps(event))
    ctx = copy.get("requestContext", {})
    ctx["requestId"] = f"c6af9ac6-7b61-11e6-9a41-{n:012d}"
    ctx["extendedRequestId"] = f"request-{n}"
    ctx["requestTime"] = f"04/Mar/2020:19:{n % 60:02d}:17 +0000"
    ctx["requestTimeEpoch"] = 1583349317135 + n
    ctx.setdefault("identity", {})["sourceIp"] = f"192.168.{n % 250}.{n % 200}/32"
    copy["body"] = json.dumps({"orderId": n, "note": f"order number {n} from the web shop"})
    return copy


def event_figures(engine_config: dict[str, Any], path: Path, rounds: int) -> dict[str, float]:
    """inspect() on a real API Gateway event, against json.loads(json.dumps(event)).

    cold: every value unseen (the engine's memo emptied before each call); warm: the same event again
    (a container's repeated headers); fresh: a warm container receiving new ids, times and body.
    """
    event = json.loads(path.read_text(encoding="utf-8"))
    size = len(json.dumps(event))
    baseline = best_of(lambda: json.loads(json.dumps(event)), 500, rounds)
    cold_engine = Engine(engine_config)

    def first_sight() -> None:
        # a new container: the memo exists but is empty (values repeated inside the event still hit it)
        cold_engine._cache.clear()
        cold_engine._clean.clear()
        cold_engine._clean_keys.clear()
        cold_engine.inspect(event)

    cold = best_of(first_sight, 300, rounds)
    warm_engine = Engine(engine_config)
    warm = best_of(lambda: warm_engine.inspect(event), 500, rounds)
    fresh_events = [_fresh(event, n) for n in range(500)]
    fresh_baseline = best_of(lambda: [json.loads(json.dumps(e)) for e in fresh_events], 1, rounds) / 500
    fresh = best_of(lambda: [warm_engine.inspect(e) for e in fresh_events], 1, rounds) / 500
    return {"bytes": size, "json_roundtrip_us": baseline * 1e6, "cold_us": cold * 1e6, "warm_us": warm * 1e6,
            "fresh_us": fresh * 1e6, "fresh_json_us": fresh_baseline * 1e6,
            "cold_ratio": cold / baseline, "warm_ratio": warm / baseline, "fresh_ratio": fresh / fresh_baseline}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--event", type=Path, default=EVENT)
    parser.add_argument("--rounds", type=int, default=3, help="timing repetitions; the best is kept")
    args = parser.parse_args()
    records = [json.loads(line) for line in args.corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    start = time.perf_counter()
    engine = Engine({"cache_entries": 0})  # per-payload cost without the warm-container memo
    build_ms = (time.perf_counter() - start) * 1000

    ours = fnguard_figures(records, engine, args.rounds)
    fp, benign = ours["false_positives"]
    print(f"corpus: {args.corpus} ({len(records)} lines); engine built in {build_ms:.1f} ms")
    print(f"fnguard detection: {ours['detection']:.4f}   false positives: {fp}/{benign} = {fp / benign:.4f}")
    for cls, (hit, n) in ours["per_class"].items():
        print(f"  {cls:20s} {hit:5d}/{n:<5d} {hit / n:.4f}")
    print(f"fnguard us/payload: attacks mean {ours['us_attack_mean']:.1f} median {ours['us_attack_median']:.1f}; "
          f"benign mean {ours['us_benign_mean']:.1f} median {ours['us_benign_median']:.1f}")

    theirs = libinjection_figures(records, args.rounds)
    if theirs is None:
        print("libinjection: not importable (pip install libinjection-python to compare)")
    else:
        for cls, row in theirs.items():
            hit, n = row["raw"]
            dec, _ = row["decoded"]
            lfp, lben = row["false_positives"]
            ours_hit, _ = ours["per_class"][cls]
            print(f"libinjection {cls}: {hit}/{n} = {hit / n:.4f} (decoded first: {dec / n:.4f}), "
                  f"FP {lfp}/{lben} = {lfp / lben:.4f}, {row['us']:.2f} us; "
                  f"fnguard {cls}: {ours_hit / n:.4f} -> ratio {ours_hit / max(hit, 1):.2f}x the detections")

    if args.event.exists():
        ev = event_figures({}, args.event, args.rounds * 3)
        print(f"API Gateway event ({ev['bytes']} B), json.loads(json.dumps()) {ev['json_roundtrip_us']:.1f} us:")
        print(f"  inspect() cold (empty memo)     {ev['cold_us']:7.1f} us  ratio {ev['cold_ratio']:.2f}x")
        print(f"  inspect() warm, same event      {ev['warm_us']:7.1f} us  ratio {ev['warm_ratio']:.2f}x")
        print(f"  inspect() warm, fresh ids/body  {ev['fresh_us']:7.1f} us  ratio {ev['fresh_ratio']:.2f}x "
              f"(json {ev['fresh_json_us']:.1f} us)")


if __name__ == "__main__":
    main()
