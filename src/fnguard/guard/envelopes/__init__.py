"""Trigger envelopes: one module per event source, tried in order, direct invocation last.

Each module has ``TRIGGER`` (the trigger type name), ``match(event) -> bool`` (cheap shape
test) and ``open_event(event) -> Envelope``. Adding a source is adding a module and a line here.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from fnguard.guard.envelopes import (
    alb,
    apigw,
    cloudwatch_logs,
    cognito,
    dynamodb,
    eventbridge,
    firehose,
    httpapi,
    invoke,
    iot,
    kafka,
    kinesis,
    s3,
    ses,
    sns,
    sqs,
    url,
    websocket,
)
from fnguard.guard.envelopes.base import Caller, Envelope, Part

# Most specific shapes first: a function URL is also an HTTP API v2 payload, an ALB event has
# ``httpMethod`` like REST. ``invoke`` matches anything and must stay last.
ENVELOPES: tuple[ModuleType, ...] = (
    sqs, sns, s3, kinesis, dynamodb, ses,
    alb, websocket, url, httpapi, apigw,
    firehose, kafka, cloudwatch_logs, eventbridge, cognito, iot,
    invoke,
)

TRIGGERS = tuple(module.TRIGGER for module in ENVELOPES)

__all__ = ["Caller", "Envelope", "Part", "ENVELOPES", "TRIGGERS", "open_event"]


def open_event(event: Any, trigger: str | None = None) -> Envelope:
    """Open ``event`` with the envelope of its source.

    ``trigger`` forces a source for events with no recognisable shape (IoT rule outputs).
    """
    if trigger == iot.TRIGGER and not (isinstance(event, dict) and iot.match(event)):
        return iot.open_rule_event(event)
    if not isinstance(event, dict):
        return invoke.open_event(event)
    for module in ENVELOPES:
        if module.match(event):
            return module.open_event(event)
    return invoke.open_event(event)  # pragma: no cover - invoke matches everything
