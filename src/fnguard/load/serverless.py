"""Serverless Framework (v3 and v4) ``serverless.yml`` → :class:`fnguard.model.App`.

The framework turns ``provider:`` and ``functions:`` into CloudFormation at deploy time; fnguard
reads them as written, after resolving variables offline (:mod:`fnguard.load.sls_variables`),
and models what the framework would create: one shared execution role
(``IamRoleLambdaExecution``) unless a function brings its own (``role:``, or per-function
``iamRoleStatements`` from serverless-iam-roles-per-function), the log and event-source
permissions the framework adds to it, and the triggers of each event
(:mod:`fnguard.load.sls_events`). The ``resources:`` section is plain CloudFormation and goes
through the CloudFormation loader's resolver; framework names (``<Name>LambdaFunction``) let its
permissions, subscriptions and mappings be recognised as triggers of our functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from fnguard.load.handlers import handler_file
from fnguard.load.sls_events import (
    HTTP_API_ID,
    REST_API_ID,
    WEBSOCKET_API_ID,
    EventContext,
    mapping,
    read_events,
    source_text,
)
from fnguard.load.sls_variables import ACCOUNT_ID, Options, origin_of, resolve_document
from fnguard.load.yamlsource import LineDict, line_of
from fnguard.model import App, Function, InputError, Location, Resource, Statement, Trigger

FORMAT = "serverless"
DEFAULT_ROLE = "IamRoleLambdaExecution"
DEFAULT_MEMORY = 1024
DEFAULT_TIMEOUT = 6
VPC_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
_SQS_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
_DYNAMODB_STREAM_ACTIONS = ("dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream",
                            "dynamodb:ListStreams")
_KINESIS_ACTIONS = ("kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
                    "kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:ListStreams")
_POLLING_ACTIONS = {"sqs": _SQS_ACTIONS, "dynamodb": _DYNAMODB_STREAM_ACTIONS, "kinesis": _KINESIS_ACTIONS}
_GRANT_ACTIONS = {**_POLLING_ACTIONS, "send:sqs": ("sqs:SendMessage",), "send:sns": ("sns:Publish",),
                  "send:lambda": ("lambda:InvokeFunction",), "send:events": ("events:PutEvents",)}

try:  # written in parallel by the CloudFormation loader's author
    from fnguard.load.cloudformation import resources_from_template as _cfn_resources
except ImportError:  # pragma: no cover - only while that module does not exist yet
    _cfn_resources = None  # type: ignore[assignment]
try:
    from fnguard.load.cloudformation import statements_from_policy_document as _cfn_statements
except ImportError:  # pragma: no cover
    _cfn_statements = None  # type: ignore[assignment]
try:
    from fnguard.load.cloudformation import load as _cfn_load
except ImportError:  # pragma: no cover
    _cfn_load = None  # type: ignore[assignment]
try:
    from fnguard.iam.managed import lookup as _managed_lookup
except ImportError:  # pragma: no cover
    _managed_lookup = None  # type: ignore[assignment]
try:
    from fnguard.load.intrinsics import Resolver as _IntrinsicResolver
    from fnguard.load.intrinsics import to_text as _to_text
except ImportError:  # pragma: no cover
    _IntrinsicResolver = None  # type: ignore[assignment,misc]
    _to_text = None  # type: ignore[assignment]


def function_logical_id(name: str) -> str:
    """The CloudFormation logical id the framework gives a function (``my-fn`` → ``MyDashfnLambdaFunction``)."""
    normalized = name.replace("-", "Dash").replace("_", "Underscore")
    return normalized[:1].upper() + normalized[1:] + "LambdaFunction"


@dataclass
class _Service:
    """What every part of one serverless.yml's reading shares."""

    file: str
    root: Path
    service: str
    stage: str
    region: str
    provider: Mapping[str, Any]
    raw_resources: Mapping[str, Any]
    cfn: Any
    """A CloudFormation intrinsics resolver that knows framework-made ids, or None."""
    warnings: list[str] = field(default_factory=list)
    log_statements: list[Statement] = field(default_factory=list)
    grant_items: dict[str, list[tuple[str, str, Location]]] = field(default_factory=dict)
    """Per function: what the framework's role must reach for its events (see :func:`_grant_items`)."""
    declared_at: dict[str, Location] = field(default_factory=dict)
    """Where each managed policy ARN was attached (for its statements' location)."""

    def intrinsics(self, value: Any, line: int | None = None) -> Any:
        """Resolve CloudFormation intrinsics in ``value``; resource references stay dicts."""
        if self.cfn is None or value is None:
            return value
        return self.cfn.resolve(value, line)


