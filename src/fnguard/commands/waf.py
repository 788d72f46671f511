"""``fnguard waf eval FILE.jsonl``: measure the guard's WAF on labelled payloads.

Each line is ``{"payload": "...", "label": "attack"|"benign", "class": "..."}``; the output is
one JSON object with the detection rate, the false-positive rate, per-class and per-source
figures and the cost per payload, so CI can hold the engine to a floor.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fnguard.model import InputError

HELP = "Evaluate the guard's WAF detection on a labelled JSONL corpus."


@dataclass(frozen=True)
class Sample:
    """One labelled line of the corpus."""

    payload: str
    attack: bool
    attack_class: str
    source: str
    line: int


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="waf_command", metavar="ACTION")
    ev = sub.add_parser("eval", help="detection and false-positive rates over FILE.jsonl")
    ev.add_argument("file", metavar="FILE.jsonl")
    ev.add_argument("--paranoia", type=int, default=1, choices=(1, 2, 3, 4))
    ev.add_argument("--classes", help="comma-separated attack classes to enable (default all)")
    ev.add_argument("--show-misses", type=int, default=0, metavar="N",
                    help="list up to N missed attacks and N false positives")
    ev.add_argument("--by-source", action="store_true", help="add per-source detection rates")
    ev.add_argument("--rounds", type=int, default=1, help="timing repetitions (best is reported)")


def load_samples(path: Path) -> list[Sample]:
    """Read and validate the corpus; any malformed line is an input error naming the line."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    samples: list[Sample] = []
    with handle:
        try:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                samples.append(_parse(line, number, path))
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 text") from exc
    if not samples:
        raise InputError(f"{path}: no samples")
    return samples


def _parse(line: str, number: int, path: Path) -> Sample:
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise InputError(f"{path}:{number}: not JSON ({exc.msg})") from exc
    if not isinstance(record, dict):
        raise InputError(f"{path}:{number}: expected a JSON object")
    payload, label = record.get("payload"), record.get("label")
    if not isinstance(payload, str) or label not in ("attack", "benign"):
        raise InputError(f"{path}:{number}: needs a string 'payload' and 'label' attack|benign")
    source = str(record.get("source", "")).split(":", 1)[0]
    return Sample(payload, label == "attack", str(record.get("class", "generic")), source, number)


def _timed(engine: Any, samples: list[Sample], rounds: int) -> tuple[list[tuple[str, ...]], list[float]]:
    """Classes flagged per sample and the best time per sample over ``rounds``."""
    best = [float("inf")] * len(samples)
    flagged: list[tuple[str, ...]] = []
    clock = time.perf_counter
    for _ in range(max(1, rounds)):
        flagged = []
        for i, sample in enumerate(samples):
            start = clock()
            result = engine.inspect(sample.payload)
            best[i] = min(best[i], clock() - start)
            flagged.append(tuple(sorted({d.attack_class for d in result.detections})))
    return flagged, best


def _rate(hit: int, total: int) -> float | None:
    return round(hit / total, 4) if total else None


def evaluate(samples: list[Sample], engine: Any, show_misses: int = 0, by_source: bool = False,
             rounds: int = 1) -> dict[str, Any]:
    """The metrics object printed by ``fnguard waf eval``."""
    flagged, times = _timed(engine, samples, rounds)
    per_class: dict[str, dict[str, int]] = {}
    per_source: dict[str, list[int]] = {}
    attack_us: list[float] = []
    benign_us: list[float] = []
    misses: list[dict[str, Any]] = []
    false_pos: list[dict[str, Any]] = []
    for sample, classes, seconds in zip(samples, flagged, times, strict=True):
        entry = per_class.setdefault(sample.attack_class, {"attack": 0, "detected": 0, "benign": 0, "false_positives": 0})
        hit = bool(classes)
        if sample.attack:
            entry["attack"] += 1
            entry["detected"] += hit
            attack_us.append(seconds * 1e6)
            src = per_source.setdefault(sample.source, [0, 0])
            src[0] += 1
            src[1] += hit
            if not hit and len(misses) < show_misses:
                misses.append({"line": sample.line, "class": sample.attack_class, "payload": sample.payload[:300]})
        else:
            entry["benign"] += 1
            entry["false_positives"] += hit
            benign_us.append(seconds * 1e6)
            if hit and len(false_pos) < show_misses:
                false_pos.append({"line": sample.line, "class": sample.attack_class, "flagged": list(classes),
                                  "payload": sample.payload[:300]})
    attacks = sum(e["attack"] for e in per_class.values())
    detected = sum(e["detected"] for e in per_class.values())
    benign = sum(e["benign"] for e in per_class.values())
    fps = sum(e["false_positives"] for e in per_class.values())
    all_us = attack_us + benign_us
    metrics: dict[str, Any] = {
        "samples": len(samples),
        "attacks": attacks,
        "benign": benign,
        "detection_rate": _rate(detected, attacks),
        "false_positive_rate": _rate(fps, benign),
        "detected": detected,
        "false_positives": fps,
        "per_class": {
            name: {**e, "detection_rate": _rate(e["detected"], e["attack"]),
                   "false_positive_rate": _rate(e["false_positives"], e["benign"])}
            for name, e in sorted(per_class.items())
        },
        "microseconds_per_payload": _mean(all_us),
        "microseconds_per_attack": _mean(attack_us),
        "microseconds_per_benign": _mean(benign_us),
        "microseconds_per_benign_median": _median(benign_us),
        "paranoia": getattr(engine, "paranoia", None),
    }
    if by_source:
        metrics["per_source"] = {k: {"attack": v[0], "detected": v[1], "detection_rate": _rate(v[1], v[0])}
                                 for k, v in sorted(per_source.items())}
    if show_misses:
        metrics["misses"] = misses
        metrics["false_positive_samples"] = false_pos
    return metrics


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[len(ordered) // 2], 2)


def iter_classes(text: str | None) -> Iterator[str]:
    for part in (text or "").split(","):
        if part.strip():
            yield part.strip()


def run(args: argparse.Namespace) -> int:
    if getattr(args, "waf_command", None) != "eval":
        raise InputError("usage: fnguard waf eval FILE.jsonl")
    from fnguard.guard.waf import Engine

    # no memo of seen values: every payload pays its full cost, so the timing is per payload
    config: dict[str, Any] = {"paranoia": args.paranoia, "cache_entries": 0}
    classes = list(iter_classes(args.classes))
    if classes:
        config["classes"] = classes
    try:
        engine = Engine(config)
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    samples = load_samples(Path(args.file))
    metrics = evaluate(samples, engine, args.show_misses, args.by_source, args.rounds)
    json.dump(metrics, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0
