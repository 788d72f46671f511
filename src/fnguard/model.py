"""The application model every part of fnguard shares.

Loaders (serverless.yml, SAM/CloudFormation, a live account) all produce an :class:`App`;
analyses read it and return :class:`Finding` values; reports only format them. Values are
frozen so an analysis can never change what another one sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

RISKS = ("perimeter", "permissions", "dependencies", "code", "wallet", "reuse")
SEVERITIES = ("critical", "high", "medium", "low", "info")
SEVERITY_RANK = {name: rank for rank, name in enumerate(reversed(SEVERITIES))}  # info=0 .. critical=4


def severity_at_least(severity: str, threshold: str) -> bool:
    """True when ``severity`` is as bad as ``threshold`` or worse."""
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold]


@dataclass(frozen=True)
class Location:
    """Where something is written: a file and, where one exists, a 1-based line."""

    file: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Statement:
    """One IAM policy statement, normalised to tuples whatever the template wrote."""

    effect: str = "Allow"
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    conditions: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    source: str = ""
    """Where the statement came from: ``inline:<policy>`` (the role's own), ``managed:<arn>`` (an AWS or
    customer managed policy), ``policy:<LogicalId>`` (an AWS::IAM::Policy/ManagedPolicy resource of the
    template), ``sam:<template>`` (a SAM policy template)."""
    location: Location = field(default_factory=Location, compare=False)

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"Effect": self.effect}
        if self.actions:
            doc["Action"] = list(self.actions)
        if self.not_actions:
            doc["NotAction"] = list(self.not_actions)
        if self.resources:
            doc["Resource"] = list(self.resources)
        if self.not_resources:
            doc["NotResource"] = list(self.not_resources)
        if self.conditions:
            doc["Condition"] = dict(self.conditions)
        return doc


# Trigger types are a closed vocabulary so that rules and the guard agree on names.
TRIGGER_TYPES = (
    "http",  # API Gateway REST (v1)
    "httpApi",  # API Gateway HTTP API (v2)
    "websocket",
    "alb",
    "url",  # Lambda function URL
    "s3",
    "sqs",
    "sns",
    "kinesis",
    "dynamodb",
    "schedule",
    "eventBridge",
    "cognito",
    "iot",
    "kafka",  # MSK and self-managed Kafka
    "mq",
    "cloudwatchLog",
    "alexa",
    "invoke",  # a resource-based permission that lets some principal invoke it directly
    "other",
)

HTTP_TRIGGER_TYPES = frozenset({"http", "httpApi", "websocket", "alb", "url"})
ASYNC_TRIGGER_TYPES = frozenset({"s3", "sns", "eventBridge", "schedule", "cloudwatchLog", "iot"})
STREAM_TRIGGER_TYPES = frozenset({"kinesis", "dynamodb", "kafka"})

AUTH_KINDS = ("none", "iam", "cognito", "jwt", "lambda", "api_key", "unknown")


@dataclass(frozen=True)
class Trigger:
    """One way the function can be reached."""

    type: str
    source: str | None = None
    """The resource that delivers the event: a logical id, an ARN or a name."""
    public: bool = False
    """Reachable by anyone on the internet (or any AWS account) without credentials of ours."""
    auth: str = "none"
    """One of :data:`AUTH_KINDS`; ``api_key`` alone is not authentication."""
    api_key_required: bool = False
    path: str | None = None
    method: str | None = None
    throttling: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)
    """``{"rate": rps, "burst": n}`` when the gateway limits this route or stage."""
    batch: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)
    """Batch and retry settings of event-source mappings (batch_size, maximum_retry_attempts...)."""
    config: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    """Anything else the loader knew (cors, request validation, filter rules, authorizer name)."""
    location: Location = field(default_factory=Location, compare=False)

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"type": self.type, "public": self.public, "auth": self.auth}
        if self.source is not None:
            doc["source"] = self.source
        if self.path is not None:
            doc["path"] = self.path
        if self.method is not None:
            doc["method"] = self.method
        if self.api_key_required:
            doc["api_key_required"] = True
        if self.throttling:
            doc["throttling"] = dict(self.throttling)
        if self.batch:
            doc["batch"] = dict(self.batch)
        return doc


@dataclass(frozen=True)
class Function:
    """One Lambda function as the template (or the account) describes it."""

    name: str
    """The key under ``functions:`` in serverless.yml, or the logical id in CloudFormation."""
    runtime: str | None = None
    handler: str | None = None
    code_dir: str | None = None
    """Absolute path of the function's code directory, when it is local."""
    handler_file: str | None = None
    """Absolute path of the source file the handler names, when it exists."""
    inline_code: str | None = None
    memory: int = 128
    timeout: int = 3
    reserved_concurrency: int | None = None
    architecture: str = "x86_64"
    environment: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    role: str | None = None
    """The role's logical id, ARN or name; ``None`` when the loader made one for the function."""
    role_shared_with: tuple[str, ...] = ()
    statements: tuple[Statement, ...] = ()
    managed_policies: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()
    tracing: str | None = None
    dead_letter: str | None = None
    on_failure: str | None = None
    url: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)
    """Function URL config: ``{"auth": "none"|"iam", "cors": {...}}``."""
    code_signing: bool = False
    vpc: bool = False
    triggers: tuple[Trigger, ...] = ()
    properties: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    """The resolved raw properties, for rules that need something the model does not name."""
    location: Location = field(default_factory=Location, compare=False)

    @property
    def is_public(self) -> bool:
        return any(t.public for t in self.triggers)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "runtime": self.runtime,
            "handler": self.handler,
            "memory": self.memory,
            "timeout": self.timeout,
            "reserved_concurrency": self.reserved_concurrency,
            "architecture": self.architecture,
            "role": self.role,
            "file": self.location.file,
            "line": self.location.line,
            "triggers": [t.to_json() for t in self.triggers],
            "permissions": [s.to_json() for s in self.statements],
            "managed_policies": list(self.managed_policies),
        }


