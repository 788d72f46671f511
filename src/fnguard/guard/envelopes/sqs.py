"""SQS batches, with SNS notifications delivered through SQS unwrapped to their message."""

from __future__ import annotations

from typing import Any

from fnguard.guard.envelopes import decode, records
from fnguard.guard.envelopes.base import Envelope, Part, text

TRIGGER = "sqs"


def match(event: dict[str, Any]) -> bool:
    return records.first_source(event) == "aws:sqs"


def attributes(attrs: Any, binary_key: str, string_key: str) -> dict[str, Any]:
    """Message attribute values: strings as they are, binaries base64-decoded."""
    values: dict[str, Any] = {}
    if not isinstance(attrs, dict):
        return values
    for name, attr in attrs.items():
        if not isinstance(attr, dict):
            continue
        if isinstance(attr.get(string_key), str):
            values[name] = attr[string_key]
        elif isinstance(attr.get(binary_key), str):
            values[name] = decode.b64_payload(attr[binary_key])
        elif isinstance(attr.get("Value"), str):  # SNS shape inside SNS-in-SQS
            values[name] = attr["Value"]
    return values


def _body_parts(prefix: str, body: str, i: int, msg_id: str | None) -> list[Part]:
    parsed = decode.maybe_json(body)
    if isinstance(parsed, dict) and parsed.get("Type") == "Notification" and "TopicArn" in parsed:
        found = [Part(f"{prefix}.message", decode.maybe_json(str(parsed.get("Message", ""))), i, msg_id)]
        if isinstance(parsed.get("Subject"), str):
            found.append(Part(f"{prefix}.subject", parsed["Subject"], i, msg_id))
        attrs = attributes(parsed.get("MessageAttributes"), "binaryValue", "stringValue")
        if attrs:
            found.append(Part(f"{prefix}.messageAttributes", attrs, i, msg_id))
        return found
    return [Part(f"{prefix}.body", parsed, i, msg_id)]


def open_event(event: dict[str, Any]) -> Envelope:
    parts: list[Part] = []
    for i, record in records.each(event):
        msg_id = text(record.get("messageId"))
        body = record.get("body")
        if isinstance(body, str) and body:
            parts.extend(_body_parts(f"records[{i}]", body, i, msg_id))
        attrs = attributes(record.get("messageAttributes"), "binaryValue", "stringValue")
        if attrs:
            parts.append(Part(f"records[{i}].messageAttributes", attrs, i, msg_id))
    return Envelope(trigger=TRIGGER, parts=tuple(parts))
