"""Running the WAF engine over an opened event: exclusions, the event budget, record mapping.

The engine inspects one value at a time; this module knows events: which parts to skip, how
much of the event may be inspected in bytes and time, and which batch record each detection
belongs to (for SQS partial batch responses).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

from fnguard.guard.config import WafConfig
from fnguard.guard.envelopes import Envelope
from fnguard.guard.exclusions import Exclusions


class InspectionLike(Protocol):
    detections: tuple[Any, ...]
    budget_exceeded: bool
    inspected_bytes: int


class Inspector(Protocol):
    """What the guard needs of the WAF engine (``fnguard.guard.waf.Engine``)."""

    def inspect(self, data: Any, location: str = "") -> InspectionLike: ...


@dataclass(frozen=True)
class Finding:
    """One detection kept after exclusions, with the batch record it came from."""

    detection: Any
    record: int | None
    record_id: str | None


@dataclass(frozen=True)
class WafOutcome:
    findings: tuple[Finding, ...]
    budget_exceeded: bool
    inspected_bytes: int
    uninspected: tuple[tuple[int | None, str | None], ...] = ()
    """(record, record_id) of the parts left uninspected when the budget ran out."""
    skipped: bool = False
    """The route is excluded: nothing was inspected."""


def run(engine: Inspector, envelope: Envelope, config: WafConfig, exclusions: Exclusions) -> WafOutcome:
    """Inspect every part of ``envelope`` within the event budget."""
    route = envelope.route
    if exclusions and exclusions.skips_everything(route):
        return WafOutcome((), False, 0, skipped=True)
    start = time.perf_counter()
    deadline = start + config.max_time_ms / 1000.0
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    total = 0
    parts = envelope.parts
    for index, part in enumerate(parts):
        if exclusions and exclusions.skips_field(part.location, route):
            continue
        result = engine.inspect(part.value, part.location)
        total += result.inspected_bytes
        for detection in result.detections:
            key = (detection.rule_id, detection.location)
            if key in seen or (exclusions and exclusions.suppressed(detection.rule_id, detection.location, route)):
                continue
            seen.add(key)
            findings.append(Finding(detection, part.record, part.record_id))
        if result.budget_exceeded or total > config.max_event_bytes or time.perf_counter() > deadline:
            rest = parts[index:] if result.budget_exceeded else parts[index + 1 :]
            uninspected = tuple(dict.fromkeys((p.record, p.record_id) for p in rest))
            return WafOutcome(tuple(findings), bool(rest) or result.budget_exceeded, total, uninspected)
    return WafOutcome(tuple(findings), False, total)