def load(path: Path, document: Any, *, options: Options | None = None) -> App:
    """Read one serverless.yml (already parsed with lines) into the model."""
    path = Path(path)
    if not isinstance(document, Mapping):
        raise InputError(f"{path}: not a serverless.yml: the document is not a mapping")
    resolved, notes, resolver = resolve_document(document, path, options)
    _check_provider(path, resolved.get("provider"))
    warnings: list[str] = list(notes)
    file = str(path)
    provider = _provider(resolved.get("provider"))
    definitions = _function_definitions(resolved, file, warnings)
    template = _template(resolved.get("resources"), file, warnings)
    raw_resources = template.get("Resources")
    raw_resources = raw_resources if isinstance(raw_resources, Mapping) else {}
    stubs = _framework_resources(definitions, resolved)
    resources, cfn = _resources(template, stubs, path, resolver.region, warnings)
    svc = _Service(file=file, root=path.parent.resolve(), service=_service_name(resolved.get("service"), path),
                   stage=resolver.stage, region=resolver.region, provider=provider, raw_resources=raw_resources,
                   cfn=cfn, warnings=warnings)

    names = frozenset(definitions)
    connect_auth = _websocket_connect_auth(definitions)
    shared = _provider_role(svc)
    functions: list[Function] = []
    for name, (settings, location) in definitions.items():
        context = EventContext(file=location.file or file, function=name, provider=provider, resources=raw_resources,
                               function_names=names, websocket_connect_auth=connect_auth)
        functions.append(_function(svc, name, settings, location.line, context, shared))
        warnings.extend(context.warnings)
    resources = {**_event_resources(functions, raw_resources), **resources}
    functions = _attach_resource_triggers(svc, functions, template, stubs, path)
    functions = _mark_public_sources(svc, functions)
    functions = _share_roles(svc, functions)
    functions = _expand_managed_policies(svc, functions)
    return App(
        name=svc.service,
        source=file,
        format=FORMAT,
        root=str(svc.root),
        functions=tuple(functions),
        resources=resources,
        region=svc.region,
        warnings=tuple(warnings),
    )


# -- document shape ----------------------------------------------------------------------


def _list(value: Any) -> list[Any]:
    """A list as written, or nothing: malformed shapes are skipped, never iterated by accident."""
    return list(value) if isinstance(value, list) else []


def _where(file: str, line: int | None) -> str:
    return f"{file}:{line}" if line else file


def _check_provider(path: Path, provider: Any) -> None:
    name = provider.get("name", "aws") if isinstance(provider, Mapping) else provider
    if name is not None and str(name).lower() != "aws":
        raise InputError(f"{path}: provider '{name}' is not AWS; fnguard reads AWS Lambda apps only")


