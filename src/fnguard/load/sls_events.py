"""Serverless Framework ``events:`` entries → :class:`fnguard.model.Trigger`.

One small reader per event type, all in the table :data:`EVENT_READERS`, so adding an event type
is adding one function and one row. The conventions match the CloudFormation loader so the same
app written as SAM and as serverless.yml has the same inventory: HTTP routes are public with auth
``none`` unless an authorizer or IAM protects them; an API key alone (``private: true``) sets
``api_key_required`` and auth ``api_key`` but leaves the route public.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fnguard.load.sls_variables import origin_of
from fnguard.load.yamlsource import line_of
from fnguard.model import Location, Resource, Trigger

try:  # the CloudFormation loader's reading of endpoint types and resource policies
    from fnguard.load.apigateway import rest_endpoint as _cfn_rest_endpoint
except ImportError:  # pragma: no cover - older layout
    try:
        from fnguard.load.cloudformation import rest_endpoint as _cfn_rest_endpoint
    except ImportError:
        _cfn_rest_endpoint = None  # type: ignore[assignment]

REST_API_ID = "ApiGatewayRestApi"
HTTP_API_ID = "HttpApi"
WEBSOCKET_API_ID = "WebsocketsApi"
DEFAULT_BATCH_SIZE = {"sqs": 10, "kinesis": 100, "dynamodb": 100, "kafka": 100, "mq": 100}
"""What Lambda uses when the event sets no ``batchSize`` (the CloudFormation loader's values)."""


@dataclass
class EventContext:
    """What an event reader needs from the rest of the app."""

    file: str
    function: str
    provider: Mapping[str, Any]
    resources: Mapping[str, Any] = field(default_factory=dict)
    """Raw ``resources.Resources`` (to type ``Fn::GetAtt`` stream ARNs and authorizer ids)."""
    function_names: frozenset[str] = frozenset()
    websocket_connect_auth: str | None = None
    warnings: list[str] = field(default_factory=list)

    def warn(self, line: int | None, message: str) -> None:
        where = f"{self.file}:{line}" if line else self.file
        self.warnings.append(f"{where}: function {self.function}: {message}")


Reader = Callable[[Any, EventContext, Location], Trigger | None]


def read_events(events: Any, context: EventContext) -> list[Trigger]:
    """Every trigger of one function; unknown or malformed events become warnings."""
    if events is None:
        return []
    if not isinstance(events, list):
        context.warn(line_of(events), "events: is not a list; ignored")
        return []
    triggers: list[Trigger] = []
    for entry in events:
        line = line_of(entry) or line_of(events)  # a bare ``- alexaSkill`` has no line of its own
        if isinstance(entry, str):
            name, body = entry, None  # ``- alexaSkill`` with no settings
        elif isinstance(entry, Mapping) and len(entry) == 1:
            name, body = next(iter(entry.items()))
            line = line_of(entry, name) or line
        else:
            context.warn(line, f"event {_short(entry)} is not a single-key mapping; ignored")
            continue
        location = Location(origin_of(entry) or origin_of(events) or context.file, line)
        reader = EVENT_READERS.get(str(name))
        if reader is None:
            context.warn(line, f"unknown event type '{name}'; recorded as an 'other' trigger")
            triggers.append(Trigger(type="other", config={"event": str(name), "settings": body}, location=location))
            continue
        if body is not None and not isinstance(body, (str, Mapping)):
            context.warn(line, f"{name} event settings {_short(body)} are neither a mapping nor a string; ignored")
            continue
        try:
            trigger = reader(body, context, location)
        except (TypeError, ValueError, AttributeError) as exc:
            context.warn(line, f"cannot read {name} event ({exc}); ignored")
            continue
        if trigger is not None:
            triggers.append(trigger)
    return triggers


# -- HTTP ------------------------------------------------------------------------------------


def _http(body: Any, context: EventContext, location: Location) -> Trigger:
    """API Gateway REST (``http``): authorizer, ``private`` API keys, cors, request validation."""
    if isinstance(body, str):
        method, _, path = body.strip().partition(" ")
        body = {"method": method, "path": path}
    settings = mapping(body)
    auth, authorizer = _rest_authorizer(settings.get("authorizer"), context)
    private = settings.get("private") is True
    if auth == "none" and private:
        auth = "api_key"
    config: dict[str, Any] = {}
    if authorizer:
        config["authorizer"] = authorizer
    if settings.get("cors"):
        config["cors"] = settings["cors"]
    request = settings.get("request")
    if isinstance(request, Mapping) and (request.get("schemas") or request.get("schema") or request.get("parameters")):
        config["request_validation"] = {k: request[k] for k in ("schemas", "schema", "parameters") if k in request}
    if settings.get("integration"):
        config["integration"] = settings["integration"]
    usage_plan = _usage_plan(context.provider)
    throttle = usage_plan.get("throttle")
    throttling = {**throttle, "usage_plan": True} if throttle else None
    if usage_plan:
        config["usage_plan"] = usage_plan
    gateway = mapping(context.provider.get("apiGateway"))
    api_id = source_text(gateway.get("restApiId")) or REST_API_ID
    reachable, endpoint = _rest_endpoint(api_id, context.provider)
    config.update(endpoint)
    config["access_logs"] = _access_logs(context.provider, "restApi")
    if private and gateway.get("apiKeys"):
        config["api_keys"] = gateway["apiKeys"]
    return Trigger(
        type="http",
        source=api_id,
        public=reachable and auth in ("none", "api_key"),
        auth=auth,
        api_key_required=private,
        path=_path(settings.get("path")),
        method=_method(settings.get("method")),
        throttling=throttling,
        config=config,
        location=location,
    )


def _rest_authorizer(value: Any, context: EventContext) -> tuple[str, Any]:
    """The auth kind of an ``http`` authorizer: a function name, an ARN, aws_iam, Cognito..."""
    if value is None or value is False:
        return "none", None
    if isinstance(value, str):
        return _authorizer_kind_from_string(value), value
    if not isinstance(value, Mapping):
        return "unknown", value
    kind = str(value.get("type", "")).lower()
    arn = value.get("arn")
    if kind == "aws_iam":
        return "iam", value
    if kind == "cognito_user_pools" or (isinstance(arn, str) and ":cognito-idp:" in arn):
        return "cognito", value
    if kind in ("token", "request") or value.get("name") in context.function_names or arn:
        return "lambda", value
    authorizer_id = value.get("authorizerId")
    if authorizer_id is not None:
        return _authorizer_from_resource(authorizer_id, context), value
    if value.get("name"):
        return "lambda", value
    return "unknown", value


def _authorizer_kind_from_string(value: str) -> str:
    if value.lower() == "aws_iam":
        return "iam"
    if ":cognito-idp:" in value:
        return "cognito"
    return "lambda"  # a function of this service or a Lambda ARN


def _authorizer_from_resource(reference: Any, context: EventContext) -> str:
    """``authorizerId: {Ref: X}`` names an AWS::ApiGateway::Authorizer in ``resources:``."""
    logical_id = reference.get("Ref") if isinstance(reference, Mapping) else None
    resource = context.resources.get(logical_id) if isinstance(logical_id, str) else None
    properties = resource.get("Properties", {}) if isinstance(resource, Mapping) else {}
    kind = str(properties.get("Type", "")).upper() if isinstance(properties, Mapping) else ""
    if kind == "COGNITO_USER_POOLS":
        return "cognito"
    if kind in ("TOKEN", "REQUEST"):
        return "lambda"
    return "unknown"


def _rest_endpoint(api_id: str, provider: Mapping[str, Any]) -> tuple[bool, dict[str, Any]]:
    """(reachable from the internet, config) of the REST API, by the CloudFormation loader's rule.

    ``endpointType: PRIVATE`` or a ``resourcePolicy`` that narrows who may call makes the API
    unreachable from the internet at large.
    """
    gateway = mapping(provider.get("apiGateway"))
    endpoint = str(provider.get("endpointType") or gateway.get("endpointType") or "EDGE").upper()
    policy = gateway.get("resourcePolicy") or provider.get("resourcePolicy")
    properties: dict[str, Any] = {"EndpointConfiguration": {"Types": [endpoint]}}
    if policy:
        properties["Policy"] = {"Version": "2012-10-17", "Statement": policy}
    if _cfn_rest_endpoint is not None:
        return _cfn_rest_endpoint(Resource(api_id, "AWS::ApiGateway::RestApi", properties))
    config: dict[str, Any] = {"api": api_id, "endpoint": [endpoint]}
    if policy:
        config["resource_policy"] = properties["Policy"]
    return endpoint != "PRIVATE", config


def _access_logs(provider: Mapping[str, Any], api: str) -> bool:
    """``provider.logs.<restApi|httpApi|websocket>``: true or a settings mapping turns them on."""
    logs = provider.get("logs")
    value = logs.get(api) if isinstance(logs, Mapping) else None
    return bool(value) and value is not False


def _usage_plan(provider: Mapping[str, Any]) -> dict[str, Any]:
    """``provider.apiGateway.usagePlan`` (one plan or a list of named plans) → the loosest limits.

    A usage plan only throttles requests that carry an API key; like the CloudFormation loader,
    the throttle goes on every route of the API marked ``usage_plan: True`` so cost analyses can
    tell it from a stage limit.
    """
    gateway = provider.get("apiGateway")
    plan = gateway.get("usagePlan") if isinstance(gateway, Mapping) else None
    if plan is None:
        plan = provider.get("usagePlan")  # v1/v2 location
    plans: list[Mapping[str, Any]] = []
    if isinstance(plan, Mapping):
        plans.append(plan)
    elif isinstance(plan, list):
        for item in plan:
            if isinstance(item, Mapping):
                plans.extend(v for v in item.values() if isinstance(v, Mapping))
    result: dict[str, Any] = {}
    for item in plans:
        throttle = item.get("throttle")
        if isinstance(throttle, Mapping):
            rate, burst = throttle.get("rateLimit"), throttle.get("burstLimit")
            current = result.get("throttle", {})
            result["throttle"] = {
                "rate": _max(current.get("rate"), rate),
                "burst": _max(current.get("burst"), burst),
            }
        quota = item.get("quota")
        if isinstance(quota, Mapping):
            result.setdefault("quota", []).append(dict(quota))
    return result


def _http_api(body: Any, context: EventContext, location: Location) -> Trigger:
    """API Gateway HTTP API (``httpApi``): ``'*'``, ``'GET /x'`` or path/method + authorizer."""
    if isinstance(body, str):
        text = body.strip()
        if text == "*":
            body = {"method": "*", "path": "*"}
        else:
            method, _, path = text.partition(" ")
            body = {"method": method, "path": path}
    settings = mapping(body)
    auth, authorizer = _http_api_authorizer(settings.get("authorizer"), context)
    config: dict[str, Any] = {}
    if authorizer:
        config["authorizer"] = authorizer
    http_api = mapping(context.provider.get("httpApi"))
    if http_api.get("cors"):
        config["cors"] = http_api["cors"]
    config["access_logs"] = _access_logs(context.provider, "httpApi")
    return Trigger(
        type="httpApi",
        source=source_text(http_api.get("id")) or HTTP_API_ID,
        public=auth == "none",
        auth=auth,
        path=_path(settings.get("path"), keep_star=True),
        method=_method(settings.get("method")),
        config=config,
        location=location,
    )


def _http_api_authorizer(value: Any, context: EventContext) -> tuple[str, Any]:
    """Resolve an ``httpApi`` authorizer against ``provider.httpApi.authorizers``."""
    if value is None or value is False:
        return "none", None
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, Mapping):
        return "unknown", value
    kind = str(value.get("type", "")).lower()
    if kind == "aws_iam":
        return "iam", value
    if kind in ("jwt", "request"):
        return ("jwt" if kind == "jwt" else "lambda"), value
    name = value.get("name")
    http_api = context.provider.get("httpApi")
    declared = http_api.get("authorizers") if isinstance(http_api, Mapping) else None
    if isinstance(name, str) and isinstance(declared, Mapping) and isinstance(declared.get(name), Mapping):
        spec = declared[name]
        declared_type = str(spec.get("type", "jwt")).lower()
        return ("lambda" if declared_type == "request" else "jwt"), {"name": name, **dict(spec)}
    if value.get("id") is not None:
        return "unknown", value
    return "unknown", value


