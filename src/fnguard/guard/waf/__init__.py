"""The guard's WAF detection engine (standard library only).

``Engine(config).inspect(event)`` walks any JSON-like value and returns the detections with the
path of the field they were found in; :func:`default_engine` caches engines so a cold start
builds the rules once. Exclusions by field or route are the runtime's job, not the engine's.

Config keys (all optional): ``paranoia`` (1..4, default 1), ``classes`` (attack classes to enable,
default all), ``disable_rules`` (rule ids, fnmatch globs allowed), ``max_value_bytes`` (64 KiB),
``max_event_bytes`` (1 MiB), ``max_time_ms`` (20, per ``inspect`` call), ``max_depth`` (32) and
``cache_entries`` (2048: size of the bounded memo of clean values and scan results a warm
container reuses; 0 disables it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from fnguard.guard.waf.detection import ATTACK_CLASSES, Detection, InspectionResult
from fnguard.guard.waf.engine import Engine

__all__ = ["ATTACK_CLASSES", "Detection", "Engine", "InspectionResult", "default_engine"]


@lru_cache(maxsize=8)
def _cached(config_json: str) -> Engine:
    return Engine(json.loads(config_json))


def default_engine(config: Mapping[str, Any] | None = None) -> Engine:
    """An engine for ``config``, built once per distinct configuration and process."""
    return _cached(json.dumps(dict(config or {}), sort_keys=True, default=str))