def _provider(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {"name": value or "aws"}


def _service_name(value: Any, path: Path) -> str:
    if isinstance(value, Mapping):
        value = value.get("name")
    if isinstance(value, str) and value.strip():
        return value.strip()
    return path.parent.name


def _template(value: Any, file: str, warnings: list[str]) -> dict[str, Any]:
    """``resources:`` as one CloudFormation template (it may be a list of fragments).

    Sections stay :class:`LineDict` so resources keep the line they were written on.
    """
    fragments = value if isinstance(value, list) else [value] if value is not None else []
    template: dict[str, Any] = {}
    for fragment in fragments:
        if not isinstance(fragment, Mapping):
            warnings.append(f"{_where(file, line_of(value))}: resources: entry is not a mapping; ignored")
            continue
        for section, body in fragment.items():
            if isinstance(body, Mapping):
                merged = template.get(section)
                if not isinstance(merged, LineDict):
                    merged = template[section] = LineDict()
                    merged.line = line_of(body)
                merged.update(body)
                merged.key_lines.update(getattr(body, "key_lines", {}))
            else:
                template[section] = body
    return template


def _framework_resources(definitions: Mapping[str, Any], document: Mapping[str, Any]) -> dict[str, str]:
    """Logical ids the framework creates (id → type), so ``resources:`` may refer to them."""
    ids = {
        "ServerlessDeploymentBucket": "AWS::S3::Bucket",
        DEFAULT_ROLE: "AWS::IAM::Role",
        REST_API_ID: "AWS::ApiGateway::RestApi",
        HTTP_API_ID: "AWS::ApiGatewayV2::Api",
        WEBSOCKET_API_ID: "AWS::ApiGatewayV2::Api",
    }
    for name in definitions:
        base = function_logical_id(name)[: -len("LambdaFunction")]
        ids[f"{base}LambdaFunction"] = "AWS::Lambda::Function"
        ids[f"{base}LogGroup"] = "AWS::Logs::LogGroup"
        ids[f"{base}LambdaFunctionUrl"] = "AWS::Lambda::Url"
        ids[f"{base}IamRoleLambdaExecution"] = "AWS::IAM::Role"  # serverless-iam-roles-per-function
    for settings, _line in definitions.values():
        for event in _list(settings.get("events")):
            if not isinstance(event, Mapping) or len(event) != 1:
                continue
            kind, body = next(iter(event.items()))
            if kind == "s3" and not (isinstance(body, Mapping) and body.get("existing")):
                bucket = body.get("bucket") if isinstance(body, Mapping) else body
                if isinstance(bucket, str):
                    ids["S3Bucket" + _alphanumeric(bucket)] = "AWS::S3::Bucket"
            elif kind == "sns":
                topic = body.get("topicName") if isinstance(body, Mapping) else body
                if isinstance(topic, str) and not topic.startswith("arn:"):
                    ids["SNSTopic" + _alphanumeric(topic)] = "AWS::SNS::Topic"
    layers = document.get("layers")
    if isinstance(layers, Mapping):
        for name in layers:
            normalized = str(name).replace("-", "Dash").replace("_", "Underscore")
            ids[normalized[:1].upper() + normalized[1:] + "LambdaLayer"] = "AWS::Lambda::LayerVersion"
    return ids


def _resources(template: Mapping[str, Any], stubs: Mapping[str, str], path: Path, region: str,
               warnings: list[str]) -> tuple[dict[str, Resource], Any]:
    """Resolved ``resources:`` via the CloudFormation loader, and a resolver for the rest.

    Framework-made ids are added as empty stubs so references to them resolve quietly; the
    stubs are not returned.
    """
    raw = template.get("Resources")
    raw = raw if isinstance(raw, Mapping) else {}
    full = dict(template)
    combined = LineDict({logical_id: {"Type": kind} for logical_id, kind in stubs.items() if logical_id not in raw})
    combined.update(raw)
    combined.key_lines.update(getattr(raw, "key_lines", {}))
    full["Resources"] = combined
    cfn = _IntrinsicResolver(full, path, region=region) if _IntrinsicResolver is not None else None
    if _cfn_resources is not None:
        try:
            resources, notes = _cfn_resources(full, path, region=region)
            warnings.extend(notes)
            return {k: v for k, v in resources.items() if k in raw}, cfn
        except InputError as exc:
            warnings.append(str(exc))
    resources = {}
    for logical_id, body in raw.items():
        if not isinstance(body, Mapping):
            continue
        properties = body.get("Properties")
        resources[str(logical_id)] = Resource(
            logical_id=str(logical_id), type=str(body.get("Type", "")),
            properties=properties if isinstance(properties, Mapping) else {},
            location=Location(str(path), line_of(raw, logical_id)),
        )
    return resources, cfn


def _function_definitions(
    document: Mapping[str, Any], file: str, warnings: list[str]
) -> dict[str, tuple[Mapping[str, Any], Location]]:
    """``functions:`` (a mapping, or a list of mappings from ``${file()}``) plus Lift queue workers."""
    value = document.get("functions")
    blocks = value if isinstance(value, list) else [value] if value is not None else []
    result: dict[str, tuple[Mapping[str, Any], Location]] = {}
    for block in blocks:
        if not isinstance(block, Mapping):
            warnings.append(f"{_where(file, line_of(value))}: functions: is not a mapping; ignored")
            continue
        origin = origin_of(block) or file
        for name, settings in block.items():
            line = line_of(block, name)
            if not isinstance(settings, Mapping):
                warnings.append(f"{_where(origin, line)}: function {name}: definition is not a mapping; ignored")
                continue
            result[str(name)] = (settings, Location(origin, line))
    constructs = document.get("constructs")
    if isinstance(constructs, Mapping):
        for construct_id, spec in constructs.items():
            if isinstance(spec, Mapping) and spec.get("type") == "queue" and isinstance(spec.get("worker"), Mapping):
                worker = dict(spec["worker"])
                event: dict[str, Any] = {"arn": f"construct:{construct_id}", "batchSize": spec.get("batchSize", 1)}
                if "maxBatchingWindow" in spec:
                    event["maximumBatchingWindow"] = spec["maxBatchingWindow"]
                worker["events"] = _list(worker.get("events")) + [{"sqs": event}]
                worker["_construct"] = str(construct_id)
                result[f"{construct_id}Worker"] = (worker, Location(origin_of(spec) or file, line_of(
                    spec, "worker") or line_of(constructs, construct_id)))
    return result


def _websocket_connect_auth(definitions: Mapping[str, tuple[Mapping[str, Any], Location]]) -> str | None:
    """An authorizer on ``$connect`` guards every route of the connection it accepts."""
    for settings, _line in definitions.values():
        for event in _list(settings.get("events")):
            body = event.get("websocket") if isinstance(event, Mapping) else None
            if isinstance(body, Mapping) and body.get("route") == "$connect" and body.get("authorizer"):
                return "iam" if str(body["authorizer"]).lower() == "aws_iam" else "lambda"
    return None


# -- IAM -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Role:
    """The role a set of functions runs with, as far as serverless.yml tells."""

    key: str | None
    statements: tuple[Statement, ...] = ()
    managed: tuple[str, ...] = ()
    known: bool = True
    """False for a role made outside this app: its permissions cannot be read here."""


def _provider_role(svc: _Service) -> _Role:
    """The shared role: the framework's own (statements known) or an external one (unknown)."""
    provider = svc.provider
    iam = mapping(provider.get("iam"))
    role = iam.get("role")
    external: Any = provider.get("role")
    if isinstance(role, str) or isinstance(role, Mapping) and any(k == "Ref" or k.startswith("Fn::") for k in role):
        external = role
    if external is not None:
        line = line_of(iam, "role") if isinstance(iam, Mapping) and "role" in iam else line_of(provider, "role")
        return _external_role(svc, external, line, "provider")
    statements: list[Statement] = []
    if isinstance(role, Mapping) and role.get("statements") is not None:
        statements += _statements(svc, role["statements"], "inline:provider.iam.role.statements",
                                  line_of(role, "statements"))
    if provider.get("iamRoleStatements") is not None:
        statements += _statements(svc, provider["iamRoleStatements"], "inline:provider.iamRoleStatements",
                                  line_of(provider, "iamRoleStatements"))
    managed: list[str] = []
    for owner, key in ((role if isinstance(role, Mapping) else {}, "managedPolicies"), (provider, "iamManagedPolicies")):
        value = owner.get(key)
        if isinstance(value, list):
            for item in value:
                if item is not None:
                    managed.append(_arn_text(svc, item))
                    svc.declared_at.setdefault(managed[-1], Location(origin_of(owner) or svc.file, line_of(owner, key)))
    statements += _attached_policies(svc, DEFAULT_ROLE)
    return _Role(DEFAULT_ROLE, tuple(statements), tuple(managed))


def _external_role(svc: _Service, value: Any, line: int | None, owner: str, file: str | None = None) -> _Role:
    """``role:`` naming a role of ``resources:`` (statements read) or one made elsewhere (unknown)."""
    logical_id = _role_logical_id(value, svc.raw_resources)
    if logical_id is not None:
        body = svc.raw_resources[logical_id]
        properties = body.get("Properties") if isinstance(body, Mapping) else None
        properties = properties if isinstance(properties, Mapping) else {}
        statements: list[Statement] = []
        for policy in _list(properties.get("Policies")):
            if isinstance(policy, Mapping) and isinstance(policy.get("PolicyDocument"), Mapping):
                name = source_text(policy.get("PolicyName")) or logical_id
                statements += _document_statements(svc, policy["PolicyDocument"], f"inline:{name}", line_of(policy))
        statements += _attached_policies(svc, logical_id)
        managed = tuple(_arn_text(svc, item) for item in _list(properties.get("ManagedPolicyArns")))
        for arn in managed:
            svc.declared_at.setdefault(arn, Location(svc.file, line_of(svc.raw_resources, logical_id)))
        return _Role(logical_id, tuple(statements), managed)
    text = source_text(value) or str(value)
    where = _where(file or svc.file, line)
    svc.warnings.append(f"{where}: {owner} uses role {text} defined outside this app; "
                        "its permissions are unknown")
    return _Role(text, known=False)


def _role_logical_id(value: Any, resources: Mapping[str, Any]) -> str | None:
    candidate = _logical_id(value) if isinstance(value, Mapping) else value
    if isinstance(candidate, str) and candidate in resources:
        body = resources[candidate]
        if isinstance(body, Mapping) and body.get("Type") == "AWS::IAM::Role":
            return candidate
    return None


def _attached_policies(svc: _Service, role_id: str) -> list[Statement]:
    """AWS::IAM::Policy / ManagedPolicy resources that attach to ``role_id`` by Ref or name."""
    statements: list[Statement] = []
    for logical_id, body in svc.raw_resources.items():
        if not isinstance(body, Mapping) or body.get("Type") not in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            continue
        properties = mapping(body.get("Properties"))
        roles = _list(properties.get("Roles"))
        if any((r.get("Ref") if isinstance(r, Mapping) else r) == role_id for r in roles):
            document = properties.get("PolicyDocument")
            if isinstance(document, Mapping):
                statements += _document_statements(svc, document, f"inline:{logical_id}",
                                                   line_of(svc.raw_resources, logical_id))
    return statements


def _statements(svc: _Service, value: Any, source: str, line: int | None) -> list[Statement]:
    file = origin_of(value) or svc.file
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, list):
        svc.warnings.append(f"{_where(file, line)}: {source.split(':', 1)[1]} is not a list; ignored")
        return []
    result: list[Statement] = []
    for item in value:
        result += _document_statements(svc, {"Statement": [item]}, source, line_of(item) or line, file)
    return result


