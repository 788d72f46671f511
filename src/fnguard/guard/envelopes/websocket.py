"""API Gateway WebSocket APIs: $connect carries headers and query, messages carry a body."""

from __future__ import annotations

from typing import Any

from fnguard.guard.envelopes import http
from fnguard.guard.envelopes.base import Caller, Envelope, dig, text

TRIGGER = "websocket"


def match(event: dict[str, Any]) -> bool:
    ctx = event.get("requestContext")
    return isinstance(ctx, dict) and "connectionId" in ctx and "eventType" in ctx


def open_event(event: dict[str, Any]) -> Envelope:
    ctx = event["requestContext"]
    return Envelope(
        trigger=TRIGGER,
        parts=http.parts(
            path=None,
            query_params=http.query(event.get("queryStringParameters"), event.get("multiValueQueryStringParameters")),
            header_values=http.headers(event.get("headers"), event.get("multiValueHeaders")),
            body=event.get("body"),
            is_base64=bool(event.get("isBase64Encoded")),
        ),
        request_id=text(ctx.get("requestId")),
        route=text(ctx.get("routeKey")),
        caller=Caller(ip=text(dig(ctx, "identity", "sourceIp")), sub=text(dig(ctx, "authorizer", "sub"))),
    )
