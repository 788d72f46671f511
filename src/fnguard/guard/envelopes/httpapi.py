"""API Gateway HTTP API (payload v2.0); also its REQUEST authorizers (``routeArn``)."""

from __future__ import annotations

from typing import Any

from fnguard.guard.envelopes import decode, http
from fnguard.guard.envelopes.base import Caller, Envelope, dig, items, mapping, text

TRIGGER = "httpApi"


def match(event: dict[str, Any]) -> bool:
    return event.get("version") == "2.0" and isinstance(dig(event, "requestContext", "http"), dict)


def open_v2(event: dict[str, Any], trigger: str) -> Envelope:
    """Read a v2.0 payload; function URLs share it and differ only by trigger name."""
    ctx = mapping(event.get("requestContext"))
    raw_query = event.get("rawQueryString")
    query = decode.form(raw_query) if isinstance(raw_query, str) and raw_query else http.query(
        event.get("queryStringParameters"), None
    )
    authorizer = mapping(ctx.get("authorizer"))
    return Envelope(
        trigger=trigger,
        parts=http.parts(
            path=event.get("rawPath"),
            query_params=query,
            header_values=http.headers(event.get("headers"), None),
            cookie_list=[c for c in items(event.get("cookies")) if isinstance(c, str)],
            path_params=event.get("pathParameters"),
            body=event.get("body"),
            is_base64=bool(event.get("isBase64Encoded")),
        ),
        request_id=text(ctx.get("requestId")),
        route=http.route(dig(ctx, "http", "method"), event.get("rawPath")),
        caller=Caller(
            ip=text(dig(ctx, "http", "sourceIp")),
            sub=text(dig(authorizer, "jwt", "claims", "sub")) or text(dig(authorizer, "lambda", "sub")),
        ),
        http="routeArn" not in event,
    )


def open_event(event: dict[str, Any]) -> Envelope:
    return open_v2(event, TRIGGER)