def _document_statements(svc: _Service, document: Mapping[str, Any], source: str, line: int | None,
                         file: str | None = None) -> list[Statement]:
    """Policy document → statements; pseudo parameters resolved, resource references kept."""
    resolved = svc.intrinsics(document, line)
    location = Location(file or origin_of(document) or svc.file, line)
    if _cfn_statements is not None:
        return list(_cfn_statements(resolved, source, location))
    raw = resolved.get("Statement") if isinstance(resolved, Mapping) else None
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, Mapping) else []
    return [
        Statement(
            effect=str(item.get("Effect", "Allow")),
            actions=_tuple(item.get("Action")),
            not_actions=_tuple(item.get("NotAction")),
            resources=_tuple(item.get("Resource")),
            not_resources=_tuple(item.get("NotResource")),
            conditions=dict(item.get("Condition") or {}),
            source=source,
            location=location,
        )
        for item in items
        if isinstance(item, Mapping)
    ]


def _tuple(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list) else (value,)


def _arn_text(svc: _Service, value: Any) -> str:
    """A managed-policy ARN, with ``Fn::Join``/``Fn::Sub`` over ``AWS::Partition`` resolved."""
    resolved = svc.intrinsics(value)
    if isinstance(resolved, str):
        return resolved
    return _intrinsic_text(resolved)


