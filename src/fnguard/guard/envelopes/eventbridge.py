"""EventBridge: ``detail`` is what the publisher (an app, a partner, an AWS service) wrote."""

from __future__ import annotations

from typing import Any

from fnguard.guard.envelopes.base import Envelope, Part, text

TRIGGER = "eventBridge"


def match(event: dict[str, Any]) -> bool:
    return "detail-type" in event and "source" in event and "detail" in event


def open_event(event: dict[str, Any]) -> Envelope:
    return Envelope(trigger=TRIGGER, parts=(Part("detail", event.get("detail")),), request_id=text(event.get("id")))
