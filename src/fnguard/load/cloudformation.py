"""AWS CloudFormation (and SAM, once expanded) to the application model.

SAM templates are expanded by :mod:`fnguard.load.sam` with the official translator first, so
one mapping serves both formats; findings still point at lines of the template as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from fnguard.iam.managed import arn_for_name, lookup, statements_from_policy_document
from fnguard.load.apigateway import HttpApis, RestApis, rest_endpoint
from fnguard.load.event_sources import BATCH_KEYS, DEFAULT_BATCH, TRIGGER_READERS
from fnguard.load.handlers import handler_file
from fnguard.load.intrinsics import (
    Resolver,
    expand_for_each,
    items,
    json_document,
    mapping,
    nested,
    nested_text,
    parameter_defaults,
    text_or_none,
    to_text,
)
from fnguard.load.sam import (
    PLACEHOLDER_BUCKET,
    DeployConfig,
    Expansion,
    deploy_config,
    expand,
    is_sam,
    origin_line,
    policy_templates,
)
from fnguard.load.yamlsource import line_of, load_document
from fnguard.model import App, Function, InputError, Location, Resource, Statement, Trigger

__all__ = ["load", "resources_from_template", "statements_from_policy_document"]


def resources_from_template(
    template: Mapping[str, Any],
    path: Path,
    *,
    parameters: Mapping[str, Any] | None = None,
    region: str = "us-east-1",
) -> tuple[dict[str, Resource], list[str]]:
    """Every resource of a CloudFormation fragment, resolved, with its line; and the warnings.

    For loaders that embed CloudFormation (serverless.yml ``resources:``): ``template`` is a
    mapping with ``Resources`` (and optionally ``Conditions``, ``Mappings``, ``Parameters``);
    ``parameters`` are known values that win over parameter defaults. Resources whose
    ``Condition`` is false are left out; intrinsics that name resources stay intrinsic dicts.
    """
    resolver = Resolver(template, path, parameters=parameters, region=region)
    raw = template.get("Resources")
    if not isinstance(raw, Mapping):
        return {}, [f"{path}: Resources is not a mapping"] if raw is not None else []
    found = _resolve_resources(raw, resolver, str(path), lambda lid: line_of(raw, lid))
    return found, resolver.warnings


def _resolve_resources(
    raw: Mapping[str, Any], resolver: Resolver, file: str, line: Callable[[str], int | None]
) -> dict[str, Resource]:
    """Resolved resources; those whose Condition is false are left out, untyped ones warned of."""
    found: dict[str, Resource] = {}
    for key, body in raw.items():
        lid = str(key)
        if not isinstance(body, Mapping) or not isinstance(body.get("Type"), str):
            resolver.warn(f"resource {lid} has no Type: skipped", line(lid))
            continue
        condition = _condition_name(body.get("Condition"), resolver)
        if condition is not None and resolver.condition(condition, line(lid)) is False:
            continue
        properties = resolver.resolve(body.get("Properties") or {}, line(lid))
        found[lid] = Resource(lid, body["Type"], properties if isinstance(properties, dict) else {},
                              Location(file, line(lid)))
    return found


# -- entry point ----------------------------------------------------------------------------

DEFAULT_REGION = "us-east-1"
_FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")


_MAX_NESTING = 3


def load(
    path: Path,
    document: Any,
    *,
    parameters: Mapping[str, Any] | None = None,
    region: str | None = None,
    _depth: int = 0,
) -> App:
    """Read a SAM or CloudFormation template already parsed from ``path``.

    ``parameters`` override parameter defaults (a parent stack passes its ``Parameters``), as
    ``region`` does the region; else ``samconfig.toml`` beside the template gives both.
    Nested stacks and SAM applications whose template is a local file are read too; their
    functions and resources are named ``<StackLogicalId>/<Name>``.
    """
    _check(path, document)
    document, warnings = expand_for_each(document, path)
    expansion: Expansion | None = None
    template: Mapping[str, Any] = document
    deployed = deploy_config(path.resolve().parent) if _depth == 0 else DeployConfig()
    region = region or deployed.region or DEFAULT_REGION
    parameters = {**deployed.parameters, **(parameters or {})}
    sam = is_sam(document)
    if sam:
        defaults = Resolver(document, path, parameters=parameters, region=region, stack_name=deployed.stack_name)
        expansion = expand(path, document, defaults.parameters, region)
        warnings.extend(expansion.warnings)
        template = expansion.template
        if not isinstance(template.get("Resources"), Mapping):
            raise InputError(f"{path}: SAM translation produced no Resources")
    mapper = Mapper(path, document, template, expansion, region, parameters, deployed.stack_name)
    functions = mapper.functions()
    resources = mapper.other_resources()
    stacks = mapper.nested_stacks()
    warnings.extend(mapper.warnings())
    for lid, nested_path, nested_parameters in stacks:
        if _depth >= _MAX_NESTING:
            warnings.append(f"{path}: nested stack {lid} not read: more than {_MAX_NESTING} levels deep")
            continue
        try:
            child = load(nested_path, load_document(nested_path), parameters=nested_parameters, region=region,
                         _depth=_depth + 1)
        except InputError as error:
            warnings.append(f"{path}: nested stack {lid} not read: {error}")
            continue
        functions += [replace(f, name=f"{lid}/{f.name}", role_shared_with=tuple(
            f"{lid}/{other}" for other in f.role_shared_with)) for f in child.functions]
        resources.update({f"{lid}/{key}": value for key, value in child.resources.items()})
        warnings.extend(child.warnings)
    defaults = parameter_defaults(document, include_ssm=True)
    return App(
        name=path.resolve().parent.name or path.stem,
        source=str(path),
        format="sam" if sam else "cloudformation",
        root=str(path.resolve().parent),
        functions=tuple(functions),
        resources=resources,
        parameters={**defaults, **parameters},
        region=region,
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _check(path: Path, document: Any) -> None:
    """Refuse what is not a CloudFormation template, with one line naming the file."""
    if not isinstance(document, Mapping):
        raise InputError(f"{path}: not a CloudFormation template: the document is not a mapping")
    if "Resources" not in document:
        raise InputError(f"{path}: not a CloudFormation template: no Resources section")
    resources = document["Resources"]
    if not isinstance(resources, Mapping):
        raise InputError(f"{path}: Resources is not a mapping (found {type(resources).__name__})")
    types = [body.get("Type") for body in resources.values() if isinstance(body, Mapping)]
    if types and not any(isinstance(t, str) and "::" in t for t in types):
        raise InputError(f"{path}: not an AWS template: no resource has an AWS type such as AWS::S3::Bucket")


# -- the mapping ----------------------------------------------------------------------------

_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")
_FUNCTION_ARN = re.compile(r":function:([A-Za-z0-9_-]+|\$\{[A-Za-z0-9:.]+\})")
_SOURCE_KINDS = (
    ("AWS::SQS::Queue", ":sqs:", "sqs"),
    ("AWS::Kinesis::Stream", ":kinesis:", "kinesis"),
    ("AWS::DynamoDB::Table", ":dynamodb:", "dynamodb"),
    ("AWS::DynamoDB::GlobalTable", "dynamodb", "dynamodb"),
    ("AWS::MSK::Cluster", ":kafka:", "kafka"),
    ("AWS::MSK::ServerlessCluster", ":kafka:", "kafka"),
    ("AWS::AmazonMQ::Broker", ":mq:", "mq"),
)
# Service principal → trigger types it stands for (the first is used for a trigger made from it).
_PRINCIPAL_TRIGGERS = {
    "apigateway.amazonaws.com": ("http", "httpApi", "websocket"),
    "s3.amazonaws.com": ("s3",),
    "sns.amazonaws.com": ("sns",),
    "events.amazonaws.com": ("eventBridge", "schedule"),
    "logs.amazonaws.com": ("cloudwatchLog",),
    "iot.amazonaws.com": ("iot",),
    "cognito-idp.amazonaws.com": ("cognito",),
    "elasticloadbalancing.amazonaws.com": ("alb",),
    "ses.amazonaws.com": ("other",),
    "secretsmanager.amazonaws.com": ("other",),
    "lex.amazonaws.com": ("other",),
    "connect.amazonaws.com": ("other",),
    "config.amazonaws.com": ("other",),
}
# Managed policies the SAM translator attaches to a function's role for its event sources.
_EVENT_POLICIES = {
    "SQS": "service-role/AWSLambdaSQSQueueExecutionRole",
    "Kinesis": "service-role/AWSLambdaKinesisExecutionRole",
    "DynamoDB": "service-role/AWSLambdaDynamoDBExecutionRole",
    "MSK": "service-role/AWSLambdaMSKExecutionRole",
}
_PUBLIC_WRITE = ("*", "s3:*", "s3:PutObject", "sns:*", "sns:Publish", "sqs:*", "sqs:SendMessage", "events:*",
                 "events:PutEvents")


class Mapper:
    """One template's resources, resolved, and the functions read from them."""

    def __init__(
        self,
        path: Path,
        original: Mapping[str, Any],
        template: Mapping[str, Any],
        expansion: Expansion | None,
        region: str,
        parameters: Mapping[str, Any] | None = None,
        stack_name: str | None = None,
    ) -> None:
        self.path = path
        self.file = str(path)
        self.original = original
        self.template = template
        self.expansion = expansion
        known = set(template["Resources"])
        if expansion is not None:  # the original's ids too (SAM ids such as ``Fn.Alias``)
            for lid, body in mapping(nested(original, "Resources")).items():
                known.add(lid)
                kind = body.get("Type") if isinstance(body, Mapping) else None
                if kind == "AWS::Serverless::Function":
                    known.update((f"{lid}.Alias", f"{lid}.Version"))
                elif kind in ("AWS::Serverless::Api", "AWS::Serverless::HttpApi"):
                    known.update((f"{lid}.Stage", f"{lid}.Deployment", f"{lid}.DomainName"))
        self.resolver = Resolver(template, path, parameters=parameters, region=region, resource_ids=known,
                                 stack_name=stack_name)
        self._origins: dict[str, tuple[str | None, int | None]] = {}
        self._warnings: list[str] = []
        self.res = _resolve_resources(template["Resources"], self.resolver, self.file, self.line)
        self.function_ids = [lid for lid, r in self.res.items() if r.type in _FUNCTION_TYPES]
        self._policies = [lid for lid, r in self.res.items()
                          if r.type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")]
        self._names = self._function_names()
        self.triggers: dict[str, list[Trigger]] = {lid: [] for lid in self.function_ids}
        self.on_failure: dict[str, str] = {}
        self.urls: dict[str, dict[str, Any]] = {}
        self._permissions: dict[str, list[str]] | None = None
        self.public_sources = self._public_sources()

    # -- small helpers ------------------------------------------------------------------------

    def _warn(self, message: str, line: int | None = None) -> None:
        self._warnings.append(f"{self.file}:{line}: {message}" if line else f"{self.file}: {message}")

    def warnings(self) -> list[str]:
        return self.resolver.warnings + self._warnings

    def _origin(self, lid: str) -> tuple[str | None, int | None]:
        if lid not in self._origins:
            resources = self.original.get("Resources")
            if isinstance(resources, Mapping) and lid in resources:
                self._origins[lid] = (lid, line_of(resources, lid))
            elif self.expansion is not None:
                self._origins[lid] = origin_line(self.original, lid)
            else:
                self._origins[lid] = (lid, None)
        return self._origins[lid]

    def line(self, lid: str) -> int | None:
        """Line of a resource in the template as written (generated SAM ones: their source's)."""
        return self._origin(lid)[1]

    def owner(self, lid: str) -> str:
        """The resource of the template as written that ``lid`` comes from."""
        return self._origin(lid)[0] or lid

    def ref(self, value: Any) -> str | None:
        """The logical id a value points at (``Ref``, ``GetAtt``, or the first ``${X}`` of a Sub)."""
        if isinstance(value, Mapping) and len(value) == 1:
            key, argument = next(iter(value.items()))
            if key == "Ref" and isinstance(argument, str):
                return argument if argument in self.res else None
            if key == "Fn::GetAtt" and isinstance(argument, list) and argument:
                return argument[0] if isinstance(argument[0], str) and argument[0] in self.res else None
            if key == "Fn::Sub":
                text = argument[0] if isinstance(argument, list) and argument else argument
                for name in _SUB_NAME.findall(text if isinstance(text, str) else ""):
                    if name in self.res:
                        return name
            if key == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
                for part in argument[1] if isinstance(argument[1], list) else []:
                    found = self.ref(part)
                    if found:
                        return found
        return None

    def _function_names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        for lid in self.function_ids:
            name = self.res[lid].properties.get("FunctionName")
            if isinstance(name, str):
                names[name] = lid
            elif isinstance(name, Mapping):  # a parameter without default: ARNs say ``${Param}``
                names[to_text(name)] = lid
        return names

    def fn(self, value: Any, depth: int = 0) -> str | None:
        """The function a value (Ref, GetAtt Arn, ARN string, alias or version) designates."""
        if depth > 5 or value is None:
            return None
        if isinstance(value, str):
            return self._fn_from_text(value)
        if not isinstance(value, Mapping) or len(value) != 1:
            return None
        key, argument = next(iter(value.items()))
        if key == "Fn::If" and isinstance(argument, list) and len(argument) == 3:
            return self.fn(argument[1], depth + 1) or self.fn(argument[2], depth + 1)
        if key == "Fn::Sub":
            text = to_text(value)
            candidates = [name for name in _SUB_NAME.findall(text) if name in self.res]
        else:
            target = self.ref(value)
            candidates = [target] if target else []
        for target in candidates:
            if target in self.triggers:
                return target
            resource = self.res[target]
            if resource.type in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
                found = self.fn(resource.properties.get("FunctionName"), depth + 1)
                if found:
                    return found
        return self._fn_from_text(to_text(value)) if key == "Fn::Sub" else None

    def route_location(self, api: str, function: str, path: str, verb: str) -> Location:
        """Line of an API route: its path in the written OpenAPI body, else the SAM event declaring it."""
        resources = self.original.get("Resources")
        for body_key in ("Body", "DefinitionBody"):
            paths = nested(resources, api, "Properties", body_key, "paths")
            if isinstance(paths, Mapping) and path in paths:
                item = paths[path]
                line = line_of(item, verb) if isinstance(item, Mapping) else None
                return Location(self.file, line or line_of(paths, path))
        events = nested(resources, self.owner(function), "Properties", "Events")
        if isinstance(events, Mapping):
            method = "any" if verb.lower() == "x-amazon-apigateway-any-method" else verb.lower()
            for name, event in events.items():
                props = nested(event, "Properties")
                if isinstance(props, Mapping) and props.get("Path") == path and \
                        str(props.get("Method", "")).lower() in (method, "any"):
                    return Location(self.file, line_of(events, name))
        return self.loc(api) if self.line(api) else self.loc(function)

    def _fn_from_text(self, text: str) -> str | None:
        match = _FUNCTION_ARN.search(text)
        name = match.group(1) if match else text
        if name in self.triggers:
            return name
        return self._names.get(name)

    def source_kind(self, value: Any) -> str:
        """The event-source kind (sqs, kinesis...) of a queue/stream/cluster reference or ARN."""
        target = self.ref(value)
        kind_of = self.res[target].type if target else None
        text = to_text(value)
        for resource_type, marker, kind in _SOURCE_KINDS:
            if kind_of == resource_type or (kind_of is None and marker in text):
                return kind
        if kind_of is None and "StreamArn" in text:
            return "dynamodb"
        return "other"

    def source_of(self, value: Any) -> str | None:
        """A trigger source: the logical id a value points at, else its text (an ARN, a name)."""
        return self.ref(value) or (to_text(value) if value is not None else None)

    def add_trigger(self, function: str | None, trigger: Trigger) -> None:
        """Attach a trigger to a function of this template (ignored when the target is not one)."""
        if function is not None and function in self.triggers:
            self.triggers[function].append(trigger)

    def loc(self, lid: str, *keys: str | int) -> Location:
        """Where a resource (or, with ``keys``, one of its properties) is written.

        ``loc("Bucket", "NotificationConfiguration", "LambdaConfigurations", 1)`` is the line of
        that notification; a key the template as written does not have falls back to the resource.
        """
        line = self.line(lid)
        node = nested(self.original, "Resources", lid, "Properties")
        for key in keys:
            if isinstance(node, Mapping) and key in node:
                line = line_of(node, str(key)) or line
                node = node[key]
            elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
                node = node[key]
                line = line_of(node) or line
            else:
                break
        return Location(self.file, line)

    # -- public sources -----------------------------------------------------------------------

    def _public_sources(self) -> set[str]:
        """Buckets, topics and queues whose resource policy lets anyone write to them."""
        public: set[str] = set()
        targets = {
            "AWS::S3::BucketPolicy": ("Bucket",),
            "AWS::SNS::TopicPolicy": ("Topics",),
            "AWS::SQS::QueuePolicy": ("Queues",),
        }
        for resource in self.res.values():
            keys = targets.get(resource.type)
            if keys is None or not _allows_anyone(resource.properties.get("PolicyDocument")):
                continue
            value = resource.properties.get(keys[0])
            for item in value if isinstance(value, list) else [value]:
                lid = self.ref(item) or self._by_name(item)
                if lid:
                    public.add(lid)
        for resource in self.res.values():
            if resource.type != "AWS::Events::EventBusPolicy":
                continue
            props = resource.properties
            statement = props.get("Statement") or {"Effect": "Allow", "Principal": props.get("Principal"),
                                                   "Action": props.get("Action")}
            if props.get("Condition") is None and _allows_anyone({"Statement": [statement]}):
                public.add(self.ref(props.get("EventBusName")) or to_text(props.get("EventBusName") or "default"))
        return public

    def _by_name(self, value: Any) -> str | None:
        """The bucket, topic or queue a literal name, ARN or URL designates."""
        if not isinstance(value, str):
            return None
        tail = value.rstrip("/").rsplit(":", 1)[-1].rsplit("/", 1)[-1]
        for lid, resource in self.res.items():
            for key in ("BucketName", "TopicName", "QueueName"):
                name = resource.properties.get(key)
                if isinstance(name, str) and name in (value, tail):
                    return lid
        return None

    # -- functions ----------------------------------------------------------------------------

    def functions(self) -> list[Function]:
        """The functions of the template, with triggers, role, statements and the lines they were written on."""
        self._collect_triggers()
        roles = {lid: self._role_of(lid) for lid in self.function_ids}
        sharing: dict[str, list[str]] = {}
        for lid, role in roles.items():
            if role is not None:
                sharing.setdefault(role, []).append(lid)
        statements_cache: dict[str, tuple[list[Statement], list[str]]] = {}
        written = self._original_ids()
        result = []
        for lid in self.function_ids:
            role = roles[lid]
            if self.res[lid].type == "AWS::Serverless::Function":
                statements, managed = self._sam_policies(lid)
            elif role is not None and role in self.res:
                if role not in statements_cache:
                    statements_cache[role] = self._role_statements(role)
                statements, managed = statements_cache[role]
            else:
                statements, managed = [], []
            generated = self.expansion is not None and role is not None and role in self.res \
                and self.owner(role) == lid and role != lid and role not in written
            shown_role = None if generated else role
            shared = tuple(other for other in sharing.get(role, []) if other != lid) if role else ()
            result.append(self._function(lid, shown_role, shared, statements, managed))
        return result

    def nested_stacks(self) -> list[tuple[str, Path, dict[str, Any]]]:
        """(logical id, local template, parameters) of nested stacks and SAM applications on disk."""
        found = []
        base = self.path.resolve().parent
        for lid, body in mapping(self.original.get("Resources")).items():
            if not isinstance(body, Mapping):
                continue
            key = {"AWS::Serverless::Application": "Location", "AWS::CloudFormation::Stack": "TemplateURL"}.get(
                str(body.get("Type")))
            location = nested(body, "Properties", key) if key else None
            if not isinstance(location, str) or "://" in location or location.startswith("arn:"):
                continue
            target = (base / location).resolve()
            if not target.is_file():
                self._warn(f"nested stack {lid}: {location} not found", self.line(lid))
                continue
            values = self.resolver.resolve(nested(body, "Properties", "Parameters") or {}, self.line(lid))
            found.append((str(lid), target, dict(mapping(values))))
        return found

    def other_resources(self) -> dict[str, Resource]:
        """Every resource but the functions, for rules that look things up (bucket policies...)."""
        return {lid: r for lid, r in self.res.items() if lid not in self.triggers}

    def _original_ids(self) -> set[str]:
        resources = self.original.get("Resources")
        return set(resources) if isinstance(resources, Mapping) else set()

    def _role_of(self, lid: str) -> str | None:
        """The role's logical id (``!GetAtt Role.Arn``, or an ARN naming a role of the template), else its ARN text."""
        value = self.res[lid].properties.get("Role")
        if value is None:
            return None
        target = self.ref(value)
        if target is not None and self.res[target].type == "AWS::IAM::Role":
            return target
        text = to_text(value)
        for other, resource in self.res.items():
            name = resource.properties.get("RoleName")
            if resource.type == "AWS::IAM::Role" and isinstance(name, str) and text.endswith(f":role/{name}"):
                return other
        return text

    def _function(
        self, lid: str, role: str | None, shared: tuple[str, ...], statements: list[Statement], managed: list[str]
    ) -> Function:
        """One :class:`Function`; SAM functions the translator refused are read from their SAM properties."""
        resource = self.res[lid]
        props = resource.properties
        sam = resource.type == "AWS::Serverless::Function"
        if sam:
            props = _with_globals(self.template, props, self.resolver)
        runtime = text_or_none(props.get("Runtime"))
        handler = text_or_none(props.get("Handler"))
        code_dir, inline = self._code(lid, props, sam)
        handler_path = handler_file(code_dir, handler, runtime) if code_dir else None
        env = props.get("Environment")
        variables = env.get("Variables") if isinstance(env, Mapping) else None
        vpc = props.get("VpcConfig")
        tracing = props.get("Tracing") if sam else nested(props, "TracingConfig", "Mode")
        dead_letter = props.get("DeadLetterQueue" if sam else "DeadLetterConfig")
        layers = props.get("Layers")
        architectures = props.get("Architectures")
        url = self.urls.get(lid)
        triggers = [self._at_sam_event(lid, t) for t in self.triggers.get(lid, ())]
        if sam:
            url = url or _sam_url(props.get("FunctionUrlConfig"))
            triggers.extend(self._sam_events(lid, props))
            if url is not None and not any(t.type == "url" for t in triggers):
                triggers.append(Trigger(type="url", source=lid, public=url["auth"] == "none", auth=url["auth"],
                                        config={"cors": url.get("cors")}, location=self.loc(lid)))
        elif self.expansion is not None:
            triggers.extend(self._unmapped_api_events(lid, triggers))
        triggers.extend(self._permission_gaps(lid, triggers))
        on_failure = self.on_failure.get(lid)
        if sam and on_failure is None:
            on_failure = nested_text(props, "EventInvokeConfig", "DestinationConfig", "OnFailure", "Destination")
        return Function(
            name=self.owner(lid),
            runtime=runtime,
            handler=handler,
            code_dir=code_dir,
            handler_file=str(handler_path) if handler_path else None,
            inline_code=inline,
            memory=_int(props.get("MemorySize"), 128),
            timeout=_int(props.get("Timeout"), 3),
            reserved_concurrency=_int(props.get("ReservedConcurrentExecutions"), None),
            architecture=str(architectures[0]) if isinstance(architectures, list) and architectures else "x86_64",
            environment=dict(variables) if isinstance(variables, Mapping) else {},
            role=role,
            role_shared_with=shared,
            statements=tuple(statements),
            managed_policies=tuple(managed),
            layers=tuple(self._written_name(layer) for layer in items(layers)),
            tracing=text_or_none(tracing),
            dead_letter=nested_text(dead_letter, "TargetArn") if isinstance(dead_letter, Mapping) else None,
            on_failure=on_failure,
            url=url,
            code_signing=props.get("CodeSigningConfigArn") is not None,
            vpc=isinstance(vpc, Mapping) and bool(vpc.get("SubnetIds") or vpc.get("SecurityGroupIds")),
            triggers=tuple(triggers),
            properties=self._written_properties(lid, props),
            location=self.loc(lid),
        )

    def _written_properties(self, lid: str, props: Mapping[str, Any]) -> dict[str, Any]:
        """Properties without the placeholder S3 code location SAM translation needed: the
        template's own ``CodeUri`` instead, so no rule reads ``fnguard-placeholder`` as real."""
        result = dict(props)
        if nested(result, "Code", "S3Bucket") == PLACEHOLDER_BUCKET:
            del result["Code"]
            written = self.original_properties(self.owner(lid)).get("CodeUri")
            if written is None:
                written = self.resolver.resolve(nested(self.original, "Globals", "Function", "CodeUri"))
            result["CodeUri"] = written if written is not None else "."
        return result

    def _written_name(self, value: Any) -> str:
        """``${MyLayer}`` rather than the ``${MyLayer17dc83c83a}`` the SAM translator renamed it to."""
        target = self.ref(value)
        if target is not None and self.owner(target) != target:
            return to_text(value).replace("${" + target, "${" + self.owner(target))
        return to_text(value)

    def _code(self, lid: str, props: Mapping[str, Any], sam: bool) -> tuple[str | None, str | None]:
        """Local code directory (remembered before SAM translation) and inline code."""
        if self.expansion is not None:
            local = self.expansion.code_dirs.get(self.owner(lid))
            if local:
                return local, None
        if sam:
            inline = props.get("InlineCode")
            return None, inline if isinstance(inline, str) else None
        code = props.get("Code")
        if isinstance(code, Mapping):
            inline = code.get("ZipFile")
            return None, to_text(inline) if inline is not None else None
        if isinstance(code, str) and not code.startswith("s3://"):
            return str((self.path.resolve().parent / code).resolve()), None
        return None, None

    # -- permissions --------------------------------------------------------------------------

    def _role_statements(self, role: str) -> tuple[list[Statement], list[str]]:
        """Statements a role grants: inline policies, managed ARNs (real documents) and attached policies."""
        props = self.res[role].properties
        location = self.loc(role)
        statements: list[Statement] = []
        templates = self._sam_policy_templates(role)
        owner = self.owner(role)
        for index, policy in enumerate(items(props.get("Policies"))):
            if not isinstance(policy, Mapping):
                continue
            name = to_text(policy.get("PolicyName", "?"))
            source = f"sam:{templates[name]}" if name in templates else f"inline:{name}"
            match = re.fullmatch(re.escape(owner) + r"RolePolicy(\d+)", name) if owner != role else None
            if match:  # SAM wrote it from the function's Policies[n]: point there
                where: tuple[str, tuple[str | int, ...]] = (owner, ("Policies", int(match.group(1))))
            else:
                where = (role, ("Policies", index, "PolicyDocument"))
            statements += self._document(policy.get("PolicyDocument"), source, *where)
        managed: list[str] = []
        for value in items(props.get("ManagedPolicyArns")):
            target = self.ref(value)
            if target is not None and self.res[target].type == "AWS::IAM::ManagedPolicy":
                managed.append(to_text(value))
                statements += self._policy_resource(target)
                continue
            arn = self._aws_arn(to_text(value))
            managed.append(arn)
            statements += self._managed(arn, location)
        for lid in self._policies:
            resource = self.res[lid]
            if any(self._is_role(item, role) for item in items(resource.properties.get("Roles"))):
                if resource.type == "AWS::IAM::ManagedPolicy":
                    managed.append(f"${{{lid}}}")
                statements += self._policy_resource(lid)
        return statements, managed

    def _sam_policy_templates(self, role: str) -> dict[str, str]:
        """Inline policy name → SAM policy template it was expanded from (``FnRolePolicy2`` → ``S3ReadPolicy``).

        The translator names the policy after the function and the item's index in ``Policies``.
        """
        owner = self.owner(role)
        if self.expansion is None or owner == role:
            return {}
        policies = nested(self.original, "Resources", owner, "Properties", "Policies")
        found = {}
        for index, item in enumerate(policies if isinstance(policies, list) else []):
            if isinstance(item, Mapping) and len(item) == 1 and "Statement" not in item:
                found[f"{owner}RolePolicy{index}"] = str(next(iter(item)))
        return found

    def _is_role(self, value: Any, role: str) -> bool:
        if self.ref(value) == role:
            return True
        name = self.res[role].properties.get("RoleName")
        return isinstance(value, str) and value == name

    def _policy_resource(self, lid: str) -> list[Statement]:
        """Statements of an ``AWS::IAM::Policy`` or ``ManagedPolicy`` of the template."""
        return self._document(self.res[lid].properties.get("PolicyDocument"), f"policy:{lid}", lid, ("PolicyDocument",))

    def _document(self, document: Any, source: str, lid: str, path: tuple[str | int, ...]) -> list[Statement]:
        """A policy document's statements, each with the line of its own statement where written."""
        document = json_document(document)
        raw = document.get("Statement") if isinstance(document, Mapping) else document
        if not isinstance(raw, list):
            return statements_from_policy_document(document, source, self.loc(lid, *path))
        found: list[Statement] = []
        for index, item in enumerate(raw):
            found += statements_from_policy_document(item, source, self.loc(lid, *path, "Statement", index))
        return found

    def _aws_arn(self, text: str) -> str:
        return text.replace("${AWS::Partition}", "aws")

    def _managed(self, arn: str, location: Location) -> list[Statement]:
        """The real document of an AWS managed policy; an unknown ARN is a warning, not an empty grant."""
        statements = lookup(arn)
        if statements is None:
            self._warn(f"managed policy {arn} is not known to fnguard: its permissions are not analysed",
                       location.line)
            return []
        return [replace(s, location=location) for s in statements]

    def _sam_policies(self, lid: str) -> tuple[list[Statement], list[str]]:
        """Policies of an untranslated SAM function, read as the translator would expand them."""
        props = self.res[lid].properties
        location = self.loc(lid)
        statements: list[Statement] = []
        managed: list[str] = []
        role = props.get("Role")
        if role is not None:
            target = self.ref(role)
            if target and self.res[target].type == "AWS::IAM::Role":
                return self._role_statements(target)
            return [], []
        policies = props.get("Policies")
        entries = policies if isinstance(policies, list) else [policies] if policies is not None else []
        props = _with_globals(self.template, props, self.resolver)
        implied = ["service-role/AWSLambdaBasicExecutionRole"]  # what the translator adds on its own
        if str(props.get("Tracing", "")).lower() == "active":
            implied.append("AWSXrayWriteOnlyAccess")
        if isinstance(props.get("VpcConfig"), Mapping):
            implied.append("service-role/AWSLambdaVPCAccessExecutionRole")
        for event in mapping(props.get("Events")).values():
            policy = _EVENT_POLICIES.get(str(nested(event, "Type")))
            if policy and policy not in implied:
                implied.append(policy)
        for name in implied:
            arn = f"arn:aws:iam::aws:policy/{name}"
            managed.append(arn)
            statements += self._managed(arn, location)
        for index, item in enumerate(entries):
            where = self.loc(lid, "Policies", index) if isinstance(policies, list) else self.loc(lid, "Policies")
            if isinstance(item, str):
                arn = item if item.startswith("arn:") else arn_for_name(item) or item
                managed.append(self._aws_arn(arn))
                statements += self._managed(self._aws_arn(arn), where)
            elif isinstance(item, Mapping) and "Statement" in item:
                statements += self._document(item, f"inline:{lid}RolePolicy{index}", lid, ("Policies", index))
            elif isinstance(item, Mapping) and len(item) == 1:
                name, parameters = next(iter(item.items()))
                document = _policy_template(name, parameters)
                if document is None:
                    self._warn(f"SAM policy template {name} could not be expanded", where.line)
                    continue
                resolved = self.resolver.resolve(document, where.line)
                statements += statements_from_policy_document(resolved, f"sam:{name}", where)
        return statements, managed

    # -- triggers -----------------------------------------------------------------------------

    def _collect_triggers(self) -> None:
        """Read every resource that can make a function run (see :mod:`fnguard.load.event_sources`)."""
        for lid, resource in self.res.items():
            reader = TRIGGER_READERS.get(resource.type)
            if reader is not None:
                reader(self, lid, resource.properties)
            elif resource.type.startswith("Custom::") or resource.type == "AWS::CloudFormation::CustomResource":
                self.add_trigger(self.fn(resource.properties.get("ServiceToken")), Trigger(
                    type="other", source=lid, config={"custom_resource": resource.type},
                    location=self.loc(lid)))
        RestApis(self).collect()
        HttpApis(self).collect()

    def _permission_gaps(self, function: str, found: list[Trigger]) -> list[Trigger]:
        """Services allowed to invoke the function, for sources this template does not wire.

        Buckets, topics or APIs defined elsewhere (another stack, a BodyS3Location) still reach
        the function; the permission is all the template says about them, so it is kept.
        """
        if self._permissions is None:
            self._permissions = {}
            for lid, resource in self.res.items():
                if resource.type == "AWS::Lambda::Permission":
                    target = self.fn(resource.properties.get("FunctionName"))
                    if target is not None:
                        self._permissions.setdefault(target, []).append(lid)
        added: list[Trigger] = []
        for lid in self._permissions.get(function, []):
            props = self.res[lid].properties
            principal = to_text(props.get("Principal", ""))
            service = re.sub(r"\.[a-z]{2}(-[a-z]+)+-\d\.amazonaws\.com$", ".amazonaws.com", principal)
            kinds = _PRINCIPAL_TRIGGERS.get(service)
            source_arn = props.get("SourceArn")
            source = self.ref(source_arn) or (to_text(source_arn) if source_arn is not None else None)
            if kinds is None or "/authorizers/" in to_text(source_arn):
                continue  # not a trigger service, or API Gateway calling an authorizer
            if any(t.type in kinds and (kinds[0] != "other" or t.source == source
                                        or t.config.get("service") == service.split(".")[0]) for t in found + added) \
                    or any(t.config.get("service") == "apigateway-authorizer" for t in found):
                continue
            path = method = None
            if kinds[0] == "http" and source_arn is not None:
                parts = to_text(source_arn).split("/", 3)
                if len(parts) == 4:
                    method = None if parts[2] in ("*", "") else parts[2].upper()
                    path = "/" + parts[3]
            config = {"principal": principal, "permission": lid, "from_permission": True}
            config.update({k: props[k] for k in ("SourceArn", "SourceAccount") if k in props})
            added.append(Trigger(
                type=kinds[0], source=source, auth="unknown" if kinds[0] == "http" else "none", path=path,
                method=method, config=config, location=self.loc(lid)))
        return added

    def _sam_events(self, lid: str, props: Mapping[str, Any]) -> list[Trigger]:
        """Triggers of a SAM function the translator refused, read from its Events directly."""
        events = props.get("Events")
        if not isinstance(events, Mapping):
            return []
        original_events = nested(self.original, "Resources", lid, "Properties", "Events")
        triggers = []
        for name, event in events.items():
            if not isinstance(event, Mapping):
                continue
            line = line_of(original_events, name) if isinstance(original_events, Mapping) else None
            location = Location(self.file, line or self.line(lid))
            triggers.append(self._sam_event(str(event.get("Type", "")), event.get("Properties") or {}, location))
        return triggers

    def _at_sam_event(self, lid: str, trigger: Trigger) -> Trigger:
        """Point S3 and Cognito triggers of a SAM function at its event, not at the bucket or pool.

        The translator writes those into the bucket's or pool's own properties, so their line
        would otherwise be the bucket's; the event is what the author wrote for this function.
        """
        kinds = {"s3": ("S3", "Bucket"), "cognito": ("Cognito", "UserPool")}
        if self.expansion is None or trigger.type not in kinds:
            return trigger
        events = nested(self.original, "Resources", self.owner(lid), "Properties", "Events")
        if not isinstance(events, Mapping):
            return trigger
        event_type, key = kinds[trigger.type]
        for name, event in events.items():
            if isinstance(event, Mapping) and event.get("Type") == event_type and \
                    self.ref(self.resolver.resolve(nested(event, "Properties", key))) == trigger.source:
                return replace(trigger, location=Location(self.file, line_of(events, name)))
        return trigger

    def cors_of(self, api: str | None) -> Any:
        """CORS of an API as written: v2 ``CorsConfiguration``, the body's ``x-amazon-apigateway-cors``,
        or, for SAM (whose translation turns CORS into OPTIONS methods), the API's or Globals' ``Cors``."""
        if api is None or api not in self.res:
            return None
        props = self.res[api].properties
        found = props.get("CorsConfiguration") or props.get("Cors") or nested(props, "Body", "x-amazon-apigateway-cors")
        if found is not None or self.expansion is None:
            return found
        original = self.original_properties(api)
        found = original.get("Cors") or original.get("CorsConfiguration")
        if found is None:
            rest = self.res[api].type in ("AWS::ApiGateway::RestApi", "AWS::Serverless::Api")
            section = nested(self.original, "Globals", "Api" if rest else "HttpApi")
            if isinstance(section, Mapping) and (api in self._original_ids() or api.startswith("Serverless")):
                found = self.resolver.resolve(section.get("Cors") or section.get("CorsConfiguration"))
        return found

    def original_properties(self, lid: str) -> dict[str, Any]:
        """Resolved properties of a resource as written (before SAM translation)."""
        body = nested(self.original, "Resources", lid)
        props = self.resolver.resolve(body.get("Properties") or {}, self.line(lid)) if isinstance(body, Mapping) else {}
        return props if isinstance(props, dict) else {}

    def _unmapped_api_events(self, lid: str, found: list[Trigger]) -> list[Trigger]:
        """SAM Api/HttpApi events whose route the translated API does not show.

        That happens when the API definition is an ``AWS::Include`` of a file we do not have:
        the event still says the function is reachable on that path, so keep it.
        """
        props = self.original_properties(self.owner(lid))
        events = props.get("Events")
        if not isinstance(events, Mapping):
            return []
        routes = {(t.type, t.path, t.method) for t in found}
        missing = []
        for event in events.values():
            if not isinstance(event, Mapping) or event.get("Type") not in ("Api", "HttpApi"):
                continue
            event_props = event.get("Properties") or {}
            kind = "http" if event["Type"] == "Api" else "httpApi"
            method = str(event_props.get("Method", "ANY")).upper()
            if (kind, event_props.get("Path"), method) in routes or (kind, event_props.get("Path"), "ANY") in routes:
                continue
            api = self.ref(event_props.get("RestApiId") if kind == "http" else event_props.get("ApiId"))
            if any(t.type == kind and (api is None or t.source == api) for t in found):
                continue  # the API's own definition routes this function: it is what gets deployed
            triggers = self._sam_events(lid, {"Events": {k: v for k, v in events.items() if v is event}})
            missing.extend(replace(t, config={**t.config, "from_event": True}) for t in triggers)
        return missing

    def _sam_event(self, kind: str, props: Any, location: Location) -> Trigger:
        """One SAM event read as written (untranslated functions only), approximating what SAM would deploy."""
        props = props if isinstance(props, Mapping) else {}
        if kind in ("Api", "HttpApi"):
            api_id = self.ref(props.get("RestApiId") if kind == "Api" else props.get("ApiId"))
            auth = self._sam_event_auth(props, api_id)
            key_required = bool(nested(props, "Auth", "ApiKeyRequired"))
            if auth == "none" and key_required:
                auth = "api_key"
            reachable, config = True, {}
            if kind == "Api" and api_id is not None:
                api = self.res[api_id]
                reachable, config = rest_endpoint(replace(api, properties={**self.original_properties(api_id),
                                                                           **api.properties}))
            return Trigger(
                type="http" if kind == "Api" else "httpApi",
                source=api_id or ("ServerlessRestApi" if kind == "Api" else "ServerlessHttpApi"),
                public=reachable and auth in ("none", "api_key"), auth=auth, api_key_required=key_required,
                config=config,
                path=text_or_none(props.get("Path")), method=to_text(props.get("Method") or "ANY").upper(),
                location=location)
        simple = {
            "S3": ("s3", "Bucket"), "SQS": ("sqs", "Queue"), "SNS": ("sns", "Topic"),
            "Kinesis": ("kinesis", "Stream"), "DynamoDB": ("dynamodb", "Stream"), "MQ": ("mq", "Broker"),
            "MSK": ("kafka", "Stream"), "SelfManagedKafka": ("kafka", "KafkaBootstrapServers"),
            "CloudWatchLogs": ("cloudwatchLog", "LogGroupName"), "IoTRule": ("iot", "Sql"),
            "Cognito": ("cognito", "UserPool"), "AlexaSkill": ("alexa", "SkillId"),
            "Schedule": ("schedule", "Schedule"), "ScheduleV2": ("schedule", "ScheduleExpression"),
            "EventBridgeRule": ("eventBridge", "EventBusName"), "CloudWatchEvent": ("eventBridge", "EventBusName"),
        }
        if kind not in simple:
            return Trigger(type="other", config={"event": kind, "properties": dict(props)}, location=location)
        trigger_type, key = simple[kind]
        source_value = props.get(key)
        source = self.source_of(source_value) if source_value is not None else (
            "default" if trigger_type == "eventBridge" else None)
        batch = {new: props[old] for old, new in BATCH_KEYS.items() if old in props}
        if trigger_type in DEFAULT_BATCH:
            batch.setdefault("batch_size", DEFAULT_BATCH[trigger_type])
        config = {k: v for k, v in props.items() if k not in BATCH_KEYS and k != key}
        if trigger_type == "schedule":
            config["rate"] = [to_text(source_value)]
        return Trigger(type=trigger_type, source=source, batch=batch or None, config=config,
                       public=self.ref(source_value) in self.public_sources if trigger_type in ("s3", "sns", "sqs")
                       else trigger_type == "alexa" and source_value is None,
                       location=location)

    def _sam_event_auth(self, props: Mapping[str, Any], api_id: str | None) -> str:
        """Auth of a SAM Api/HttpApi event: its own Authorizer, else the API's DefaultAuthorizer."""
        name = nested(props, "Auth", "Authorizer")
        api_auth = nested(self.original_properties(api_id), "Auth") if api_id else None
        if name is None and isinstance(api_auth, Mapping):
            name = api_auth.get("DefaultAuthorizer")
        if name is None or name == "NONE":
            return "none"
        if name == "AWS_IAM":
            return "iam"
        definition = nested(api_auth, "Authorizers", name) if isinstance(api_auth, Mapping) else None
        return _authorizer_kind(definition)


def _condition_name(value: Any, resolver: Resolver) -> str | None:
    """A resource's condition name; YAML 1.1 reads ``Condition: On`` as a boolean, so undo that."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        spellings = ("On", "Yes", "Y", "True", "true", "on", "yes") if value else (
            "Off", "No", "N", "False", "false", "off", "no")
        return next((name for name in spellings if name in resolver.condition_definitions), str(value))
    return None


def _authorizer_kind(definition: Any) -> str:
    """Auth kind of a SAM authorizer definition (Cognito pool, JWT config or Lambda function)."""
    if not isinstance(definition, Mapping):
        return "unknown"
    if "UserPoolArn" in definition:
        return "cognito"
    if "JwtConfiguration" in definition:
        return "jwt"
    if "FunctionArn" in definition:
        return "lambda"
    return "unknown"


def _allows_anyone(document: Any) -> bool:
    """A resource policy with an unconditional Allow to ``*`` for an action that writes."""
    document = json_document(document)
    raw = document.get("Statement") if isinstance(document, Mapping) else None
    for item in raw if isinstance(raw, list) else [raw]:
        if not isinstance(item, Mapping) or item.get("Effect") != "Allow" or item.get("Condition"):
            continue
        principal = item.get("Principal")
        anyone = principal == "*" or (isinstance(principal, Mapping) and principal.get("AWS") in ("*", ["*"]))
        statement = statements_from_policy_document(item, "", Location())[0]
        if anyone and any(action in _PUBLIC_WRITE for action in statement.actions):
            return True
    return False


def _with_globals(template: Mapping[str, Any], props: Mapping[str, Any], resolver: Resolver) -> dict[str, Any]:
    """SAM Globals.Function under the function's own properties (untranslated functions only)."""
    defaults = nested(template, "Globals", "Function")
    if not isinstance(defaults, Mapping):
        return dict(props)
    merged = dict(mapping(resolver.resolve(defaults)))
    for key, value in props.items():
        if key == "Environment" and isinstance(merged.get(key), Mapping) and isinstance(value, Mapping):
            variables = dict(mapping(nested(merged, "Environment", "Variables")))
            variables.update(mapping(value.get("Variables")))
            merged[key] = {**merged[key], **value, "Variables": variables}
        else:
            merged[key] = value
    return merged


def _sam_url(config: Any) -> dict[str, Any] | None:
    """SAM ``FunctionUrlConfig`` as the model's ``Function.url``."""
    if not isinstance(config, Mapping):
        return None
    auth = "iam" if str(config.get("AuthType", "")).upper() == "AWS_IAM" else "none"
    return {"auth": auth, "cors": config.get("Cors"), "invoke_mode": config.get("InvokeMode", "BUFFERED")}


def _policy_template(name: str, parameters: Any) -> Any:
    """Expand a SAM policy template (``DynamoDBCrudPolicy: {TableName: ...}``) with the translator's data."""
    try:
        return policy_templates().convert(name, parameters if isinstance(parameters, Mapping) else {})
    except Exception:  # noqa: BLE001 - unknown template or bad parameters: the caller warns
        return None





def _int(value: Any, default: int | None) -> int | None:
    """An integer property, or the default when the template gives something else (an unresolved Ref)."""
    if isinstance(value, bool):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