def _websocket(body: Any, context: EventContext, location: Location) -> Trigger:
    """WebSocket routes; an authorizer only exists on ``$connect`` and covers the connection."""
    settings = {"route": body} if isinstance(body, str) else mapping(body)
    route = str(settings.get("route", ""))
    authorizer = settings.get("authorizer")
    if route == "$connect" and authorizer:
        auth = "iam" if str(authorizer).lower() == "aws_iam" else "lambda"
    else:
        auth = context.websocket_connect_auth or "none"
    config: dict[str, Any] = {"authorizer": authorizer} if authorizer else {}
    config["access_logs"] = _access_logs(context.provider, "websocket")
    return Trigger(
        type="websocket", source=WEBSOCKET_API_ID, public=auth == "none", auth=auth, path=route,
        config=config, location=location,
    )


def _alb(body: Any, context: EventContext, location: Location) -> Trigger:
    """ALB target: internet-facing unless an ALB authorizer (Cognito/OIDC) guards it."""
    settings = mapping(body)
    auth = "none"
    authorizer = settings.get("authorizer")
    if authorizer:
        names = authorizer if isinstance(authorizer, list) else [authorizer]
        declared = mapping(mapping(context.provider.get("alb")).get("authorizers"))
        kinds = {str(mapping(declared.get(n)).get("type", "")).lower() for n in names if isinstance(n, str)}
        auth = "cognito" if "cognito" in kinds else "jwt" if "oidc" in kinds else "unknown"
    conditions = mapping(settings.get("conditions"))
    path = conditions.get("path")
    method = conditions.get("method")
    return Trigger(
        type="alb", source=source_text(settings.get("listenerArn")), public=auth == "none", auth=auth,
        path=source_text(path[0] if isinstance(path, list) and path else path),
        method=_method(method[0] if isinstance(method, list) and method else method),
        config={"conditions": dict(conditions), "priority": settings.get("priority"), **(
            {"authorizer": authorizer} if authorizer else {})},
        location=location,
    )


