"""Lambda function URLs: the HTTP API v2.0 payload on a ``*.lambda-url.*`` domain."""

from __future__ import annotations

from typing import Any

from fnguard.guard.envelopes import httpapi
from fnguard.guard.envelopes.base import Envelope, dig

TRIGGER = "url"


def match(event: dict[str, Any]) -> bool:
    domain = dig(event, "requestContext", "domainName")
    return httpapi.match(event) and isinstance(domain, str) and ".lambda-url." in domain


def open_event(event: dict[str, Any]) -> Envelope:
    return httpapi.open_v2(event, TRIGGER)
