"""Kinesis Data Firehose transformation records: base64 data."""

from __future__ import annotations

from typing import Any

from fnguard.guard.envelopes import decode, records
from fnguard.guard.envelopes.base import Envelope, Part, text

TRIGGER = "firehose"


def match(event: dict[str, Any]) -> bool:
    return "deliveryStreamArn" in event and isinstance(event.get("records"), list)


def open_event(event: dict[str, Any]) -> Envelope:
    parts = tuple(
        Part(f"records[{i}].data", decode.b64_payload(r.get("data")), i, text(r.get("recordId")))
        for i, r in records.each(event, "records")
        if isinstance(r.get("data"), str)
    )
    return Envelope(trigger=TRIGGER, parts=parts, request_id=text(event.get("invocationId")))
