"""Where attacker-controlled data enters a handler, as tables.

Everything in a Lambda event is attacker-controlled unless a row below says otherwise: the
event parameter itself, the request objects of the web frameworks people run on Lambda
(Chalice, Flask through serverless-wsgi, Powertools' event handler) and the parameters of their
routes. How bad a flow is depends on who can send that event: :func:`exposure` ranks a
function's triggers so that a public HTTP route weighs more than an internal queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fnguard.model import HTTP_TRIGGER_TYPES, Trigger

HANDLER_EVENT_NAMES = frozenset({"event", "evt", "_event", "e", "ev", "raw_event", "lambda_event", "request"})
HANDLER_CONTEXT_NAMES = frozenset({"context", "ctx", "_context", "lambda_context", "_ctx", "_"})

TRUSTED_EVENT_KEYS = frozenset({
    # CloudFormation custom resources: answering ResponseURL is the sanctioned protocol.
    "ResponseURL", "StackId", "RequestId", "LogicalResourceId", "PhysicalResourceId",
    "ServiceToken", "RequestType", "ResourceType",
    # S3 Object Lambda: the presigned URL and route of the original object come from S3
    "inputS3Url", "outputRoute", "outputToken",
    # record metadata set by the event source
    "eventSourceARN", "eventSource", "awsRegion", "receiptHandle", "md5OfBody",
})
"""Keys whose values the platform sets, not the caller."""

TRUSTED_PATHS = (("s3", "bucket"), ("s3", "configurationId"))
"""(parent key, key) pairs the platform sets: the bucket of an S3 notification is ours."""

STRING_CONTAINERS = frozenset({
    "queryStringParameters", "pathParameters", "headers", "stageVariables",
    "multiValueHeaders", "query_params", "uri_params", "args", "form", "values", "cookies",
    "view_args", "path_parameters", "query_string_parameters",
})
"""Containers whose members are strings: a value taken from them cannot carry a query operator."""

STRING_FIELDS = frozenset({"body", "raw_body", "rawQueryString", "rawPath", "path", "key", "subject",
                           "message", "data", "Message", "Subject", "raw_path"})
"""Fields that are strings even though the event is a free-form object."""


@dataclass(frozen=True)
class FrameworkObject:
    """A module-level object of a framework whose attributes are the request."""

    qualified: str
    framework: str


FRAMEWORK_OBJECTS = (
    FrameworkObject("flask.request", "flask"),
    FrameworkObject("quart.request", "quart"),
    FrameworkObject("bottle.request", "bottle"),
)

FRAMEWORK_ATTRIBUTES = {
    "current_request": "chalice",  # app.current_request (Chalice)
    "current_event": "powertools",  # app.current_event (Powertools event handler resolvers)
}
"""Attributes of any object that hold the current request."""


@dataclass(frozen=True)
class EntryDecorator:
    """A decorator that makes the function an entry point, and which parameters it fills."""

    method: str
    trigger: str
    params: str
    """``all``: every parameter is attacker data (route URL parameters); ``first``: the event."""
    frameworks: tuple[str, ...] = ()


ENTRY_DECORATORS = {row.method: row for row in (
    EntryDecorator("route", "http", "all", ("chalice", "flask", "powertools")),
    EntryDecorator("get", "http", "all", ("fastapi", "powertools", "flask")),
    EntryDecorator("post", "http", "all", ("fastapi", "powertools", "flask")),
    EntryDecorator("put", "http", "all", ("fastapi", "powertools", "flask")),
    EntryDecorator("patch", "http", "all", ("fastapi", "powertools", "flask")),
    EntryDecorator("delete", "http", "all", ("fastapi", "powertools", "flask")),
    EntryDecorator("on_sns_message", "sns", "first", ("chalice",)),
    EntryDecorator("on_s3_event", "s3", "first", ("chalice",)),
    EntryDecorator("on_sqs_message", "sqs", "first", ("chalice",)),
    EntryDecorator("on_kinesis_record", "kinesis", "first", ("chalice",)),
    EntryDecorator("on_dynamodb_record", "dynamodb", "first", ("chalice",)),
    EntryDecorator("on_cw_event", "eventBridge", "first", ("chalice",)),
    EntryDecorator("on_ws_message", "websocket", "first", ("chalice",)),
    EntryDecorator("lambda_function", "invoke", "first", ("chalice",)),
)}

# Exposure: who can put data in the event. Higher is worse.
EXPOSURE_RANK = {"public": 3, "authenticated": 2, "internal": 1, "scheduled": 0}

_INTERNAL_TRIGGERS = frozenset({"sqs", "sns", "s3", "kinesis", "dynamodb", "eventBridge", "cognito",
                                "iot", "kafka", "mq", "cloudwatchLog", "alexa", "invoke", "other"})


def trigger_exposure(trigger: Trigger) -> str:
    """One trigger's exposure: public when the loader says anyone can reach it."""
    if trigger.public:
        return "public"
    if trigger.type in HTTP_TRIGGER_TYPES:
        return "authenticated"
    if trigger.type == "schedule":
        return "scheduled"
    return "internal" if trigger.type in _INTERNAL_TRIGGERS else "internal"


def exposure(triggers: Iterable[Trigger]) -> str:
    """The worst exposure of a function's triggers; ``internal`` when it has none we know of
    (it can still be invoked directly by whoever holds lambda:InvokeFunction)."""
    ranked = [trigger_exposure(t) for t in triggers]
    if not ranked:
        return "internal"
    return max(ranked, key=lambda name: EXPOSURE_RANK[name])


def describe_triggers(triggers: Iterable[Trigger]) -> str:
    """``http(public), sqs`` for messages."""
    parts = [f"{t.type}(public)" if t.public else t.type for t in triggers]
    return ", ".join(dict.fromkeys(parts)) or "direct invocation"
