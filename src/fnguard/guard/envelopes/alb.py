"""Application Load Balancer targets: query still percent-encoded, optional multi-value headers."""

from __future__ import annotations

from typing import Any

from fnguard.guard.envelopes import http
from fnguard.guard.envelopes.base import Caller, Envelope, dig, text

TRIGGER = "alb"


def match(event: dict[str, Any]) -> bool:
    return isinstance(dig(event, "requestContext", "elb"), dict)


def open_event(event: dict[str, Any]) -> Envelope:
    header_values = http.headers(event.get("headers"), event.get("multiValueHeaders"))
    # The ALB appends the peer address it saw as the LAST X-Forwarded-For entry; the entries
    # before it are whatever the client sent, so only the last one identifies the caller.
    forwarded = ",".join(header_values.get("x-forwarded-for", [])).split(",")
    return Envelope(
        trigger=TRIGGER,
        parts=http.parts(
            path=event.get("path"),
            query_params=http.query(
                event.get("queryStringParameters"), event.get("multiValueQueryStringParameters"), encoded=True
            ),
            header_values=header_values,
            body=event.get("body"),
            is_base64=bool(event.get("isBase64Encoded")),
        ),
        route=http.route(event.get("httpMethod"), event.get("path")),
        caller=Caller(ip=text(forwarded[-1].strip())),
        http=True,
        multi_value_headers="multiValueHeaders" in event,
        alb=True,
    )
