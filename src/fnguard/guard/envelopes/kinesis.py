"""Kinesis Data Streams: base64 data, possibly gzip (CloudWatch Logs subscriptions)."""

from __future__ import annotations

from typing import Any

from fnguard.guard.envelopes import decode, records
from fnguard.guard.envelopes.base import Envelope, Part, dig, text

TRIGGER = "kinesis"


def match(event: dict[str, Any]) -> bool:
    return records.first_source(event) == "aws:kinesis"


def open_event(event: dict[str, Any]) -> Envelope:
    parts = tuple(
        Part(f"records[{i}].data", decode.b64_payload(dig(r, "kinesis", "data")), i, text(dig(r, "kinesis", "sequenceNumber")))
        for i, r in records.each(event)
        if isinstance(dig(r, "kinesis", "data"), str)
    )
    return Envelope(trigger=TRIGGER, parts=parts)