def _intrinsic_text(value: Any) -> str:
    if _to_text is not None:
        return _to_text(value)
    return source_text(value) or str(value)


def _log_statements(svc: _Service) -> list[Statement]:
    """The log-writing grant the framework puts on every role it makes (one copy per app)."""
    if not svc.log_statements:
        location = Location(svc.file, line_of(svc.provider, "name") if isinstance(svc.provider, LineDict) else None)
        group = f"arn:aws:logs:{svc.region}:{ACCOUNT_ID}:log-group:/aws/lambda/{svc.service}-{svc.stage}*"
        svc.log_statements.extend([
            Statement(actions=("logs:CreateLogStream", "logs:CreateLogGroup", "logs:TagResource"),
                      resources=(f"{group}:*",), source="framework:logs", location=location),
            Statement(actions=("logs:PutLogEvents",), resources=(f"{group}:*:*",), source="framework:logs",
                      location=location),
        ])
    return list(svc.log_statements)


def _grant_items(svc: _Service, settings: Mapping[str, Any], triggers: list[Trigger]
                 ) -> list[tuple[str, str, Location]]:
    """(kind, resource, where) of what the framework lets a function's role reach for its events.

    Queues and streams it polls; dead-letter targets (``onError``) and destinations it sends to.
    """
    items: list[tuple[str, str, Location]] = []
    for trigger in triggers:
        arn = trigger.config.get("arn") if trigger.config else None
        if trigger.type in _POLLING_ACTIONS and arn is not None and not str(arn).startswith("construct:"):
            items.append((trigger.type, _intrinsic_text(svc.intrinsics(arn)), trigger.location))
        target = (trigger.batch or {}).get("on_failure") if trigger.type in ("dynamodb", "kinesis") else None
        kind = _destination_kind(target, None)
        if kind is not None:
            items.append((kind, _intrinsic_text(svc.intrinsics(target)), trigger.location))
    location = Location(svc.file, line_of(settings))
    targets: list[tuple[Any, Any]] = [(settings.get("onError"), None)]
    destinations = mapping(settings.get("destinations"))
    for key in ("onSuccess", "onFailure"):
        value = destinations.get(key)
        targets.append((value.get("arn"), value.get("type")) if isinstance(value, Mapping) else (value, None))
    for target, declared in targets:
        kind = _destination_kind(target, declared)
        if kind == "send:lambda" and isinstance(target, str) and not target.startswith("arn:"):
            target = "${" + function_logical_id(target) + ".Arn}"  # a function of this service, by name
        if kind is not None:
            items.append((kind, _intrinsic_text(svc.intrinsics(target)), location))
    return items


def _destination_kind(target: Any, declared: Any) -> str | None:
    """``send:sqs``/``send:sns``/``send:lambda``/``send:events`` for a DLQ or destination target."""
    if target is None:
        return None
    if isinstance(declared, str) and declared.lower() in ("sqs", "sns", "function", "eventbus"):
        return {"function": "send:lambda", "eventbus": "send:events"}.get(declared.lower(), f"send:{declared.lower()}")
    text = _intrinsic_text(target)
    for marker, kind in ((":sqs:", "send:sqs"), (":sns:", "send:sns"), (":lambda:", "send:lambda"),
                         (":events:", "send:events")):
        if marker in text:
            return kind
    return "send:lambda" if isinstance(target, str) and not target.startswith("arn:") else None


def _event_grants(items: list[tuple[str, str, Location]]) -> list[Statement]:
    """One statement per kind listing every resource, as the framework writes them on a role."""
    resources: dict[str, dict[str, None]] = {}
    locations: dict[str, Location] = {}
    for kind, resource, location in items:
        resources.setdefault(kind, {})[resource] = None
        locations.setdefault(kind, location)
    return [Statement(actions=_GRANT_ACTIONS[kind], resources=tuple(found),
                      source=f"framework:{kind.split(':', 1)[0] if kind.startswith('send:') else kind}",
                      location=locations[kind]) for kind, found in resources.items()]


# -- functions -----------------------------------------------------------------------------


