"""SNS notifications: message, subject and message attributes."""

from __future__ import annotations

from typing import Any

from fnguard.guard.envelopes import decode, records
from fnguard.guard.envelopes.base import Envelope, Part, mapping, text

TRIGGER = "sns"


def match(event: dict[str, Any]) -> bool:
    return records.first_source(event) == "aws:sns"


def open_event(event: dict[str, Any]) -> Envelope:
    parts: list[Part] = []
    request_id = None
    for i, record in records.each(event):
        sns = mapping(record.get("Sns"))
        request_id = request_id or text(sns.get("MessageId"))
        if isinstance(sns.get("Message"), str):
            parts.append(Part(f"records[{i}].message", decode.maybe_json(sns["Message"]), i))
        if isinstance(sns.get("Subject"), str):
            parts.append(Part(f"records[{i}].subject", sns["Subject"], i))
        attrs: dict[str, Any] = {}
        for name, attr in mapping(sns.get("MessageAttributes")).items():
            if isinstance(attr, dict) and isinstance(attr.get("Value"), str):
                binary = attr.get("Type") == "Binary"
                attrs[name] = decode.b64_payload(attr["Value"]) if binary else attr["Value"]
        if attrs:
            parts.append(Part(f"records[{i}].messageAttributes", attrs, i))
    return Envelope(trigger=TRIGGER, parts=tuple(parts), request_id=request_id if len(event["Records"]) == 1 else None)