# -- storage and messaging ----------------------------------------------------------------


def _s3(body: Any, context: EventContext, location: Location) -> Trigger:
    settings = {"bucket": body} if not isinstance(body, Mapping) else body
    config: dict[str, Any] = {"event": settings.get("event", "s3:ObjectCreated:*")}
    rules = settings.get("rules")
    if isinstance(rules, list):
        config["rules"] = [dict(rule) for rule in rules if isinstance(rule, Mapping)]
    if settings.get("existing"):
        config["existing"] = True
    return Trigger(type="s3", source=source_text(settings.get("bucket")), config=config, location=location)


def _sqs(body: Any, context: EventContext, location: Location) -> Trigger:
    settings = {"arn": body} if not isinstance(body, Mapping) else body
    batch = _batch(settings, {
        "batchSize": "batch_size",
        "maximumBatchingWindow": "maximum_batching_window",
        "functionResponseType": "function_response_types",
        "maximumConcurrency": "maximum_concurrency",
    })
    batch.setdefault("batch_size", DEFAULT_BATCH_SIZE["sqs"])
    config: dict[str, Any] = {"arn": settings.get("arn")}
    if settings.get("filterPatterns"):
        config["filter_patterns"] = settings["filterPatterns"]
    if settings.get("enabled") is False:
        config["enabled"] = False
    return Trigger(type="sqs", source=source_text(settings.get("arn")), batch=batch, config=config, location=location)


