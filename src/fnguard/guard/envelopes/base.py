"""What every trigger envelope hands the guard: where the attacker-controlled data lies.

An envelope knows one event source: how to recognise its events, which fields a caller controls
and how the source encodes them. The WAF then only sees decoded values with their locations, so
one engine serves every trigger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Caller:
    """Who sent the event, as far as the platform (not the caller) vouches for it.

    The rate limiter keys on it, so it never comes from a header the caller writes freely.
    """

    ip: str | None = None
    """Source IP seen by API Gateway / the function URL / the ALB, or S3's sourceIPAddress."""
    api_key_id: str | None = None
    """API Gateway API key id (REST APIs with usage plans)."""
    sub: str | None = None
    """Subject of a verified JWT or Cognito identity."""


@dataclass(frozen=True)
class Part:
    """One attacker-controlled value and where it sits in the event."""

    location: str
    """Path shown in security events and matched by exclusions, e.g. ``body.items[0].name``."""
    value: Any
    """Decoded value: a string, or JSON-like data the engine walks."""
    record: int | None = None
    """Index of the batch record it belongs to (``Records[i]``), None for single events."""
    record_id: str | None = None
    """Id the source uses to report a failed record (SQS ``messageId``)."""


@dataclass(frozen=True)
class Envelope:
    """An event opened by the envelope of its source."""

    trigger: str
    """Trigger type name, from the closed vocabulary shared with the scanner."""
    parts: tuple[Part, ...]
    request_id: str | None = None
    route: str | None = None
    """``METHOD /path`` for HTTP-shaped events."""
    caller: Caller = field(default_factory=Caller)
    http: bool = False
    """True when the platform expects an HTTP response dict (REST, HTTP API, ALB, function URL)."""
    multi_value_headers: bool = False
    """ALB with multi-value headers answers with ``multiValueHeaders`` only."""
    alb: bool = False


def dig(data: Any, *path: str) -> Any:
    """Nested ``get`` that tolerates missing levels and nulls, as real events have many."""
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def mapping(value: Any) -> dict[str, Any]:
    """``value`` if it is a mapping, else an empty one: a field may hold anything in a hostile event."""
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list[Any]:
    """``value`` if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def text(value: Any) -> str | None:
    """A non-empty string, or None: events use null, "" and missing keys interchangeably."""
    return value if isinstance(value, str) and value else None
