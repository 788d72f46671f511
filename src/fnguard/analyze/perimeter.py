"""Perimeter rules (FG1xx): who can reach each function, and through which door.

Every function is its own perimeter, and most doors are not HTTP: a bucket anyone can write to
is as much an entry point as an API route. These rules read the triggers the loaders found and
the resource policies written beside them (bucket, topic and queue policies, Lambda permissions),
the same way in serverless.yml (whose ``resources:`` are CloudFormation) and SAM templates.

Severity policy for unauthenticated HTTP routes (FG101): a route that changes state (POST, PUT,
PATCH, DELETE, ANY) is high; a read-only route (GET, HEAD) is medium when its function can only
read, because public read-only endpoints are often intended (a landing page, a health check) while
anonymous writes rarely are — but a GET whose function holds write permissions is high, since the
method says nothing about what the code does (Serverless-Goat's ``GET /api/convert`` writes to S3).
OPTIONS (CORS preflight) is never reported. Intentionally public routes are silenced per route in
fnguard.yml ``ignore:`` with a reason, never by lowering the rule.
"""

from __future__ import annotations

import ast
import fnmatch
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fnguard.analyze.context import ScanContext
from fnguard.analyze.registry import check, define, finding
from fnguard.model import App, Finding, Function, Location, Resource, Trigger

define("FG101", "high", "Public HTTP entry point (REST, HTTP API, WebSocket, ALB) with no authorizer",
       "Attach an authorizer (Cognito, JWT, Lambda or IAM) to the route.")
define("FG102", "medium", "Public HTTP route protected by an API key only (an API key is not authentication)",
       "Keep the usage plan, but also attach an authorizer: API keys identify callers, they do not authenticate them.")
define("FG103", "high", "Lambda function URL with AuthType NONE",
       "Set the function URL's AuthType to AWS_IAM, or put the function behind API Gateway with an authorizer.")
define("FG104", "high", "Resource-based policy lets anyone (or any account) invoke the function without a source condition",
       "Give the permission a SourceArn (and SourceAccount) or name a specific principal.")
define("FG105", "high", "Function triggered by a bucket, topic, queue or stream that anyone (or another account) can write to",
       "Restrict the resource policy's Principal to your account or add an aws:SourceArn / aws:SourceAccount "
       "condition; put an authorizer on API routes that write into it.")
define("FG106", "medium", "CORS allows any origin together with credentials",
       "List the allowed origins explicitly when credentials are allowed, or stop allowing credentials.")
define("FG107", "low", "Public REST route without request validation",
       "Declare a request schema (serverless: request.schemas; SAM: RequestModel with ValidateBody: true).")

HTTP_ROUTE_TYPES = frozenset({"http", "httpApi", "websocket", "alb"})
READ_ONLY_METHODS = frozenset({"GET", "HEAD"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "ANY", "*"})
# The account the loaders give to ``AWS::AccountId`` / ``${aws:accountId}``: "ours".
OWN_ACCOUNT_MARKERS = ("123456789012", "${aws:accountId}", "${AWS::AccountId}", "AWS::AccountId")
# Condition keys that tie a grant to one source or one organisation.
SOURCE_CONDITION_KEYS = frozenset(k.lower() for k in (
    "aws:SourceArn", "aws:SourceAccount", "aws:SourceOwner", "aws:PrincipalOrgID", "aws:PrincipalAccount",
    "aws:PrincipalArn", "aws:SourceVpc", "aws:SourceVpce", "aws:SourceIp", "aws:PrincipalOrgPaths",
))


# --------------------------------------------------------------------------------------------
# Shared helpers: references, principals, statements. Wallet rules use them too.
# --------------------------------------------------------------------------------------------