def _sns(body: Any, context: EventContext, location: Location) -> Trigger:
    if isinstance(body, Mapping):
        source = body.get("arn") or body.get("topicName")
        config = {k: body[k] for k in ("filterPolicy", "filterPolicyScope", "redrivePolicy") if k in body}
    else:
        source, config = body, {}
    return Trigger(type="sns", source=source_text(source), config=config, location=location)


def _stream(body: Any, context: EventContext, location: Location) -> Trigger:
    """DynamoDB or Kinesis stream: the type comes from ``type:``, the ARN, or the resource."""
    settings = {"arn": body} if not isinstance(body, Mapping) else body
    arn = settings.get("arn")
    kind = str(settings.get("type", "")).lower() or _stream_kind(arn, context)
    batch = _batch(settings, {
        "batchSize": "batch_size",
        "startingPosition": "starting_position",
        "maximumRetryAttempts": "maximum_retry_attempts",
        "bisectBatchOnFunctionError": "bisect_batch_on_function_error",
        "parallelizationFactor": "parallelization_factor",
        "maximumRecordAgeInSeconds": "maximum_record_age",
        "maximumBatchingWindow": "maximum_batching_window",
        "tumblingWindowInSeconds": "tumbling_window",
        "functionResponseType": "function_response_types",
    })
    destinations = settings.get("destinations")
    if isinstance(destinations, Mapping) and destinations.get("onFailure") is not None:
        on_failure = destinations["onFailure"]
        batch["on_failure"] = on_failure.get("arn") if isinstance(on_failure, Mapping) else on_failure
    config: dict[str, Any] = {"arn": arn}
    if settings.get("filterPatterns"):
        config["filter_patterns"] = settings["filterPatterns"]
    if kind not in ("dynamodb", "kinesis"):
        context.warn(location.line, "stream event of unknown type (neither DynamoDB nor Kinesis); assumed kinesis")
        kind = "kinesis"
    batch.setdefault("batch_size", DEFAULT_BATCH_SIZE[kind])
    return Trigger(type=kind, source=source_text(arn), batch=batch, config=config, location=location)


