"""Payload limits checked before parsing, so an oversized payload costs little."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PayloadLimits:
    max_body_bytes: int | None = None
    max_json_depth: int | None = None
    max_json_keys: int | None = None
    max_batch: int | None = None


def json_shape(text: str, max_depth: int | None, max_keys: int | None) -> str | None:
    """Scan JSON text for depth and key count without parsing it; the violated limit, or None.

    A linear character scan that skips strings: cheaper than ``json.loads`` and it stops at the
    first violation, so a 10 MB body nested 100,000 deep costs microseconds, not a recursion error.
    """
    depth = 0
    keys = 0
    in_string = False
    escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
            if max_depth is not None and depth > max_depth:
                return f"JSON deeper than {max_depth}"
        elif char in "}]":
            depth -= 1
        elif char == ":":
            keys += 1
            if max_keys is not None and keys > max_keys:
                return f"more than {max_keys} JSON keys"
    return None


def check_event(event: Any, limits: PayloadLimits) -> str | None:
    """The first payload limit this event breaks, or None."""
    if not isinstance(event, dict):
        return None
    records = event.get("Records")
    if limits.max_batch is not None and isinstance(records, list) and len(records) > limits.max_batch:
        return f"batch of {len(records)} records, over {limits.max_batch}"
    body = event.get("body")
    if isinstance(body, str):
        size = len(body)
        if event.get("isBase64Encoded"):
            size = size * 3 // 4
        if limits.max_body_bytes is not None and size > limits.max_body_bytes:
            return f"body of {size} bytes, over {limits.max_body_bytes}"
        if (limits.max_json_depth or limits.max_json_keys) and body[:1] in "{[":
            return json_shape(body, limits.max_json_depth, limits.max_json_keys)
    return None