def ref_target(value: Any) -> str | None:
    """The logical id a value points at (``Ref``, ``Fn::GetAtt``, ``Fn::Sub "${X.Arn}"``), else None."""
    if isinstance(value, Mapping):
        if "Ref" in value and isinstance(value["Ref"], str):
            return value["Ref"]
        attr = value.get("Fn::GetAtt")
        if isinstance(attr, list) and attr and isinstance(attr[0], str):
            return attr[0]
        if isinstance(attr, str):
            return attr.split(".", 1)[0]
        sub = value.get("Fn::Sub")
        text = sub[0] if isinstance(sub, list) and sub else sub
        if isinstance(text, str):
            match = re.search(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z]+)?\}", text.replace("${AWS::", "${_"))
            if match and not match.group(1).startswith("_"):
                return match.group(1)
        join = value.get("Fn::Join")
        if isinstance(join, list) and len(join) == 2 and isinstance(join[1], list):
            for part in join[1]:
                target = ref_target(part)
                if target:
                    return target
    return None


def serverless_logical_id(name: str) -> str:
    """The logical id the Serverless Framework gives a function (``hello-world`` → ``HelloDashworldLambdaFunction``)."""
    normal = name.replace("-", "Dash").replace("_", "Underscore")
    return normal[:1].upper() + normal[1:] + "LambdaFunction"


def resource_names(resource: Resource) -> set[str]:
    """Names that can point at a resource: its logical id and any physical name it declares."""
    names = {resource.logical_id}
    for key in ("BucketName", "TopicName", "QueueName", "TableName", "FunctionName", "StreamName", "Name"):
        value = resource.properties.get(key)
        if isinstance(value, str):
            names.add(value)
    return names


def points_at(value: Any, resource: Resource) -> bool:
    """True when a reference, name, URL or ARN designates ``resource``."""
    target = ref_target(value)
    if target is not None:
        return target == resource.logical_id
    if not isinstance(value, str):
        return False
    names = resource_names(resource)
    if value in names:
        return True
    tail = re.split(r"[:/]", value.rstrip("/*"))[-1] if value else ""
    return bool(tail) and tail in names


def function_for(app: App, value: Any) -> Function | None:
    """The function a ``FunctionName`` / ``TargetFunctionArn`` value designates."""
    target = ref_target(value)
    candidates: list[str] = []
    if target:
        candidates.append(target)
    elif isinstance(value, str):
        candidates += [value, re.split(r"[:/]", value)[-1]]
        if ":function:" in value:
            candidates.append(value.split(":function:", 1)[1].split(":", 1)[0])
    for function in app.functions:
        declared = function.properties.get("FunctionName") if function.properties else None
        names = {function.name, serverless_logical_id(function.name)}
        if isinstance(declared, str):
            names.add(declared)
        if any(candidate in names for candidate in candidates):
            return function
    return None


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def principal_scope(principal: Any) -> str:
    """``public`` (anyone), ``cross-account`` (a literal other account), ``service`` or ``own``."""
    scopes: list[str] = []
    if isinstance(principal, Mapping):
        values = [v for key, raw in principal.items() if key in ("AWS", "CanonicalUser", "Federated", "Service")
                  for v in as_list(raw)]
        if "Service" in principal and len(principal) == 1:
            return "service"
    else:
        values = as_list(principal)
    for value in values:
        if value == "*":
            scopes.append("public")
        elif isinstance(value, str):
            if value.endswith(".amazonaws.com") or value.endswith(".amazonaws.com.cn"):
                scopes.append("service")
            elif any(marker in value for marker in OWN_ACCOUNT_MARKERS):
                scopes.append("own")
            elif re.fullmatch(r"\d{12}", value) or re.match(r"arn:aws[a-z-]*:iam::\d{12}:", value):
                scopes.append("cross-account")
            else:
                scopes.append("own")
        else:
            scopes.append("own")  # an intrinsic: a role or account of this stack
    for scope in ("public", "cross-account", "service"):
        if scope in scopes:
            return scope
    return "own"


def foreign_account(arn: Any) -> str | None:
    """The account of an ARN when it is written literally and is not this stack's own."""
    if not isinstance(arn, str):
        return None
    match = re.match(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):", arn)
    if match is None or any(marker in match.group(1) for marker in OWN_ACCOUNT_MARKERS):
        return None
    return match.group(1)


def has_source_condition(condition: Any) -> bool:
    """True when a policy Condition ties the grant to a source, an account or an organisation."""
    if not isinstance(condition, Mapping):
        return False
    for operator_block in condition.values():
        if isinstance(operator_block, Mapping) and any(str(key).lower() in SOURCE_CONDITION_KEYS for key in operator_block):
            return True
    return False


def action_matches(granted: Iterable[Any], wanted: Iterable[str]) -> list[str]:
    """The wanted actions that any granted action pattern (``s3:Put*``, ``*``) covers."""
    patterns = [str(a).lower() for a in granted if isinstance(a, str)]
    return [w for w in wanted if any(fnmatch.fnmatchcase(w.lower(), p) for p in patterns)]


def statements_of(document: Any) -> list[Mapping[str, Any]]:
    """The statements of a policy document, whatever shape the template wrote."""
    if not isinstance(document, Mapping):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, Mapping)]


def line_in(node: Any, key: str | None = None) -> int | None:
    """The line the loader kept on a raw mapping (LineDict), if any."""
    from fnguard.load.yamlsource import line_of

    return line_of(node, key)


def located(resource: Resource, node: Any = None, key: str | None = None) -> Location:
    """Location of ``node`` inside ``resource``, falling back to the resource's own line."""
    line = line_in(node, key) if node is not None else None
    return Location(resource.location.file, line or resource.location.line)


def raw_document(app: App, context: ScanContext) -> Mapping[str, Any]:
    """The template as written, with lines: SAM expansion and merging lose the lines of inner keys."""
    key = f"raw:{app.source}"
    if key not in context.cache:
        try:
            from fnguard.load.yamlsource import load_document

            document = load_document(Path(app.source))
        except Exception:  # noqa: BLE001 - an unreadable template already produced a loader error
            document = {}
        context.cache[key] = document if isinstance(document, Mapping) else {}
    return context.cache[key]


def raw_line(app: App, context: ScanContext, *paths: tuple[str, ...]) -> int | None:
    """Line of the first key path that exists in the raw template (``("provider", "runtime")``)."""
    document = raw_document(app, context)
    for path in paths:
        node: Any = document
        line = None
        for key in path:
            if not isinstance(node, Mapping) or key not in node:
                line = None
                break
            line = line_in(node, key)
            node = node[key]
        if line is not None:
            return line
    return None


