"""The guard's WAF detection engine (standard library only).

``Engine(config).inspect(event)`` walks any JSON-like value and returns the detections with the
path of the field they were found in; :func:`default_engine` caches engines so a cold start
compiles the rules once. Exclusions by field or route are the runtime's job, not the engine's.
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
