"""AWS IoT Core: custom authorizer requests (MQTT credentials, HTTP headers, TLS SNI).

IoT rule actions deliver whatever the rule's SQL selects: no shape to recognise, so such
functions set ``trigger: iot`` in their config and get the whole event inspected under it.
"""

from __future__ import annotations

from typing import Any

from fnguard.guard.envelopes.base import Envelope, Part, dig, text

TRIGGER = "iot"


def match(event: dict[str, Any]) -> bool:
    return isinstance(event.get("protocolData"), dict) and "connectionMetadata" in event


def open_event(event: dict[str, Any]) -> Envelope:
    parts: list[Part] = []
    if isinstance(event.get("token"), str):
        parts.append(Part("token", event["token"]))
    parts.append(Part("protocolData", event["protocolData"]))
    return Envelope(trigger=TRIGGER, parts=tuple(parts), request_id=text(dig(event, "connectionMetadata", "id")))


def open_rule_event(event: Any) -> Envelope:
    """An IoT rule's output: any JSON, all of it from the device."""
    return Envelope(trigger=TRIGGER, parts=(Part("", event),))