def _function(svc: _Service, name: str, settings: Mapping[str, Any], line: int | None, context: EventContext,
              shared: _Role) -> Function:
    provider = svc.provider
    runtime = source_text(settings.get("runtime") or provider.get("runtime"))
    handler = source_text(settings.get("handler"))
    if handler is None and settings.get("image") is None:
        context.warn(line, "no handler and no image")
    module = settings.get("module")
    code_dir = (svc.root / module).resolve() if isinstance(module, str) and module else svc.root
    found = handler_file(code_dir, handler, runtime) if handler else None
    environment: dict[str, Any] = {}
    for block in (provider.get("environment"), settings.get("environment")):
        if isinstance(block, Mapping):
            environment.update(block)
    resolved_environment = svc.intrinsics(environment, line_of(settings, "environment") or line)
    triggers = read_events(settings.get("events"), context)
    url = _url(settings.get("url"), name, context.file, line_of(settings, "url") or line)
    if url is not None:
        triggers.append(url[1])
    role, statements, managed = _function_role(svc, name, settings, context, shared, triggers, line)
    vpc = settings.get("vpc") if "vpc" in settings else provider.get("vpc")
    has_vpc = isinstance(vpc, Mapping) and bool(vpc.get("subnetIds") or vpc.get("securityGroupIds"))
    if has_vpc and (role == DEFAULT_ROLE or "iamRoleStatements" in settings) and VPC_POLICY not in managed:
        managed = managed + [VPC_POLICY]
        vpc_owner = settings if "vpc" in settings else provider
        svc.declared_at.setdefault(VPC_POLICY, Location(context.file if vpc_owner is settings else svc.file,
                                                        line_of(vpc_owner, "vpc")))
    properties = {k: v for k, v in settings.items() if k != "_construct"}
    if "_construct" in settings:
        properties["construct"] = settings["_construct"]
    properties["logical_id"] = function_logical_id(name)
    properties.setdefault("FunctionName", settings.get("name") or f"{svc.service}-{svc.stage}-{name}")
    return Function(
        name=name,
        runtime=runtime,
        handler=handler,
        code_dir=str(code_dir),
        handler_file=str(found) if found else None,
        memory=_int(settings.get("memorySize", provider.get("memorySize")), DEFAULT_MEMORY, "memorySize", context, line),
        timeout=_int(settings.get("timeout", provider.get("timeout")), DEFAULT_TIMEOUT, "timeout", context, line),
        reserved_concurrency=_optional_int(settings.get("reservedConcurrency")),
        architecture=str(settings.get("architecture") or provider.get("architecture") or "x86_64"),
        environment=resolved_environment if isinstance(resolved_environment, Mapping) else environment,
        role=role,
        statements=tuple(statements),
        managed_policies=tuple(managed),
        layers=tuple(_intrinsic_text(layer) for layer in _list(settings.get("layers") or provider.get("layers"))),
        tracing=_tracing(settings.get("tracing"), provider.get("tracing")),
        dead_letter=_optional_text(settings.get("onError")),
        on_failure=_on_failure(settings.get("destinations")),
        url=url[0] if url else None,
        vpc=has_vpc,
        triggers=tuple(triggers),
        properties=properties,
        location=Location(context.file, line),
    )


def _function_role(svc: _Service, name: str, settings: Mapping[str, Any], context: EventContext, shared: _Role,
                   triggers: list[Trigger], line: int | None) -> tuple[str | None, list[Statement], list[str]]:
    """Which role runs the function and what it grants.

    ``role:`` wins; then per-function ``iamRoleStatements`` (a role of its own made by the plugin,
    with the provider's statements too when ``iamRoleStatementsInherit``); else the shared role.
    """
    if settings.get("role") is not None:
        own = _external_role(svc, settings["role"], line_of(settings, "role"), f"function {name}", context.file)
        return own.key, list(own.statements), list(own.managed)
    framework = _log_statements(svc)
    svc.grant_items[name] = _grant_items(svc, settings, triggers)
    if settings.get("iamRoleStatements") is not None:
        framework += _event_grants(svc.grant_items[name])
        statements = _statements(svc, settings["iamRoleStatements"], f"inline:functions.{name}.iamRoleStatements",
                                 line_of(settings, "iamRoleStatements"))
        managed: list[str] = []
        if settings.get("iamRoleStatementsInherit") and shared.known:
            statements = list(shared.statements) + statements
            managed = list(shared.managed)
        return None, framework + statements, managed
    if shared.key != DEFAULT_ROLE:  # a role the user wrote: the framework adds nothing to it
        return shared.key, list(shared.statements), list(shared.managed)
    return shared.key, framework + list(shared.statements), list(shared.managed)


def _share_roles(svc: _Service, functions: list[Function]) -> list[Function]:
    """Functions on one role each see the others: a flaw in one is a flaw in all.

    The framework's shared role also carries every function's queue and stream grants (and the
    VPC access policy when any function is in a VPC), so each function on it gets all of them.
    """
    by_role: dict[str, list[Function]] = {}
    for function in functions:
        if function.role is not None:
            by_role.setdefault(function.role, []).append(function)
    names = {role: tuple(f.name for f in peers) for role, peers in by_role.items()}
    shared = by_role.get(DEFAULT_ROLE, [])
    polling = tuple(_event_grants([item for f in shared for item in svc.grant_items.get(f.name, [])]))
    vpc = any(VPC_POLICY in f.managed_policies for f in shared)
    result = []
    for function in functions:
        if function.role is None:
            result.append(function)
            continue
        peers = names[function.role]
        changes: dict[str, Any] = {}
        if len(peers) > 1:
            index = peers.index(function.name)  # slicing: 1,000 functions on one role stay fast
            changes["role_shared_with"] = peers[:index] + peers[index + 1:]
        if function.role == DEFAULT_ROLE:
            changes["statements"] = function.statements + polling
            if vpc and VPC_POLICY not in function.managed_policies:
                changes["managed_policies"] = function.managed_policies + (VPC_POLICY,)
        result.append(replace(function, **changes) if changes else function)
    return result