def function_key_line(app: App, context: ScanContext, function: Function, *inner: str,
                      provider_key: tuple[str, ...] | None = None) -> int | None:
    """Where a function property is written: on the function, else under provider / Globals."""
    if app.format == "serverless":
        own = tuple(k[:1].lower() + k[1:] for k in inner)
        return raw_line(app, context, ("functions", function.name, *own), ("provider", *(provider_key or own)))
    return raw_line(app, context, ("Resources", function.name, "Properties", *inner),
                    ("Globals", "Function", *inner))


def fix(app: App, serverless: str, sam: str, cloudformation: str | None = None) -> str:
    """The remediation written in the app's own format."""
    if app.format == "serverless":
        return serverless
    if app.format == "cloudformation" and cloudformation:
        return cloudformation
    return sam


def trigger_location(function: Function, trigger: Trigger) -> Location:
    return trigger.location if trigger.location.file else function.location


def cfg(mapping: Mapping[str, Any] | None, *keys: str, default: Any = None) -> Any:
    """First present key among spellings (``cors`` / ``Cors``), tolerant of loader conventions."""
    if not mapping:
        return default
    for key in keys:
        if key in mapping and mapping[key] is not None:
            return mapping[key]
    return default


def route_name(trigger: Trigger) -> str:
    if trigger.type == "websocket":
        return f"WebSocket route {trigger.path or '?'}"
    method = (trigger.method or "ANY").upper()
    return f"{method} {trigger.path}" if trigger.path else f"{trigger.type} {trigger.source or ''}".strip()


# --------------------------------------------------------------------------------------------
# FG101 / FG102 — unauthenticated or API-key-only HTTP routes
# --------------------------------------------------------------------------------------------

# Actions that only observe: an anonymous GET to a function holding nothing else cannot change state.
_READ_VERBS = ("Get", "List", "Describe", "Query", "Scan", "BatchGet", "Head", "Select", "Lookup", "Search", "Check")
_OBSERVABILITY = ("logs:", "xray:", "cloudwatch:PutMetricData")


def can_write(function: Function) -> str | None:
    """The first granted action that changes state (``dynamodb:PutItem``, ``s3:*``), or None."""
    for statement in function.statements:
        if statement.effect != "Allow":
            continue
        for action in statement.actions:
            text = str(action)
            if text.startswith(_OBSERVABILITY):
                continue
            verb = text.split(":", 1)[-1]
            if text == "*" or verb == "*" or not verb.startswith(_READ_VERBS):
                return text
    return None


def _websocket_needs_auth(function: Function, trigger: Trigger, app: App) -> bool:
    """WebSocket auth lives on $connect: other routes inherit it unless the API has no $connect."""
    if (trigger.path or "") == "$connect":
        return True
    return not any(t.type == "websocket" and t.path == "$connect" for f in app.functions for t in f.triggers)


@check("FG101", "FG102")
def unauthenticated_routes(app: App, context: ScanContext) -> Iterator[Finding]:
    """Anyone on the internet can call a route that has no authorizer."""
    for function in app.functions:
        for trigger in function.triggers:
            if trigger.type not in HTTP_ROUTE_TYPES or not trigger.public:
                continue
            if trigger.auth not in ("none", "api_key"):
                continue
            method = (trigger.method or "ANY").upper()
            if method == "OPTIONS":
                continue
            if trigger.type == "websocket" and not _websocket_needs_auth(function, trigger, app):
                continue
            where = trigger_location(function, trigger)
            route = route_name(trigger)
            if trigger.api_key_required or trigger.auth == "api_key":
                yield finding(
                    "FG102",
                    f"{route} of {function.name} accepts any caller holding the API key: keys are shared, "
                    "leak in clients and identify no user.",
                    function=function.name, location=where,
                    remediation=fix(
                        app,
                        "Add an authorizer to the event, e.g. `authorizer: {type: aws_iam}` or "
                        "`authorizer: {name: auth, arn: <cognito user pool arn>}`, and keep `private: true` for the usage plan.",
                        "Add `Auth: {Authorizer: MyCognitoAuthorizer}` (or `AWS_IAM`) to the Api event; keep `ApiKeyRequired`.",
                    ),
                    details={"subject": route, "trigger": trigger.type, "method": method},
                )
                continue
            writer = can_write(function)
            verified = verifies_signature(function)
            severity = "medium" if (method in READ_ONLY_METHODS and not writer) or verified else "high"
            yield finding(
                "FG101",
                f"{route} ({trigger.type}) invokes {function.name} with no authorizer: anyone on the internet can "
                f"call it{' and read what it returns' if severity == 'medium' else ''}"
                f"{' (the route is read-only but its function may write: ' + writer + ')' if method in READ_ONLY_METHODS and writer else ''}."
                f"{' Its handler verifies a request signature (a webhook), which authenticates the sender in code.' if verified else ''}",
                function=function.name, location=where, severity=severity,
                remediation=_auth_fix(app, trigger),
                details={"subject": route, "trigger": trigger.type, "method": method,
                         "signature_verified_in_code": verified},
            )


