"""SES inbound mail: sender, subject and every header are written by whoever sends the mail."""

from __future__ import annotations

from typing import Any

from fnguard.guard.envelopes import decode, records
from fnguard.guard.envelopes.base import Envelope, Part, dig, items, mapping

TRIGGER = "ses"
_COMMON = ("from", "to", "cc", "bcc", "replyTo", "sender", "subject", "returnPath", "messageId")


def match(event: dict[str, Any]) -> bool:
    return records.first_source(event) == "aws:ses"


def open_event(event: dict[str, Any]) -> Envelope:
    parts: list[Part] = []
    for i, record in records.each(event):
        mail = mapping(dig(record, "ses", "mail"))
        common = mapping(mail.get("commonHeaders"))
        fields = {k: common[k] for k in _COMMON if common.get(k) is not None}
        if isinstance(mail.get("source"), str):
            fields["source"] = mail["source"]
        if fields:
            parts.append(Part(f"records[{i}]", fields, i))
        headers: dict[str, Any] = {}
        for header in items(mail.get("headers")):
            if isinstance(header, dict) and isinstance(header.get("name"), str):
                decode.add(headers, header["name"].lower(), header.get("value"))
        if headers:
            parts.append(Part(f"records[{i}].headers", headers, i))
    return Envelope(trigger=TRIGGER, parts=tuple(parts))
