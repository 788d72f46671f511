"""CloudWatch Logs subscriptions: gzip + base64 of a document whose log lines anyone may write."""

from __future__ import annotations

from typing import Any

from fnguard.guard.envelopes import decode
from fnguard.guard.envelopes.base import Envelope, Part, dig, items

TRIGGER = "cloudwatchLog"


def match(event: dict[str, Any]) -> bool:
    return isinstance(dig(event, "awslogs", "data"), str)


def open_event(event: dict[str, Any]) -> Envelope:
    doc = decode.b64_payload(event["awslogs"]["data"])
    if not isinstance(doc, dict):
        return Envelope(trigger=TRIGGER, parts=(Part("awslogs.data", doc),))
    parts = tuple(
        Part(f"logEvents[{i}].message", decode.maybe_json(entry["message"]))
        for i, entry in enumerate(items(doc.get("logEvents")))
        if isinstance(entry, dict) and isinstance(entry.get("message"), str)
    )
    return Envelope(trigger=TRIGGER, parts=parts)