def _auth_fix(app: App, trigger: Trigger) -> str:
    if trigger.type == "alb":
        return ("Add an `authenticate-cognito` or `authenticate-oidc` action before the forward action of the "
                "listener rule (serverless: `alb: {authorizer: myCognito}` with `provider.alb.authorizers`).")
    if trigger.type == "httpApi":
        return fix(app,
                   "Under the httpApi event add `authorizer: {name: jwtAuth}` and declare it in "
                   "`provider.httpApi.authorizers.jwtAuth: {identitySource: $request.header.Authorization, issuerUrl: ..., audience: [...]}`.",
                   "On the HttpApi add `Auth: {DefaultAuthorizer: JwtAuth, Authorizers: {JwtAuth: {JwtConfiguration: "
                   "{issuer: ..., audience: [...]}, IdentitySource: $request.header.Authorization}}}`.",
                   "Create an AWS::ApiGatewayV2::Authorizer (AuthorizerType: JWT) and set AuthorizationType: JWT and "
                   "AuthorizerId on the AWS::ApiGatewayV2::Route.")
    return fix(app,
               "Under the http event add `authorizer: aws_iam` or `authorizer: {type: COGNITO_USER_POOLS, arn: <user pool arn>}`.",
               "On the Api event add `Auth: {Authorizer: MyCognitoAuthorizer}` and declare it under the Api's "
               "`Auth.Authorizers` (or set `DefaultAuthorizer`).",
               "Set AuthorizationType: COGNITO_USER_POOLS (or AWS_IAM / CUSTOM) and AuthorizerId on the AWS::ApiGateway::Method.")


# --------------------------------------------------------------------------------------------
# FG103 — function URL with AuthType NONE
# --------------------------------------------------------------------------------------------

def _url_auth(value: Any) -> str | None:
    return str(value).lower() if value is not None else None


@check("FG103")
def open_function_urls(app: App, context: ScanContext) -> Iterator[Finding]:
    """A function URL with AuthType NONE is an HTTPS endpoint with no gateway, no throttle, no auth."""
    reported: set[str] = set()
    for function in app.functions:
        url_triggers = [t for t in function.triggers if t.type == "url"]
        open_trigger = next((t for t in url_triggers if t.auth == "none"), None)
        url_config = function.url or {}
        if open_trigger is None and not (url_config and _url_auth(cfg(url_config, "auth", "AuthType")) == "none"):
            continue
        where = trigger_location(function, open_trigger) if open_trigger else function.location
        if open_trigger is None and isinstance(url_config, Mapping) and url_config.get("location"):
            where = url_config["location"]
        reported.add(function.name)
        yield _url_finding(app, function, where, verified=verifies_signature(function))
    for resource in app.resources.values():
        if resource.type != "AWS::Lambda::Url" or _url_auth(resource.properties.get("AuthType")) != "none":
            continue
        function = function_for(app, resource.properties.get("TargetFunctionArn"))
        if function is not None and function.name in reported:
            continue
        name = function.name if function else resource.logical_id
        yield _url_finding(app, function, located(resource, resource.properties, "AuthType"), name)


# What webhook handlers call to check the sender's signature (Stripe, GitHub, Twilio, Slack, generic HMAC).
_SIGNATURE_CHECK = re.compile(
    r"compare_digest|construct_event|verify_signature|validate_signature|verify_webhook|RequestValidator|"
    r"X-Hub-Signature|Stripe-Signature|X-Twilio-Signature|X-Slack-Signature|signature_verifier|VerifyKey|"
    r"X-Line-Signature|InvalidSignatureError"
)


