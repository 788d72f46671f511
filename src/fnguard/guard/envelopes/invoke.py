"""Direct invocation (SDK, CLI, Step Functions, unknown sources): every field may be hostile."""

from __future__ import annotations

from typing import Any

from fnguard.guard.envelopes.base import Envelope, Part

TRIGGER = "invoke"


def match(event: Any) -> bool:
    return True


def open_event(event: Any) -> Envelope:
    return Envelope(trigger=TRIGGER, parts=(Part("", event),))
