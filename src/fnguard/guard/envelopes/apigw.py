"""API Gateway REST API (payload v1.0), proxy integration; also REQUEST authorizers."""

from __future__ import annotations

from typing import Any

from fnguard.guard.envelopes import http
from fnguard.guard.envelopes.base import Caller, Envelope, dig, mapping, text

TRIGGER = "http"


def match(event: dict[str, Any]) -> bool:
    return "httpMethod" in event and ("resource" in event or "requestContext" in event) and "elb" not in (
        mapping(event.get("requestContext"))
    )


def open_event(event: dict[str, Any]) -> Envelope:
    ctx = mapping(event.get("requestContext"))
    claims = dig(ctx, "authorizer", "claims")
    return Envelope(
        trigger=TRIGGER,
        parts=http.parts(
            path=event.get("path"),
            query_params=http.query(event.get("queryStringParameters"), event.get("multiValueQueryStringParameters")),
            header_values=http.headers(event.get("headers"), event.get("multiValueHeaders")),
            path_params=event.get("pathParameters"),
            body=event.get("body"),
            is_base64=bool(event.get("isBase64Encoded")),
        ),
        request_id=text(ctx.get("requestId")),
        route=http.route(event.get("httpMethod"), event.get("path")),
        caller=Caller(
            ip=text(dig(ctx, "identity", "sourceIp")),
            api_key_id=text(dig(ctx, "identity", "apiKeyId")),
            sub=text(dig(claims, "sub")) or text(dig(ctx, "identity", "cognitoIdentityId")),
        ),
        # A REQUEST authorizer must answer with a policy, never with an HTTP response.
        http="methodArn" not in event,
    )
