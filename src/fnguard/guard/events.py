"""Security events: the one JSON line the guard writes per event, and what serve receives.

The shape is public (dashboards, log metric filters and serve parse it): extend, never break.
"""

from __future__ import annotations

import os
import time
from typing import Any, Protocol

from fnguard.guard.redact import excerpt, truncate

ACTIONS = {"learn": "learned", "alert": "alerted", "block": "blocked"}


class DetectionLike(Protocol):
    rule_id: str
    attack_class: str
    severity: str
    location: str
    excerpt: str


def new_id() -> str:
    """A unique event id (serve deduplicates retried deliveries by it)."""
    return os.urandom(16).hex()


def now() -> str:
    """UTC time, ISO 8601 with milliseconds."""
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"


def waf_event(
    detection: DetectionLike, action: str, *, function: str | None, trigger: str, request_id: str | None
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "type": "waf",
        "rule_id": detection.rule_id,
        "class": detection.attack_class,
        "severity": detection.severity,
        "action": action,
        "function": function,
        "trigger": trigger,
        "location": detection.location,
        "excerpt": excerpt(detection.excerpt or "", detection.location),
        "request_id": request_id,
        "time": now(),
    }


def budget_event(
    action: str, inspected_bytes: int, *, function: str | None, trigger: str, request_id: str | None
) -> dict[str, Any]:
    """The inspection budget ran out: the rest of the event was not inspected."""
    return {
        "id": new_id(),
        "type": "waf_budget",
        "action": action,
        "function": function,
        "trigger": trigger,
        "inspected_bytes": inspected_bytes,
        "request_id": request_id,
        "time": now(),
    }


def guard_error_event(
    error: BaseException,
    action: str,
    *,
    stage: str,
    function: str | None,
    trigger: str | None,
    request_id: str | None,
    part: str | None = None,
) -> dict[str, Any]:
    """The guard failed by its own fault; ``action`` says whether the handler ran anyway.

    ``stage`` is setup|before|after|finish, ``part`` the pipeline stage at fault (waf, limits...).
    """
    message = excerpt(f"{type(error).__name__}: {error}")
    return {
        "id": new_id(),
        "type": "guard_error",
        "action": action,
        "stage": stage,
        "part": part,
        "error": truncate(message),
        "function": function,
        "trigger": trigger,
        "request_id": request_id,
        "time": now(),
    }
