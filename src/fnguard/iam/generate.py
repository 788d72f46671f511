"""What each function needs, and the least-privilege policy that grants exactly that.

Needs come from the code (:mod:`fnguard.code.boto3_calls`) mapped to IAM actions
(:mod:`fnguard.iam.boto3_map`). Resources are inferred from the call's arguments: an
environment variable holding ``{"Ref": "OrdersTable"}`` narrows ``dynamodb:PutItem`` to that
table, written as a ``Fn::Sub`` ARN the template can paste. Two promises hold for every
generated policy: it includes every action fnguard found needed, and where the granted policy
already allows a needed action on narrower resources than fnguard could infer, it keeps those.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fnguard.code.boto3_calls import (
    Boto3Call,
    CodeCalls,
    Env,
    EventField,
    Literal,
    Text,
    Unresolved,
    find_calls,
)
from fnguard.iam import boto3_map, catalog, policy
from fnguard.model import App, Function, Resource, Statement

POLICY_VERSION = "2012-10-17"
CACHE_KEY = "fnguard.iam.needs"

# What ``Ref`` returns for a CloudFormation resource type: its name, its ARN or its URL.
REF_RETURNS: dict[str, str] = {
    "AWS::DynamoDB::Table": "name", "AWS::Serverless::SimpleTable": "name", "AWS::S3::Bucket": "name",
    "AWS::SQS::Queue": "url", "AWS::SNS::Topic": "arn", "AWS::Lambda::Function": "name",
    "AWS::Serverless::Function": "name", "AWS::Kinesis::Stream": "name", "AWS::SecretsManager::Secret": "arn",
    "AWS::SSM::Parameter": "name", "AWS::StepFunctions::StateMachine": "arn",
    "AWS::Serverless::StateMachine": "arn", "AWS::Events::EventBus": "name", "AWS::KMS::Key": "id",
    "AWS::Logs::LogGroup": "name", "AWS::Cognito::UserPool": "id", "AWS::Kinesis::Firehose": "name",
    "AWS::KinesisFirehose::DeliveryStream": "name",
}
# Resource types that a logical resource of a CloudFormation type can stand for.
CFN_IAM_TYPES: dict[str, tuple[str, ...]] = {
    "AWS::DynamoDB::Table": ("table", "index", "stream"), "AWS::Serverless::SimpleTable": ("table", "index"),
    "AWS::S3::Bucket": ("bucket", "object"), "AWS::SQS::Queue": ("queue",), "AWS::SNS::Topic": ("topic",),
    "AWS::Lambda::Function": ("function",), "AWS::Serverless::Function": ("function",),
    "AWS::Kinesis::Stream": ("stream",), "AWS::SecretsManager::Secret": ("Secret",),
    "AWS::SSM::Parameter": ("parameter",), "AWS::StepFunctions::StateMachine": ("stateMachine",),
    "AWS::Serverless::StateMachine": ("stateMachine",), "AWS::Events::EventBus": ("event-bus",),
    "AWS::KMS::Key": ("key",), "AWS::Logs::LogGroup": ("log-group",), "AWS::Cognito::UserPool": ("userpool",),
}
# Properties that give a resource its physical name, to match literal names in code.
NAME_PROPERTIES = ("TableName", "BucketName", "QueueName", "TopicName", "FunctionName", "StreamName",
                   "Name", "StateMachineName", "UserPoolName", "LogGroupName")
_PSEUDO = {"${Partition}": "${AWS::Partition}", "${Region}": "${AWS::Region}", "${Account}": "${AWS::AccountId}"}
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9]+)\}")


@dataclass(frozen=True)
class Need:
    """One action a function needs, on the resources fnguard could tell (``*`` when it could not)."""

    action: str
    resources: tuple[str, ...]
    """ARN patterns in Fn::Sub syntax (``arn:${AWS::Partition}:s3:::${Bucket}/*``) or ``*``."""
    calls: tuple[str, ...] = ()
    """``file:line service.method`` of the calls that need it."""
    unset_env: tuple[str, ...] = ()
    """Environment variables the code takes the resource from but the function does not set."""


@dataclass(frozen=True)
class FunctionNeeds:
    function: str
    needs: tuple[Need, ...] = ()
    unresolved: tuple[Unresolved, ...] = ()
    unmapped: tuple[Boto3Call, ...] = ()
    """Calls whose method has no known IAM action (a typo, or an operation newer than the data)."""
    analyzed: bool = False
    """False when there was no Python code to read: then "never used" cannot be claimed."""
    reason: str = ""

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(sorted({n.action for n in self.needs}))


def _handler_name(function: Function) -> str | None:
    return function.handler.rpartition(".")[2] if function.handler and "." in function.handler else None


def _arn_for(action: str, name: str, key: str | None, ref_kind: str, logical: str | None) -> str:
    """An ARN (Fn::Sub syntax) for ``action`` on the resource ``name`` (a name, ARN or ``${X}``)."""
    info = catalog.lookup(action)
    if info is None or not info.resource_types:
        return "*"
    if ref_kind == "arn" or name.startswith("arn:"):
        base = name
        if "object" in info.resource_types and info.prefix == "s3":
            return f"{base}/{key or '*'}"
        return base
    wanted = _resource_type(info, key)
    fmt = catalog.arn_format(info.prefix, wanted) if wanted else None
    if not fmt:
        return "*"
    for pseudo, cfn in _PSEUDO.items():
        fmt = fmt.replace(pseudo, cfn)
    holders = [h for h in _PLACEHOLDER.findall(fmt)]
    if not holders:
        return fmt
    filled = fmt.replace("${" + holders[0] + "}", name.lstrip("/") if wanted == "parameter" else name, 1)
    for rest in holders[1:]:
        filled = filled.replace("${" + rest + "}", key if (key and rest == "ObjectName") else "*", 1)
    if wanted == "Secret" and not name.startswith("${"):
        filled += "-*"  # Secrets Manager appends six random characters to the name
    return filled


def _resource_type(info: catalog.ActionInfo, key: str | None) -> str | None:
    types = info.resource_types
    if info.prefix == "s3":
        if "object" in types:
            return "object"
        if "bucket" in types:
            return "bucket"
    preferred = ("table", "queue", "topic", "function", "Secret", "parameter", "stream", "stateMachine",
                 "key", "event-bus", "log-group", "userpool", "execution", "foundation-model", "workgroup",
                 "deliverystream")
    for name in preferred:
        if name in types:
            return name
    return types[0] if types else None


@dataclass(frozen=True)
class _Target:
    """What a call's resource argument resolved to."""

    name: str
    """A physical name, an ARN, or ``${Logical}`` / ``${Logical.Arn}``."""
    ref_kind: str
    """``name`` or ``arn``: what ``name`` holds."""
    logical: str | None = None


def _all_resources(app: App) -> dict[str, Resource]:
    """The template's resources, functions included (loaders keep those in ``app.functions``)."""
    out = {
        f.name: Resource(f.name, "AWS::Lambda::Function",
                         {"FunctionName": (f.properties or {}).get("FunctionName")})
        for f in app.functions
    }
    out.update(app.resources)
    return out


def _resource(app: App, logical: str) -> Resource | None:
    found = app.resources.get(logical)
    if found is not None:
        return found
    function = app.function(logical)
    if function is None:
        return None
    return Resource(logical, "AWS::Lambda::Function", {"FunctionName": (function.properties or {}).get("FunctionName")})


def _by_physical_name(app: App) -> dict[str, str]:
    names = {}
    for logical, resource in _all_resources(app).items():
        for prop in NAME_PROPERTIES:
            value = resource.properties.get(prop) if isinstance(resource.properties, Mapping) else None
            if isinstance(value, str):
                names[value] = logical
    return names


def _target(value: Any, function: Function, app: App) -> _Target | None:
    if isinstance(value, EventField) and value.kind == "s3.bucket":
        sources = {t.source for t in function.triggers if t.type == "s3" and t.source}
        if len(sources) == 1:
            source = sources.pop()
            return _logical_target(source, app) if _resource(app, source) else _target_of_template_value(source, app)
        return None
    if isinstance(value, Env):
        raw = function.environment.get(value.name)
        if raw is None:
            return _target(Literal(value.default), function, app) if value.default else None
        if isinstance(raw, str) and raw in _by_physical_name(app):
            return _logical_target(_by_physical_name(app)[raw], app)
        return _target_of_template_value(raw, app)
    if isinstance(value, Text):
        text = _with_env(value.value, function)
        return None if "${" in text else _target(Literal(text), function, app)
    if isinstance(value, Literal):
        logical = _by_physical_name(app).get(value.value)
        if logical:
            return _logical_target(logical, app)
        return _target_of_template_value(value.value, app)
    return None


_ENV_PART = re.compile(r"\$\{env:([^}]+)\}")


def _with_env(text: str, function: Function) -> str:
    """Fill ``${env:NAME}`` parts with the function's literal environment values."""

    def value(match: re.Match[str]) -> str:
        raw = function.environment.get(match.group(1))
        return raw if isinstance(raw, str) and "${" not in raw else match.group(0)

    return _ENV_PART.sub(value, text)


def _logical_target(logical: str, app: App) -> _Target:
    resource = _resource(app, logical)
    kind = REF_RETURNS.get(resource.type, "name") if resource else "name"
    if kind in ("url", "id"):
        return _Target(f"${{{logical}.Arn}}", "arn", logical)
    return _Target(f"${{{logical}}}", kind, logical)


def _target_of_template_value(raw: Any, app: App) -> _Target | None:
    if isinstance(raw, Mapping) and len(raw) == 1:
        (key, arg), = raw.items()
        if key == "Ref" and isinstance(arg, str) and not arg.startswith("AWS::"):
            if _resource(app, arg) is not None:
                return _logical_target(arg, app)
            return _Target(f"${{{arg}}}", "name", None)  # a parameter holding a name
        if key == "Fn::GetAtt":
            parts = arg.split(".", 1) if isinstance(arg, str) else list(arg)
            if len(parts) == 2 and parts[1] == "Arn":
                return _Target(f"${{{parts[0]}.Arn}}", "arn", str(parts[0]))
            if len(parts) == 2 and parts[1] in ("Name", "QueueName", "TopicName"):
                return _Target(f"${{{parts[0]}.{parts[1]}}}", "name", str(parts[0]))
            return None
        if key == "Fn::Sub":
            text = policy.resource_text(raw)
            return _Target(text, "arn" if text.startswith("arn:") else "name", None)
        return None
    if isinstance(raw, str) and raw:
        if raw.startswith("https://sqs."):
            parts = raw.split("/")
            if len(parts) >= 5:
                logical = _by_physical_name(app).get(parts[4])
                if logical:
                    return _logical_target(logical, app)
                return _Target(f"arn:${{AWS::Partition}}:sqs:${{AWS::Region}}:{parts[3]}:{parts[4]}", "arn")
        if raw.startswith("arn:"):
            return _Target(raw, "arn")
        if "${" in raw or raw.startswith(("http:", "https:")) or "/" in raw.strip("/") and not raw.startswith("/"):
            return None
        return _Target(raw, "name")
    return None


# The request parameter that names the main resource, per parameter list of the map.
_KEY_PARAMS = ("Key",)
# Parameters that name a resource, for operations the reference map does not describe.
_IDENTIFIER_PARAMS = frozenset({
    "TableName", "Bucket", "QueueUrl", "TopicArn", "FunctionName", "SecretId", "StreamName", "StreamARN",
    "stateMachineArn", "KeyId", "EventBusName", "LogGroupName", "UserPoolId", "modelId", "WorkGroup",
    "DeliveryStreamName", "ResourceArn",
})


_PARTIQL_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?([^"\s.]+)"?', re.IGNORECASE)


def _partiql_table(call: Boto3Call) -> Any:
    """The table a PartiQL statement names: ``SELECT * FROM "${env:TABLE}"`` → Env("TABLE")."""
    text = call.texts.get("Statement")
    match = _PARTIQL_TABLE.search(text or "")
    if not match:
        return None
    name = match.group(1)
    env = re.fullmatch(r"\$\{env:([^}]+)\}", name)
    if env:
        return Env(env.group(1))
    return None if "${" in name else Literal(name)


def _resources_for(call: Boto3Call, need: boto3_map.ActionNeed, function: Function, app: App) -> tuple[str, ...]:
    if need.action.startswith("dynamodb:PartiQL"):
        table = _partiql_table(call)
        target = _target(table, function, app) if table is not None else None
        if target is None:
            return ("*",)
        return (_arn_for(need.action, target.name, None, target.ref_kind, target.logical),)
    params = need.params or tuple(k for k, _ in call.params if k in _IDENTIFIER_PARAMS)
    main = next((p for p in params if p not in _KEY_PARAMS), None)
    if main is None:
        return ("*",)
    target = _target(call.param(main), function, app)
    if target is None:
        return ("*",)
    key_value = call.param("Key")
    key = key_value.value if isinstance(key_value, Literal) else None
    if isinstance(key_value, Text):
        filled = _with_env(key_value.value, function)
        if not filled.startswith("${"):
            key = filled.split("${", 1)[0] + ("*" if "${" in filled else "")  # "thumbnails/" + name → thumbnails/*
    arn = _arn_for(need.action, target.name, key, target.ref_kind, target.logical)
    if need.action.lower() == "dynamodb:query" and isinstance(call.param("IndexName"), Literal | Env):
        return (arn, f"{arn}/index/*")
    return (arn,)


def function_calls(function: Function, cache: dict[str, Any] | None = None) -> CodeCalls | None:
    """The boto3 calls of a function's Python handler, or None when there is none to read."""
    if not function.handler_file or not function.handler_file.endswith(".py"):
        return None
    if not Path(function.handler_file).is_file():
        return None
    return find_calls(function.handler_file, _handler_name(function), function.code_dir, cache)


def function_needs(app: App, function: Function, cache: dict[str, Any] | None = None) -> FunctionNeeds:
    """What a function's code needs: actions with inferred resources, and what stayed unresolved."""
    key = f"{app.source}|{function.name}"
    if cache is not None and key in cache.get(CACHE_KEY, {}):
        return cache[CACHE_KEY][key]
    result = _compute_needs(app, function, cache)
    if cache is not None:
        cache.setdefault(CACHE_KEY, {})[key] = result
    return result


def _compute_needs(app: App, function: Function, cache: dict[str, Any] | None) -> FunctionNeeds:
    code = function_calls(function, cache)
    if code is None:
        reason = "no Python handler file" if not (function.runtime or "").startswith("python") or \
            not function.handler_file else "handler file missing"
        return FunctionNeeds(function.name, analyzed=False, reason=reason)
    if code.errors and not code.calls and not code.files:
        return FunctionNeeds(function.name, analyzed=False, reason="; ".join(code.errors))
    needs: dict[str, dict[str, list[str]]] = {}
    unset: dict[str, set[str]] = {}
    unmapped: list[Boto3Call] = []
    for call in code.calls:
        actions = boto3_map.method_actions(call.service, call.method, call.texts)
        if actions is None:
            unmapped.append(call)
            continue
        where = f"{Path(call.file).name}:{call.line} {call.service}.{call.method}"
        for need in actions:
            for resource in _resources_for(call, need, function, app):
                needs.setdefault(need.action, {}).setdefault(resource, []).append(where)
            for _name, value in call.params:
                if isinstance(value, Env) and value.default is None and value.name not in function.environment:
                    unset.setdefault(need.action, set()).add(value.name)
    result = tuple(
        Need(action, tuple(sorted(by_resource)), tuple(sorted({w for ws in by_resource.values() for w in ws})),
             tuple(sorted(unset.get(action, ()))))
        for action, by_resource in sorted(needs.items())
    )
    # "*" with a specific resource for the same action: the "*" already covers it.
    result = tuple(Need(n.action, ("*",), n.calls, n.unset_env) if "*" in n.resources else n for n in result)
    return FunctionNeeds(function.name, result, code.unresolved, tuple(unmapped), analyzed=True)


# -- comparing template forms -------------------------------------------------------------------


_IAM_PREFIX_OF_TYPE = {
    "table": "dynamodb", "bucket": "s3", "function": "lambda", "stream": "kinesis", "parameter": "ssm",
    "event-bus": "events", "log-group": "logs", "queue": "sqs", "topic": "sns", "Secret": "secretsmanager",
    "stateMachine": "states", "key": "kms", "userpool": "cognito-idp",
}
_NAME_ATTRIBUTES = ("Name", "TopicName", "QueueName", "StreamName", "TableName", "BucketName", "FunctionName")
_ANY_REF = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.([A-Za-z]+))?\}")


def _physical_name(logical: str, app: App) -> str:
    """The resource's literal name when the template gives one, else a stable token for it."""
    resource = _resource(app, logical)
    if resource is not None and isinstance(resource.properties, Mapping):
        for prop in NAME_PROPERTIES:
            value = resource.properties.get(prop)
            if isinstance(value, str) and "${" not in value:
                return value
            if isinstance(value, Mapping) and isinstance(value.get("Fn::Sub"), str):
                return str(value["Fn::Sub"])  # ${DomainName}-email-bucket: as the grants spell it
    return f"${{{logical}.Name}}"


def _arn_of(logical: str, app: App) -> str | None:
    resource = _resource(app, logical)
    types = CFN_IAM_TYPES.get(resource.type, ()) if resource is not None else ()
    prefix = _IAM_PREFIX_OF_TYPE.get(types[0]) if types else None
    fmt = catalog.arn_format(prefix, types[0]) if prefix else None
    if not fmt:
        return None
    for pseudo, cfn in _PSEUDO.items():
        fmt = fmt.replace(pseudo, cfn)
    holders = _PLACEHOLDER.findall(fmt)
    if not holders:
        return None
    out = fmt.replace("${" + holders[0] + "}", _physical_name(logical, app), 1)
    for rest in holders[1:]:
        out = out.replace("${" + rest + "}", "*", 1)
    return out


def canonical(resource: str, app: App) -> str:
    """One spelling for the ways a template names its own resource, so that policies compare.

    ``${OrdersTable.Arn}``, ``arn:...:table/${OrdersTable}`` and the loader's resolved
    ``arn:aws:dynamodb:us-east-1:123456789012:table/DVSA-ORDERS-DB`` all name one table; so do
    ``${Topic}`` (Ref gives its ARN) and ``arn:...:${Topic.TopicName}``. ARNs are rebuilt from
    the catalogue's format, names are the literal physical name when the template gives one.
    """

    def replace(match: re.Match[str]) -> str:
        logical, attribute = match.group(1), match.group(2)
        resource_ = _resource(app, logical)
        if resource_ is None:
            return match.group(0)
        returns = REF_RETURNS.get(resource_.type, "name")
        if attribute == "Arn" or (attribute is None and returns == "arn"):
            return _arn_of(logical, app) or match.group(0)
        if attribute in _NAME_ATTRIBUTES or (attribute is None and returns == "name"):
            return _physical_name(logical, app)
        return match.group(0)

    text = _ANY_REF.sub(replace, resource)
    # SSM parameter ARNs: names with a leading "/" are written "parameter${Name}", others "parameter/name".
    text = re.sub(r":parameter(?!/)", ":parameter/", text).replace(":parameter//", ":parameter/")
    for pseudo, concrete in (("${AWS::Partition}", "aws"), ("${AWS::Region}", app.region),
                             ("${AWS::AccountId}", "123456789012")):
        text = text.replace(pseudo, concrete)
    return text


def canonical_statements(statements: Sequence[Statement], app: App) -> tuple[Statement, ...]:
    from dataclasses import replace

    return tuple(
        replace(s, resources=tuple(canonical(policy.resource_text(r), app) for r in s.resources),
                not_resources=tuple(canonical(policy.resource_text(r), app) for r in s.not_resources))
        for s in statements
    )


def allowed_in_app(statements: Sequence[Statement], action: str, resource: str | None, app: App) -> bool:
    """``policy.allowed`` with the template's own resource spellings reconciled (see :func:`canonical`)."""
    target = None if resource is None else canonical(resource, app)
    return policy.allowed(canonical_statements(statements, app), action, target, region=app.region)


# -- the policy ----------------------------------------------------------------------------------
def _granted_resources(need_action: str, granted: Sequence[Statement], app: App) -> dict[str, str]:
    """Canonical form → template form of the resources of the Allows that grant ``need_action``."""
    found: dict[str, str] = {}
    for statement in granted:
        if statement.effect.lower() != "allow" or not statement.resources:
            continue
        if policy.statement_applies(statement, need_action, None, region=app.region):
            for raw in statement.resources:
                text = policy.resource_text(raw)
                found.setdefault(canonical(text, app), template_form(text, app))
    return found


_FAKE_ACCOUNT = "123456789012"


def granted_within(statements: Sequence[Statement], action: str, resource: str | None, app: App) -> bool:
    """Is ``action`` allowed on ``resource``, or on some resource inside it when it is a pattern?

    fnguard writes ``bucket/*`` when the code's key is not visible; a grant on
    ``bucket/thumbnails/*`` may be exactly what the code uses, so it is not a missing permission.
    """
    if allowed_in_app(statements, action, resource, app):
        return True
    if resource is None or ("*" not in resource and "?" not in resource):
        return False
    wanted = canonical(resource, app)
    canonical_grants = canonical_statements(statements, app)
    return any(
        g != "*" and policy.resource_matches(wanted, g, app.region)
        and policy.allowed(canonical_grants, action, g, region=app.region)
        for g in _granted_resources(action, statements, app)
    )


def template_form(resource: str, app: App) -> str:
    """Undo the loader's resolution of pseudo parameters so a pasted policy stays portable.

    Loaders resolve ``${AWS::AccountId}`` to the documentation account 123456789012 and
    ``${AWS::Region}`` to the app's region; a policy written back into the template must not
    carry those values.
    """
    if _FAKE_ACCOUNT not in resource:
        return resource
    text = resource.replace(_FAKE_ACCOUNT, "${AWS::AccountId}").replace(app.region, "${AWS::Region}")
    return text.replace("arn:aws:", "arn:${AWS::Partition}:", 1)


def _fits_type(action: str, resource: str) -> bool:
    """Could ``resource`` be of a type ``action`` applies to (an object ARN for s3:GetObject)?"""
    info = catalog.lookup(action)
    if info is None or not info.resource_types or resource == "*":
        return True
    for resource_type in info.resource_types:
        fmt = catalog.arn_format(info.prefix, resource_type)
        if not fmt:
            return True
        # Bucket names hold no "/", which tells a bucket ARN from an object ARN.
        pattern = re.escape(fmt.replace("${BucketName}", "\0"))
        pattern = re.sub(r"\\\$\\\{[A-Za-z0-9]+\\\}", ".*", pattern).replace("\x00", "[^/]*")
        concrete = re.sub(r"\$\{[^}]+\}", "x", resource)
        if re.fullmatch(pattern, concrete):
            return True
    return False


def _narrow(need: Need, granted: Sequence[Statement], app: App) -> tuple[str, ...]:
    """Per resource: keep it when granted; when the grant is narrower, take the grant's resources.

    A resource that is not granted at all stays: the function needs it (and a rule says so).
    """
    out: list[str] = []
    region = app.region
    originals = _granted_resources(need.action, granted, app)
    granted = canonical_statements(granted, app)
    grants = [g for g in originals if _fits_type(need.action, g)] or list(originals)
    for resource in need.resources:
        if policy.allowed(granted, need.action, canonical(resource, app), region=region):
            out.append(resource)
            continue
        wanted = canonical(resource, app)
        inside = [g for g in grants if g != "*" and (resource == "*" or policy.resource_matches(wanted, g, region))]
        inside = [originals[g] for g in inside if policy.allowed(granted, need.action, g, region=region)]
        out.extend(inside or [resource])
    return tuple(sorted(set(out)))


def least_privilege(app: App, function: Function, needs: FunctionNeeds) -> list[Statement]:
    """Statements granting exactly the needs, one per distinct resource set, actions sorted."""
    groups: dict[tuple[str, ...], set[str]] = {}
    for need in needs.needs:
        resources = tuple(sorted({template_form(r, app) for r in _narrow(need, function.statements, app)}))
        groups.setdefault(resources, set()).add(need.action)
    return [
        Statement("Allow", tuple(sorted(actions)), resources=resources, source="fnguard:generated")
        for resources, actions in sorted(groups.items(), key=lambda kv: (sorted(kv[1]), kv[0]))
    ]


def _resource_json(resource: str) -> Any:
    """``*`` and literal ARNs stay strings; anything with ``${...}`` becomes ``Fn::Sub``."""
    whole = re.fullmatch(r"\$\{([A-Za-z0-9]+)\.Arn\}", resource)
    if whole:
        return {"Fn::GetAtt": [whole.group(1), "Arn"]}
    ref = re.fullmatch(r"\$\{([A-Za-z0-9]+)\}", resource)
    if ref:
        return {"Ref": ref.group(1)}
    if "${" in resource:
        return {"Fn::Sub": resource}
    return resource


def policy_document(statements: Sequence[Statement]) -> dict[str, Any]:
    """An IAM policy document whose resources are written in the template's own terms."""
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {"Effect": s.effect, "Action": list(s.actions), "Resource": [_resource_json(r) for r in s.resources]}
            for s in statements
        ],
    }