def _expand_managed_policies(svc: _Service, functions: list[Function]) -> list[Function]:
    """AWS managed policies as their real statements (``managed:<arn>``), as the CloudFormation loader does.

    An ARN fnguard does not ship stays listed with a warning: the function's grants are then
    known to be incomplete.
    """
    if _managed_lookup is None:
        return functions
    expanded: dict[str, tuple[Statement, ...]] = {}
    result = []
    for function in functions:
        present = {s.source for s in function.statements}
        extra: list[Statement] = []
        for arn in function.managed_policies:
            if f"managed:{arn}" in present:
                continue
            if arn not in expanded:
                found = _managed_lookup(arn)
                location = svc.declared_at.get(arn, function.location)
                if found is None:
                    svc.warnings.append(f"{_where(location.file or svc.file, location.line)}: managed policy {arn} "
                                        "is not known to fnguard: its permissions are not analysed")
                expanded[arn] = tuple(replace(s, location=location) for s in found or ())
            extra.extend(expanded[arn])
        result.append(replace(function, statements=function.statements + tuple(extra)) if extra else function)
    return result


def _url(value: Any, name: str, file: str, line: int | None) -> tuple[dict[str, Any], Trigger] | None:
    """``url: true`` is an unauthenticated public endpoint; ``authorizer: aws_iam`` needs SigV4."""
    if not value:
        return None
    settings = value if isinstance(value, Mapping) else {}
    auth = "iam" if str(settings.get("authorizer", "")).lower() == "aws_iam" else "none"
    url = {"auth": auth, "cors": settings.get("cors"), "invoke_mode": str(settings.get("invokeMode", "BUFFERED"))}
    source = function_logical_id(name) + "Url"  # the framework's AWS::Lambda::Url logical id
    trigger = Trigger(type="url", source=source, public=auth == "none", auth=auth,
                      config={"cors": url["cors"], "invoke_mode": url["invoke_mode"]}, location=Location(file, line))
    return url, trigger


def _tracing(function_value: Any, provider_value: Any) -> str | None:
    value = function_value
    if value is None and isinstance(provider_value, Mapping):
        value = provider_value.get("lambda")
    if value is True:
        return "Active"
    if isinstance(value, str) and value:
        return "Active" if value.lower() in ("active", "true") else value
    return None


def _on_failure(value: Any) -> str | None:
    if not isinstance(value, Mapping) or value.get("onFailure") is None:
        return None
    target = value["onFailure"]
    if isinstance(target, Mapping):
        return _optional_text(target.get("arn") or target.get("type"))
    return _optional_text(target)


def _optional_text(value: Any) -> str | None:
    return None if value is None else _intrinsic_text(value)


def _int(value: Any, default: int, name: str, context: EventContext, line: int | None) -> int:
    if value is None:
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        context.warn(line, f"{name} '{value}' is not a number; using the default {default}")
        return default


def _optional_int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


# -- resources: that point at our functions ---------------------------------------------------


def _event_resources(functions: list[Function], raw: Mapping[str, Any]) -> dict[str, Resource]:
    """Buckets and topics the framework creates for ``s3``/``sns`` events, as it names them.

    Policies in ``resources:`` refer to them (``Ref: S3BucketPhotos``), so analyses must find
    them among the app's resources; a bucket already declared by name in ``resources:`` wins.
    """
    declared = {body.get("Properties", {}).get(key) for body in raw.values() if isinstance(body, Mapping)
                and isinstance(body.get("Properties"), Mapping) for key in ("BucketName", "TopicName")}
    made: dict[str, Resource] = {}
    for function in functions:
        for trigger in function.triggers:
            name = trigger.source
            if not isinstance(name, str) or name in declared or name.startswith("arn:"):
                continue
            if trigger.type == "s3" and not trigger.config.get("existing"):
                made.setdefault("S3Bucket" + _alphanumeric(name), Resource(
                    "S3Bucket" + _alphanumeric(name), "AWS::S3::Bucket", {"BucketName": name}, trigger.location))
            elif trigger.type == "sns" and "subscription" not in trigger.config and name not in raw:
                made.setdefault("SNSTopic" + _alphanumeric(name), Resource(
                    "SNSTopic" + _alphanumeric(name), "AWS::SNS::Topic", {"TopicName": name}, trigger.location))
    return made