def verifies_signature(function: Function | None) -> bool:
    """The handler checks a request signature: the URL is open by design, its callers are verified in code."""
    if function is None or not function.handler_file:
        return False
    try:
        return bool(_SIGNATURE_CHECK.search(Path(function.handler_file).read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return False


def _url_finding(app: App, function: Function | None, where: Location, name: str | None = None,
                 verified: bool = False) -> Finding:
    name = name or (function.name if function else None)
    mitigation = (" Its handler verifies a request signature, which authenticates the sender but still lets "
                  "anyone make it run (and bill)." if verified else "")
    return finding(
        "FG103",
        f"{name} has a function URL with AuthType NONE: anyone who finds the URL can invoke it directly, "
        f"with no authorizer and no gateway throttling in front of it.{mitigation}",
        function=function.name if function else None, location=where, severity="medium" if verified else None,
        remediation=fix(
            app,
            "Set `url: {authorizer: aws_iam}` on the function (and sign requests with SigV4), or move the "
            "endpoint behind an httpApi event with an authorizer. If the URL is a webhook, verify the "
            "sender's signature in code and keep reserved concurrency low.",
            "Set `FunctionUrlConfig: {AuthType: AWS_IAM}` (or put the function behind an Api with an authorizer); "
            "for a webhook, verify the sender's signature in code.",
            "Set `AuthType: AWS_IAM` on the AWS::Lambda::Url.",
        ),
        details={"subject": "function-url", "signature_verified_in_code": verified},
    )


# --------------------------------------------------------------------------------------------
# FG104 — Lambda permissions for anyone / another account without a source condition
# --------------------------------------------------------------------------------------------

@check("FG104")
def open_invoke_permissions(app: App, context: ScanContext) -> Iterator[Finding]:
    """A permission to ``*`` lets every AWS account (or any bucket of any account) invoke the function."""
    for resource in app.resources.values():
        if resource.type != "AWS::Lambda::Permission":
            continue
        props = resource.properties
        action = str(props.get("Action", ""))
        if (str(props.get("FunctionUrlAuthType", "")).upper() == "NONE" and "invokefunctionurl" in action.lower()) \
                or str(props.get("InvokedViaFunctionUrl", "")).lower() == "true":
            continue  # the function URL's own permissions: FG103 reports the URL
        scope = principal_scope(props.get("Principal"))
        conditioned = any(props.get(key) for key in ("SourceArn", "SourceAccount", "PrincipalOrgID"))
        if scope == "own" or conditioned:
            continue
        function = function_for(app, props.get("FunctionName"))
        name = function.name if function else str(props.get("FunctionName"))
        severity = "medium" if scope == "service" else "high"
        who = {"public": "any AWS principal", "cross-account": f"account {props.get('Principal')}",
               "service": f"any {props.get('Principal')} resource in any account"}[scope]
        yield finding(
            "FG104",
            f"{resource.logical_id} lets {who} invoke {name} with no SourceArn/SourceAccount: "
            "the function can be called from outside this application.",
            function=function.name if function else None,
            location=located(resource, props, "Principal"), severity=severity,
            remediation=(f"In {resource.logical_id} set `SourceArn: <arn of the caller>` and `SourceAccount: "
                         "!Ref AWS::AccountId`, or replace `Principal: '*'` with the one principal that must invoke it."),
            details={"subject": resource.logical_id, "principal": props.get("Principal"), "scope": scope},
        )
    for function in app.functions:
        for trigger in function.triggers:
            if trigger.type == "alexa" and trigger.public:
                yield finding(
                    "FG104",
                    f"{function.name} accepts Alexa events from any skill (no skill id): anyone can publish a skill "
                    "that invokes it.",
                    function=function.name, location=trigger_location(function, trigger), severity="medium",
                    remediation=fix(app, "Give the event the skill id: `- alexaSkill: amzn1.ask.skill.<your-skill-id>`.",
                                    "Set `EventSourceToken: amzn1.ask.skill.<your-skill-id>` on the "
                                    "alexa-appkit.amazon.com permission (SAM AlexaSkill event: `SkillId`)."),
                    details={"subject": "alexa", "principal": "alexa-appkit.amazon.com", "scope": "service"},
                )
                continue
            if trigger.type != "invoke" or not trigger.public or trigger.source in app.resources \
                    or cfg(trigger.config, "permission") in app.resources:
                continue  # the permission resource itself was judged above
            principal = cfg(trigger.config, "principal", "Principal")
            conditions = cfg(trigger.config, "conditions", "condition", "Condition")
            if conditions:
                continue
            yield finding(
                "FG104",
                f"{function.name} can be invoked by {principal or 'any principal'} with no source condition.",
                function=function.name, location=trigger_location(function, trigger),
                details={"subject": f"invoke:{principal}", "principal": principal},
            )


# --------------------------------------------------------------------------------------------
# FG105 — the trigger's own resource is writable by anyone or another account
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PolicyKind:
    """A resource-policy type, what it attaches to, and which actions feed a Lambda trigger."""

    resource_type: str
    targets_key: str
    trigger_type: str
    feeding_actions: tuple[str, ...]


POLICY_KINDS: tuple[PolicyKind, ...] = (
    PolicyKind("AWS::S3::BucketPolicy", "Bucket", "s3", ("s3:PutObject", "s3:PutObjectAcl", "s3:DeleteObject")),
    PolicyKind("AWS::SNS::TopicPolicy", "Topics", "sns", ("sns:Publish",)),
    PolicyKind("AWS::SQS::QueuePolicy", "Queues", "sqs", ("sqs:SendMessage",)),
)
@dataclass(frozen=True)
class ServiceIntegration:
    """An API Gateway (REST) service integration that writes into a trigger's source without a Lambda."""

    trigger_type: str
    uri_marker: str
    actions: tuple[str, ...]


SERVICE_INTEGRATIONS: tuple[ServiceIntegration, ...] = (
    ServiceIntegration("kinesis", ":kinesis:", ("kinesis:PutRecord", "kinesis:PutRecords")),
    ServiceIntegration("sqs", ":sqs:", ("sqs:SendMessage",)),
    ServiceIntegration("sns", ":sns:", ("sns:Publish",)),
    ServiceIntegration("s3", ":s3:", ("s3:PutObject",)),
    ServiceIntegration("dynamodb", ":dynamodb:", ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem")),
)
# Canned ACLs that let anyone write (S3 only honours them when ACLs are enabled).
PUBLIC_WRITE_ACLS = frozenset({"PublicReadWrite"})


def trigger_resource(app: App, trigger: Trigger) -> Resource | None:
    """The template resource a trigger's ``source`` designates (bucket, queue, topic, stream, table)."""
    source = trigger.source
    if source is None:
        source = cfg(trigger.config, "arn", "bucket", "queue", "topic", "stream", "Bucket", "Queue", "Topic", "Stream")
    if source is None:
        return None
    if isinstance(source, str) and source in app.resources:
        return app.resources[source]
    return next((r for r in app.resources.values() if points_at(source, r)), None)


@check("FG105")
def publicly_fed_triggers(app: App, context: ScanContext) -> Iterator[Finding]:
    """If anyone can put an object, publish or send, anyone controls the function's input."""
    for function in app.functions:
        for trigger in function.triggers:
            if trigger.type in ("kinesis", "dynamodb"):
                source = trigger_resource(app, trigger)
                if source is None:
                    continue
                feeders = [(trigger.type, source)] + [  # a table that streams its changes into this stream
                    ("dynamodb", table) for table in app.resources.values() if table.type == "AWS::DynamoDB::Table"
                    and points_at((table.properties.get("KinesisStreamSpecification") or {}).get("StreamArn"), source)]
                for kind_name, feeder in feeders:
                    for method, actions in _open_service_integrations(app, kind_name, feeder):
                        yield _api_feeds_finding(app, function, feeder, method, actions,
                                                 via=source if feeder is not source else None)
                continue
            account = foreign_account(trigger.source)
            if account is not None and trigger.type in ("s3", "sns", "sqs", "kinesis", "dynamodb", "kafka", "mq"):
                yield finding(
                    "FG105",
                    f"{function.name} is triggered by {trigger.source}, a resource of account {account}: whoever "
                    "controls that account controls this function's input.",
                    function=function.name, location=trigger_location(function, trigger), severity="medium",
                    remediation=("Treat the events as untrusted input (validate them in the handler, or let fnguard's "
                                 "guard inspect them), and keep the source account's write access under review."),
                    details={"subject": f"cross-account:{trigger.source}", "scope": "cross-account",
                             "account": account},
                )
                continue
            kind = next((k for k in POLICY_KINDS if k.trigger_type == trigger.type), None)
            source = trigger_resource(app, trigger) if kind else None
            if kind is None or source is None:
                continue
            for statement, policy, scope, actions in _open_statements(app, kind, source):
                yield finding(
                    "FG105",
                    f"{function.name} is triggered by {source.logical_id}, and {policy.logical_id} lets "
                    f"{'anyone' if scope == 'public' else 'another AWS account'} {', '.join(actions)} on it: "
                    "an outsider controls this function's input.",
                    function=function.name, location=located(policy, statement, "Principal"),
                    remediation=(f"In {policy.logical_id} replace the `Principal: '*'` statement with your account "
                                 "or the one service that must write, or add `Condition: {StringEquals: "
                                 "{aws:SourceAccount: !Ref AWS::AccountId}}`."),
                    details={"subject": f"{source.logical_id}:{policy.logical_id}", "actions": actions,
                             "scope": scope},
                )
            for method, actions in _open_service_integrations(app, kind.trigger_type, source):
                yield _api_feeds_finding(app, function, source, method, actions)
            if kind.trigger_type == "s3" and source.properties.get("AccessControl") in PUBLIC_WRITE_ACLS:
                yield finding(
                    "FG105",
                    f"{function.name} is triggered by {source.logical_id}, whose ACL is PublicReadWrite: anyone can "
                    "upload the objects this function processes.",
                    function=function.name, location=located(source, source.properties, "AccessControl"),
                    remediation=f"Remove `AccessControl: PublicReadWrite` from {source.logical_id} and add a "
                                "PublicAccessBlockConfiguration with all four flags true.",
                    details={"subject": f"{source.logical_id}:acl", "scope": "public"},
                )


def _api_feeds_finding(app: App, function: Function, source: Resource, method: Resource,
                       actions: list[str], via: Resource | None = None) -> Finding:
    verb = str(method.properties.get("HttpMethod", "ANY")).upper()
    path = f"{via.logical_id}, which {source.logical_id} feeds" if via is not None else source.logical_id
    return finding(
        "FG105",
        f"{function.name} is triggered by {path}, and the API method {method.logical_id} ({verb}, "
        f"AuthorizationType NONE) writes into it ({', '.join(actions)}): anyone on the internet controls this "
        "function's input without ever calling it directly.",
        function=function.name, location=located(method, method.properties, "AuthorizationType"),
        remediation=(f"In {method.logical_id} set `AuthorizationType: AWS_IAM` (or COGNITO_USER_POOLS with an "
                     "AuthorizerId), or at least `ApiKeyRequired: true` with a usage plan and throttling."),
        details={"subject": f"{source.logical_id}:{method.logical_id}", "actions": actions, "scope": "public-api"},
    )


def _private_api(app: App, method: Resource) -> bool:
    api = app.resources.get(ref_target(method.properties.get("RestApiId")) or "")
    types = (api.properties.get("EndpointConfiguration") or {}) if api is not None else {}
    return isinstance(types, Mapping) and "PRIVATE" in [str(t).upper() for t in as_list(types.get("Types"))]


def _open_service_integrations(app: App, trigger_type: str, source: Resource,
                               ) -> Iterator[tuple[Resource, list[str]]]:
    """Unauthenticated REST methods whose AWS integration writes into ``source`` (directly or via its role)."""
    integration_kind = next((i for i in SERVICE_INTEGRATIONS if i.trigger_type == trigger_type), None)
    if integration_kind is None:
        return
    for method in app.resources.values():
        if method.type != "AWS::ApiGateway::Method":
            continue
        props = method.properties
        if str(props.get("AuthorizationType", "NONE")).upper() != "NONE" or str(props.get("ApiKeyRequired")).lower() == "true":
            continue
        integration = props.get("Integration")
        if not isinstance(integration, Mapping) or str(integration.get("Type", "")).upper() != "AWS":
            continue
        uri = json.dumps(integration.get("Uri"), default=str)
        if integration_kind.uri_marker not in uri or _private_api(app, method):
            continue
        text = json.dumps(integration, default=str)
        named = any(name in text for name in resource_names(source))
        actions = _role_grants(app, integration.get("Credentials"), integration_kind.actions, source)
        if named or actions:
            yield method, actions or list(integration_kind.actions[:1])


def _role_grants(app: App, role_ref: Any, wanted: tuple[str, ...], source: Resource) -> list[str]:
    """Actions of ``wanted`` the integration's role may perform on ``source`` (or on every resource)."""
    role = app.resources.get(ref_target(role_ref) or "")
    if role is None:
        return []
    granted: list[str] = []
    documents = [p.get("PolicyDocument") for p in as_list(role.properties.get("Policies")) if isinstance(p, Mapping)]
    documents += [r.properties.get("PolicyDocument") for r in app.resources.values()
                  if r.type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
                  and any(ref_target(x) == role.logical_id for x in as_list(r.properties.get("Roles")))]
    for document in documents:
        for statement in statements_of(document):
            if str(statement.get("Effect", "Allow")) != "Allow":
                continue
            resources = as_list(statement.get("Resource"))
            if any(r == "*" or points_at(r, source) or (isinstance(r, str) and any(
                    n in r for n in resource_names(source))) for r in resources):
                granted += [a for a in action_matches(as_list(statement.get("Action")), wanted) if a not in granted]
    return granted


def _open_statements(app: App, kind: PolicyKind, source: Resource,
                     ) -> Iterator[tuple[Mapping[str, Any], Resource, str, list[str]]]:
    for policy in app.resources.values():
        if policy.type != kind.resource_type:
            continue
        targets = as_list(policy.properties.get(kind.targets_key))
        if not any(points_at(target, source) for target in targets):
            continue
        for statement in statements_of(policy.properties.get("PolicyDocument")):
            if str(statement.get("Effect", "Allow")) != "Allow" or has_source_condition(statement.get("Condition")):
                continue
            scope = principal_scope(statement.get("Principal"))
            if scope not in ("public", "cross-account"):
                continue
            actions = action_matches(as_list(statement.get("Action")), kind.feeding_actions)
            if actions:
                yield statement, policy, scope, actions


# --------------------------------------------------------------------------------------------
# FG106 — CORS: any origin with credentials
# --------------------------------------------------------------------------------------------

def cors_allows_any_origin_with_credentials(cors: Any) -> bool:
    """Serverless ``cors: {origin: '*', allowCredentials: true}``, SAM ``Cors``/``CorsConfiguration``, URL ``Cors``."""
    if not isinstance(cors, Mapping):
        return False
    origins = cfg(cors, "origin", "origins", "allowOrigins", "allowedOrigins", "AllowOrigin", "AllowOrigins")
    credentials = cfg(cors, "allowCredentials", "credentials", "AllowCredentials")
    any_origin = any(str(o).strip("'\" ") == "*" for o in as_list(origins))
    return any_origin and str(credentials).lower().strip("'\"") == "true"


@check("FG106")
def permissive_cors(app: App, context: ScanContext) -> Iterator[Finding]:
    """Any origin plus credentials lets every web page act with the visitor's session."""
    for function in app.functions:
        seen = False
        for trigger in function.triggers:
            cors = cfg(trigger.config, "cors", "Cors", "CorsConfiguration")
            if trigger.type == "url" and cors is None and function.url:
                cors = cfg(function.url, "cors", "Cors")
            if cors is None and trigger.type in HTTP_ROUTE_TYPES:
                api = trigger_resource(app, trigger)
                cors = cfg(api.properties, "Cors", "CorsConfiguration") if api is not None else None
            if cors_allows_any_origin_with_credentials(cors):
                seen = True
                yield _cors_finding(app, function, trigger_location(function, trigger), route_name(trigger))
        if not seen and function.url and cors_allows_any_origin_with_credentials(cfg(function.url, "cors", "Cors")):
            yield _cors_finding(app, function, function.location, "function URL")
    yield from _code_cors(app, context)


def _code_cors(app: App, context: ScanContext) -> Iterator[Finding]:
    """Proxy integrations set CORS headers in the handler: ``*`` or the caller's own Origin, with credentials."""
    seen: set[str] = set()
    for function in app.functions:
        path = function.handler_file
        if not path or not path.endswith(".py") or path in seen or not any(
                t.type in HTTP_ROUTE_TYPES or t.type == "url" for t in function.triggers):
            continue
        seen.add(path)
        try:
            tree = ast.parse(Path(path).read_text(encoding="utf-8", errors="replace"))
        except (OSError, SyntaxError, ValueError):
            continue
        origin, credentials = cors_headers_in_code(tree)
        if origin is None or not credentials:
            continue
        line, reflected = origin
        yield finding(
            "FG106",
            (f"{function.name} answers with the caller's own Origin in Access-Control-Allow-Origin and allows "
             "credentials: any web site a signed-in user visits can read its responses with the user's cookies or tokens."
             if reflected else
             f"{function.name} answers with Access-Control-Allow-Origin: * and Access-Control-Allow-Credentials: true: "
             "browsers refuse that pair, and the usual 'fix' — echoing the caller's Origin — opens the API to every web site."),
            function=function.name, file=path, line=line,
            remediation=("Compare the Origin header with an allow-list (`if origin in ALLOWED_ORIGINS:`) and echo it "
                         "only then; never send Allow-Credentials with `*` or an unchecked origin."),
            details={"subject": f"code-cors:{Path(path).name}", "reflected": reflected},
        )


def cors_headers_in_code(tree: ast.Module) -> tuple[tuple[int, bool] | None, bool]:
    """((line, reflects the request's Origin) of a wildcard/reflected Allow-Origin, Allow-Credentials true?)."""
    origin: tuple[int, bool] | None = None
    credentials = False
    for node in ast.walk(tree):
        pairs: list[tuple[ast.AST | None, ast.AST]] = []
        if isinstance(node, ast.Dict):
            pairs = list(zip(node.keys, node.values, strict=True))
        elif isinstance(node, ast.Assign):
            pairs = [(t.slice, node.value) for t in node.targets if isinstance(t, ast.Subscript)]
        for key, value in pairs:
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                continue
            header = key.value.lower()
            if header == "access-control-allow-credentials":
                credentials = credentials or (isinstance(value, ast.Constant) and str(value.value).lower() == "true")
            elif header == "access-control-allow-origin" and origin is None:
                if isinstance(value, ast.Constant) and value.value == "*":
                    origin = (value.lineno, False)
                elif "origin" in ast.unparse(value).lower() and not isinstance(value, ast.Constant):
                    origin = (value.lineno, True)
    return origin, credentials


def _cors_finding(app: App, function: Function, where: Location, route: str) -> Finding:
    return finding(
        "FG106",
        f"{route} of {function.name} allows any origin with credentials: browsers refuse that pair, and making it "
        "work means echoing the caller's Origin, which lets any web site a signed-in user visits call it with the "
        "user's cookies or tokens.",
        function=function.name, location=where,
        remediation=fix(app, "Set `cors: {origins: ['https://app.example.com'], allowCredentials: true}` (never '*').",
                        "Set `AllowOrigin: \"'https://app.example.com'\"` (HttpApi/URL: `AllowOrigins: [https://app.example.com]`) "
                        "when `AllowCredentials: true`."),
        details={"subject": f"cors:{route}"},
    )


# --------------------------------------------------------------------------------------------
# FG107 — public REST route without request validation
# --------------------------------------------------------------------------------------------

def has_request_validation(trigger: Trigger) -> bool:
    """The loader's flag, or the raw shapes: serverless ``request.schemas``, SAM ``RequestModel.ValidateBody``."""
    flag = cfg(trigger.config, "request_validation", "requestValidation", "validated", "validator")
    if flag is not None:
        return bool(flag)
    request = cfg(trigger.config, "request")
    if isinstance(request, Mapping) and (request.get("schemas") or request.get("schema")):
        return True
    model = cfg(trigger.config, "RequestModel")
    if isinstance(model, Mapping) and str(model.get("ValidateBody", "")).lower() == "true":
        return True
    return False


@check("FG107")
def unvalidated_rest_routes(app: App, context: ScanContext) -> Iterator[Finding]:
    """API Gateway can reject malformed bodies before they cost an invocation or reach the code."""
    for function in app.functions:
        for trigger in function.triggers:
            method = (trigger.method or "ANY").upper()
            if trigger.type != "http" or not trigger.public or method not in BODY_METHODS:
                continue
            if has_request_validation(trigger):
                continue
            route = route_name(trigger)
            yield finding(
                "FG107",
                f"{route} of {function.name} is public and API Gateway does not validate its body: every malformed "
                "or hostile payload reaches the function.",
                function=function.name, location=trigger_location(function, trigger),
                remediation=fix(app,
                                "Under the http event add `request: {schemas: {application/json: ${file(schema.json)}}}`.",
                                "On the Api event add `RequestModel: {Model: MyModel, Required: true, ValidateBody: true}` "
                                "and declare MyModel under the Api's `Models`."),
                details={"subject": route},
            )
