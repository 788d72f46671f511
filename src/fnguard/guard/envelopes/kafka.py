"""Amazon MSK and self-managed Kafka: base64 key and value, headers as byte arrays."""

from __future__ import annotations

from typing import Any

from fnguard.guard.envelopes import decode
from fnguard.guard.envelopes.base import Envelope, Part, items

TRIGGER = "kafka"


def match(event: dict[str, Any]) -> bool:
    return event.get("eventSource") in ("aws:kafka", "aws:SelfManagedKafka", "SelfManagedKafka") and isinstance(event.get("records"), dict)


def _header_value(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(b, int) and 0 <= b < 256 for b in value):
        return decode.as_text(bytes(value))
    return value


def open_event(event: dict[str, Any]) -> Envelope:
    parts: list[Part] = []
    n = 0
    for batch in event["records"].values():
        for record in batch if isinstance(batch, list) else []:
            if not isinstance(record, dict):
                continue
            rid = f"{record.get('topic')}-{record.get('partition')}-{record.get('offset')}"
            for field in ("key", "value"):
                if isinstance(record.get(field), str):
                    parts.append(Part(f"records[{n}].{field}", decode.b64_payload(record[field]), n, rid))
            headers: dict[str, Any] = {}
            for header in items(record.get("headers")):
                if isinstance(header, dict):
                    for name, value in header.items():
                        decode.add(headers, name, _header_value(value))
            if headers:
                parts.append(Part(f"records[{n}].headers", headers, n, rid))
            n += 1
    return Envelope(trigger=TRIGGER, parts=tuple(parts))