def _attach_resource_triggers(svc: _Service, functions: list[Function], template: Mapping[str, Any],
                              stubs: Mapping[str, str], path: Path) -> list[Function]:
    """Triggers that ``resources:`` declares for our functions, read by the CloudFormation loader.

    Permissions, event-source mappings, bucket notifications, subscriptions, rules, URLs and API
    methods written as CloudFormation name a function by the framework's logical id
    (``HelloLambdaFunction``) or deploy name. Each function is given to the CloudFormation loader
    as an ``AWS::Lambda::Function`` stub under that id, so both formats map resources one way.
    """
    raw = template.get("Resources")
    if not isinstance(raw, Mapping) or not raw or _cfn_load is None:
        return functions
    by_id = {function_logical_id(f.name): f for f in functions}
    resources = LineDict({lid: {"Type": kind} for lid, kind in stubs.items() if lid not in raw})
    for logical_id, function in by_id.items():
        resources[logical_id] = {"Type": "AWS::Lambda::Function", "Properties": {
            "FunctionName": function.properties.get("FunctionName"), "Handler": function.handler or "none.none",
            "Runtime": function.runtime or "provided"}}
    resources.update(raw)
    resources.key_lines.update(getattr(raw, "key_lines", {}))
    synthetic = LineDict({**template, "Resources": resources})
    try:
        app = _cfn_load(path, synthetic)
    except Exception as exc:  # noqa: BLE001 - a fault there must not stop the serverless.yml reading
        svc.warnings.append(f"{svc.file}: triggers declared in resources: were not read ({type(exc).__name__}: {exc})")
        return functions
    extra = {f.name: f.triggers for f in app.functions if f.name in by_id and f.triggers}
    return [replace(f, triggers=f.triggers + tuple(extra[lid])) if (lid := function_logical_id(f.name)) in extra
            else f for f in functions]


_POLICY_TARGETS = {"AWS::S3::BucketPolicy": "Bucket", "AWS::SNS::TopicPolicy": "Topics", "AWS::SQS::QueuePolicy": "Queues"}
_PUBLIC_WRITE = frozenset({"*", "s3:*", "s3:PutObject", "sns:*", "sns:Publish", "sqs:*", "sqs:SendMessage"})


def _mark_public_sources(svc: _Service, functions: list[Function]) -> list[Function]:
    """s3/sns/sqs triggers whose bucket, topic or queue anyone may write to are public entry points.

    Same rule as the CloudFormation loader: a resource policy with an unconditional Allow to
    ``*`` for a writing action, or a bucket with the ``PublicReadWrite`` ACL.
    """
    public: set[str] = set()
    names: dict[str, str] = {}
    for logical_id, body in svc.raw_resources.items():
        if not isinstance(body, Mapping):
            continue
        properties = mapping(body.get("Properties"))
        for name_key in ("BucketName", "TopicName", "QueueName"):
            if isinstance(properties.get(name_key), str):
                names[properties[name_key]] = str(logical_id)
        if body.get("Type") == "AWS::S3::Bucket" and properties.get("AccessControl") == "PublicReadWrite":
            public.add(str(logical_id))
        target_key = _POLICY_TARGETS.get(str(body.get("Type")))
        if target_key is None or not _anyone_may_write(properties.get("PolicyDocument")):
            continue
        targets = properties.get(target_key)
        for target in targets if isinstance(targets, list) else [targets]:
            found = _logical_id(target) if isinstance(target, Mapping) else names.get(str(target), str(target))
            if found:
                public.add(found)
    if not public:
        return functions

    def is_public(trigger: Trigger) -> bool:
        source = trigger.source or ""
        candidates = {source, names.get(source, ""), names.get(source.rsplit(":", 1)[-1], "")}
        if trigger.type == "s3":
            candidates.add("S3Bucket" + _alphanumeric(source))
        return bool(candidates & public)

    result = []
    for function in functions:
        triggers = tuple(replace(t, public=True) if t.type in ("s3", "sns", "sqs") and not t.public and is_public(t)
                         else t for t in function.triggers)
        result.append(replace(function, triggers=triggers))
    return result


def _anyone_may_write(document: Any) -> bool:
    raw = document.get("Statement") if isinstance(document, Mapping) else None
    for item in raw if isinstance(raw, list) else [raw]:
        if not isinstance(item, Mapping) or item.get("Effect") != "Allow" or item.get("Condition"):
            continue
        principal = item.get("Principal")
        anyone = principal == "*" or isinstance(principal, Mapping) and principal.get("AWS") in ("*", ["*"])
        actions = item.get("Action")
        if anyone and any(a in _PUBLIC_WRITE for a in (actions if isinstance(actions, list) else [actions])):
            return True
    return False


def _alphanumeric(name: str) -> str:
    """The framework's ``normalizeNameToAlphaNumericOnly`` (bucket ``my-photos`` → ``Myphotos``)."""
    cleaned = "".join(char for char in name if char.isalnum())
    return cleaned[:1].upper() + cleaned[1:]


def _logical_id(reference: Any) -> str | None:
    if isinstance(reference, Mapping):
        if isinstance(reference.get("Ref"), str):
            return reference["Ref"]
        inner = reference.get("Fn::GetAtt")
        if isinstance(inner, list) and inner:
            return str(inner[0])
        if isinstance(inner, str):
            return inner.split(".", 1)[0]
    return None
