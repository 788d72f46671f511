"""DynamoDB Streams: typed attribute images turned back into the plain values the app wrote."""

from __future__ import annotations

import base64
from typing import Any

from fnguard.guard.envelopes import records
from fnguard.guard.envelopes.base import Envelope, Part, dig, text

TRIGGER = "dynamodb"
_IMAGES = (("NewImage", "newImage"), ("OldImage", "oldImage"), ("Keys", "keys"))


def match(event: dict[str, Any]) -> bool:
    return records.first_source(event) == "aws:dynamodb"


def plain(typed: Any) -> Any:
    """``{"S": "x"}`` -> ``"x"``, recursively through M and L, sets as lists, B decoded."""
    if not isinstance(typed, dict) or len(typed) != 1:
        return typed
    kind, value = next(iter(typed.items()))
    if kind == "M" and isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if kind == "L" and isinstance(value, list):
        return [plain(v) for v in value]
    if kind == "B" and isinstance(value, str):
        try:
            return base64.b64decode(value).decode("utf-8", errors="replace")
        except ValueError:
            return value
    if kind in ("S", "N", "SS", "NS", "BS", "BOOL", "NULL"):
        return value
    return typed


def open_event(event: dict[str, Any]) -> Envelope:
    parts: list[Part] = []
    for i, record in records.each(event):
        seq = text(dig(record, "dynamodb", "SequenceNumber"))
        for typed_name, name in _IMAGES:
            image = dig(record, "dynamodb", typed_name)
            if isinstance(image, dict) and image:
                parts.append(Part(f"records[{i}].{name}", {k: plain(v) for k, v in image.items()}, i, seq))
    return Envelope(trigger=TRIGGER, parts=tuple(parts))