def _stream_kind(arn: Any, context: EventContext) -> str:
    text = source_text(arn) or ""
    if ":dynamodb:" in text:
        return "dynamodb"
    if ":kinesis:" in text:
        return "kinesis"
    logical_id = None
    if isinstance(arn, Mapping):
        get_att = arn.get("Fn::GetAtt")
        if isinstance(get_att, list) and get_att:
            logical_id = get_att[0]
        elif isinstance(get_att, str):
            logical_id = get_att.split(".", 1)[0]
    resource = context.resources.get(logical_id) if isinstance(logical_id, str) else None
    resource_type = str(resource.get("Type", "")) if isinstance(resource, Mapping) else ""
    if resource_type.startswith("AWS::DynamoDB::"):
        return "dynamodb"
    if resource_type.startswith("AWS::Kinesis::"):
        return "kinesis"
    return ""


def _kafka(body: Any, context: EventContext, location: Location) -> Trigger:
    settings = mapping(body)
    source = settings.get("arn") or settings.get("bootstrapServers")
    if isinstance(source, list):
        source = ",".join(str(server) for server in source)
    batch = _batch(settings, {"batchSize": "batch_size", "startingPosition": "starting_position",
                              "maximumBatchingWindow": "maximum_batching_window"})
    batch.setdefault("batch_size", DEFAULT_BATCH_SIZE["kafka"])
    config = {"topic": settings.get("topic")}
    return Trigger(type="kafka", source=source_text(source), batch=batch, config=config, location=location)


def _mq(body: Any, context: EventContext, location: Location) -> Trigger:
    settings = mapping(body)
    batch = _batch(settings, {"batchSize": "batch_size", "maximumBatchingWindow": "maximum_batching_window"})
    batch.setdefault("batch_size", DEFAULT_BATCH_SIZE["mq"])
    config = {"queue": settings.get("queue")}
    return Trigger(type="mq", source=source_text(settings.get("arn")), batch=batch, config=config, location=location)


# -- schedules, buses and the rest ----------------------------------------------------------


def _schedule(body: Any, context: EventContext, location: Location) -> Trigger:
    settings = {"rate": body} if not isinstance(body, Mapping) else body
    rate = settings.get("rate")
    rates = rate if isinstance(rate, list) else [rate]
    config: dict[str, Any] = {"rate": [source_text(r) for r in rates]}
    if settings.get("enabled") is False:
        config["enabled"] = False
    return Trigger(type="schedule", source=source_text(rates[0]) if rates else None, config=config, location=location)


def _event_bridge(body: Any, context: EventContext, location: Location) -> Trigger:
    settings = mapping(body)
    if settings.get("schedule") and not settings.get("pattern"):
        return Trigger(type="schedule", source=source_text(settings["schedule"]),
                       config={"rate": [source_text(settings["schedule"])]}, location=location)
    config = {k: settings[k] for k in ("pattern", "eventBus") if k in settings}
    return Trigger(type="eventBridge", source=source_text(settings.get("eventBus", "default")), config=config,
                   location=location)


