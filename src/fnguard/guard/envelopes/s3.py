"""S3 event notifications: the object key (URL-encoded, ``+`` for space) is the caller's."""

from __future__ import annotations

from typing import Any

from fnguard.guard.envelopes import decode, records
from fnguard.guard.envelopes.base import Caller, Envelope, Part, dig, text

TRIGGER = "s3"


def match(event: dict[str, Any]) -> bool:
    return records.first_source(event) == "aws:s3"


def open_event(event: dict[str, Any]) -> Envelope:
    parts: list[Part] = []
    ip = None
    for i, record in records.each(event):
        key = dig(record, "s3", "object", "key")
        if isinstance(key, str):
            parts.append(Part(f"records[{i}].key", decode.unquote_key(key), record=i))
        ip = ip or text(dig(record, "requestParameters", "sourceIPAddress"))
    return Envelope(trigger=TRIGGER, parts=tuple(parts), caller=Caller(ip=ip))