@dataclass(frozen=True)
class Resource:
    """Any other CloudFormation resource (buckets, queues, policies...), resolved."""

    logical_id: str
    type: str
    properties: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    location: Location = field(default_factory=Location, compare=False)


@dataclass(frozen=True)
class App:
    """A whole serverless application: what a loader returns."""

    name: str
    source: str
    """The file the app was read from (serverless.yml, template.yaml) or ``aws:<account>``."""
    format: str
    """``serverless``, ``sam``, ``cloudformation`` or ``aws``."""
    root: str
    functions: tuple[Function, ...] = ()
    resources: Mapping[str, Resource] = field(default_factory=dict, hash=False, compare=False)
    parameters: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    region: str = "us-east-1"
    warnings: tuple[str, ...] = ()
    """Problems that did not stop loading: unresolved variables, unknown managed policies..."""

    def function(self, name: str) -> Function | None:
        return next((f for f in self.functions if f.name == name), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "format": self.format,
            "functions": [f.to_json() for f in self.functions],
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class Finding:
    """One problem: what DESIGN.md's JSON report prints, field for field."""

    rule_id: str
    risk: str
    severity: str
    function: str | None
    file: str | None
    line: int | None
    message: str
    remediation: str
    details: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def fingerprint(self) -> str:
        """Identity that survives line moves: what baselines and diffs compare."""
        subject = self.details.get("subject", "") if self.details else ""
        return f"{self.rule_id}|{self.function or ''}|{self.file or ''}|{subject or self.message}"

    def to_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "risk": self.risk,
            "severity": self.severity,
            "function": self.function,
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "remediation": self.remediation,
            "details": dict(self.details) if self.details else {},
        }


class InputError(Exception):
    """Bad input from the user: the CLI prints it on one line and exits with status 2."""