def _cloudwatch_event(body: Any, context: EventContext, location: Location) -> Trigger:
    settings = mapping(body)
    return Trigger(type="eventBridge", source="default", config={"pattern": settings.get("event")},
                   location=location)


def _cognito(body: Any, context: EventContext, location: Location) -> Trigger:
    settings = mapping(body)
    return Trigger(type="cognito", source=source_text(settings.get("pool")),
                   config={"trigger": settings.get("trigger"), "existing": bool(settings.get("existing"))},
                   location=location)


def _iot(body: Any, context: EventContext, location: Location) -> Trigger:
    settings = mapping(body)
    return Trigger(type="iot", source=source_text(settings.get("name")), config={"sql": settings.get("sql")},
                   location=location)


def _cloudwatch_log(body: Any, context: EventContext, location: Location) -> Trigger:
    settings = {"logGroup": body} if not isinstance(body, Mapping) else body
    return Trigger(type="cloudwatchLog", source=source_text(settings.get("logGroup")),
                   config={"filter": settings.get("filter")}, location=location)


def _alexa(body: Any, context: EventContext, location: Location) -> Trigger:
    """Alexa skills: without an ``appId`` any skill may invoke the function."""
    settings = {"appId": body} if not isinstance(body, Mapping) else body
    app_id = settings.get("appId")
    return Trigger(type="alexa", source=source_text(app_id), public=not app_id, config={"app_id": app_id},
                   location=location)


def _other(kind: str) -> Reader:
    def read(body: Any, context: EventContext, location: Location) -> Trigger:
        return Trigger(type="other", config={"event": kind, "settings": body}, location=location)

    read.__doc__ = f"``{kind}`` events: recorded, not modelled."
    return read


EVENT_READERS: dict[str, Reader] = {
    "http": _http,
    "httpApi": _http_api,
    "websocket": _websocket,
    "alb": _alb,
    "s3": _s3,
    "sqs": _sqs,
    "sns": _sns,
    "stream": _stream,
    "msk": _kafka,
    "kafka": _kafka,
    "activemq": _mq,
    "rabbitmq": _mq,
    "schedule": _schedule,
    "eventBridge": _event_bridge,
    "cloudwatchEvent": _cloudwatch_event,
    "cognitoUserPool": _cognito,
    "iot": _iot,
    "iotFleetProvisioning": _other("iotFleetProvisioning"),
    "cloudwatchLog": _cloudwatch_log,
    "alexaSkill": _alexa,
    "alexaSmartHome": _alexa,
    "cloudFront": _other("cloudFront"),
}


# -- small helpers ---------------------------------------------------------------------------


def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a mapping, else an empty one: malformed settings read as absent."""
    return value if isinstance(value, Mapping) else {}


def source_text(value: Any) -> str | None:
    """A trigger source as text: a name or ARN as written, a logical id for ``Ref``/``Fn::GetAtt``."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and len(value) == 1:
        key, inner = next(iter(value.items()))
        if key == "Ref":
            return str(inner)
        if key == "Fn::GetAtt":
            return str(inner[0]) if isinstance(inner, list) and inner else str(inner).split(".", 1)[0]
        if key == "Fn::ImportValue":
            return f"import:{source_text(inner)}"
    return str(value)


def _path(value: Any, keep_star: bool = False) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if keep_star and text == "*":
        return "*"
    return "/" + text.lstrip("/")


def _method(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return "ANY" if text in ("*", "any", "ANY") else text.upper()


def _batch(settings: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    batch: dict[str, Any] = {}
    for key, name in names.items():
        if key in settings:
            value = settings[key]
            if name == "function_response_types":
                value = [value] if isinstance(value, str) else list(value) if isinstance(value, list) else []
            batch[name] = value
    return batch


def _max(current: Any, new: Any) -> Any:
    if current is None:
        return new
    if new is None:
        return current
    try:
        return max(current, new)
    except TypeError:
        return current


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."
