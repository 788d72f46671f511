"""Denial-of-wallet configuration rules (FG501–FG509); the cost model (FG510+) is its own module.

Serverless scales with the attacker: every request is billed, and a function that triggers itself
bills forever. These rules catch the configuration that removes the ceilings — no concurrency
limit behind a public door, timeouts longer than the caller can wait, stream retries without end,
and functions that write into their own trigger.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fnguard.analyze.context import ScanContext
from fnguard.analyze.perimeter import (
    HTTP_ROUTE_TYPES,
    action_matches,
    as_list,
    cfg,
    fix,
    function_key_line,
    points_at,
    ref_target,
    resource_names,
    trigger_location,
    trigger_resource,
)
from fnguard.analyze.registry import check, define, finding
from fnguard.iam.policy import resource_text
from fnguard.model import STREAM_TRIGGER_TYPES, App, Finding, Function, Resource, Trigger

define("FG501", "high", "Public entry point with no reserved concurrency and no gateway throttling",
       "Set reserved concurrency on the function and a throttling rate on the API stage or route.")
define("FG502", "medium", "Timeout longer than the synchronous trigger can wait",
       "Lower the timeout to what the caller waits for (API Gateway REST 29 s, HTTP API 30 s).")
define("FG503", "medium", "Stream trigger retries a failing batch without limit",
       "Set MaximumRetryAttempts, BisectBatchOnFunctionError and an OnFailure destination on the event source mapping.")
define("FG504", "high", "Recursive loop: the function writes to the resource that triggers it",
       "Write to another resource, or filter the trigger so the function's own output does not match it.")

# How long each synchronous caller waits for the function (seconds). The function URL waits the
# full 900 s, so it never caps a timeout; ALB's idle timeout defaults to 60 s.
CALLER_WAIT: Mapping[str, int] = {"http": 29, "httpApi": 30, "websocket": 29, "alb": 60}
# The ubiquitous ``Timeout: 30`` behind REST's 29 s wastes at most a second: not worth a finding.
TIMEOUT_TOLERANCE = 1


# --------------------------------------------------------------------------------------------
# FG501 — nothing bounds how many copies an outsider can start
# --------------------------------------------------------------------------------------------

_STAGE_TYPES = frozenset({"AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage", "AWS::Serverless::Api",
                          "AWS::Serverless::HttpApi", "AWS::ApiGatewayV2::Api", "AWS::ApiGateway::RestApi"})


def _settings_throttle(props: Mapping[str, Any]) -> bool:
    for key in ("DefaultRouteSettings", "MethodSettings", "RouteSettings"):
        blocks = props.get(key)
        blocks = list(blocks.values()) if key == "RouteSettings" and isinstance(blocks, Mapping) else as_list(blocks)
        for block in blocks:
            if isinstance(block, Mapping) and any(str(k).startswith("Throttling") for k in block):
                return True
    return False


def _throttled(app: App, trigger: Trigger) -> bool:
    """The route's gateway limits its rate: route or stage throttling, or a WAF rate-based rule on the API."""
    if trigger.throttling:
        return True
    api = trigger_resource(app, trigger) if trigger.source else None
    if api is None:
        return False
    if _settings_throttle(api.properties):
        return True
    for resource in app.resources.values():
        if resource.type in _STAGE_TYPES and resource is not api and any(
                points_at(resource.properties.get(k), api) for k in ("RestApiId", "ApiId")):
            if _settings_throttle(resource.properties):
                return True
        if resource.type == "AWS::WAFv2::WebACLAssociation" and api.logical_id in json.dumps(
                resource.properties.get("ResourceArn"), default=str):
            acl = app.resources.get(ref_target(resource.properties.get("WebACLArn")) or "")
            if acl is not None and "RateBasedStatement" in json.dumps(acl.properties, default=str):
                return True
    return False


@check("FG501")
def unbounded_public_entry(app: App, context: ScanContext) -> Iterator[Finding]:
    """Without a ceiling an attacker's request rate becomes your bill and starves the account's concurrency."""
    for function in app.functions:
        if function.reserved_concurrency is not None and function.reserved_concurrency >= 0:
            continue
        # Internet-reachable doors: public ones, and authenticated routes (reachable by any signed-in caller);
        # an internal ALB or a private API (public False, no auth) is not one.
        doors = [t for t in function.triggers if (t.type in HTTP_ROUTE_TYPES or t.type == "url")
                 and (t.public or t.auth not in ("none", "api_key"))]
        open_doors = [t for t in doors if t.type == "url" or not _throttled(app, t)]
        if not open_doors:
            continue
        anonymous = any(t.auth in ("none", "api_key") for t in open_doors)
        first = open_doors[0]
        names = sorted({f"{t.type} {t.path or ''}".strip() for t in open_doors})
        yield finding(
            "FG501",
            f"{function.name} is reachable from the internet ({', '.join(names)}) with no reserved concurrency "
            "and no throttling: a flood of requests scales it to the account limit and bills every invocation"
            f"{'' if anonymous else ' (callers must authenticate, which limits who can do it)'}.",
            function=function.name, location=trigger_location(function, first),
            severity=None if anonymous else "medium",
            remediation=fix(
                app,
                "On the function set `reservedConcurrency: 10`; under provider set "
                "`apiGateway: {throttle: {rateLimit: 50, burstLimit: 100}}` (REST) or use a usage plan.",
                "Set `ReservedConcurrentExecutions: 10` on the function and, on the Api/HttpApi, "
                "`MethodSettings: [{HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100}]` "
                "(HttpApi: `DefaultRouteSettings: {ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100}`).",
            ),
            details={"subject": "concurrency", "entry_points": names, "anonymous": anonymous},
        )


# --------------------------------------------------------------------------------------------
# FG502 — timeouts the caller never waits for
# --------------------------------------------------------------------------------------------

@check("FG502")
def timeout_beyond_caller(app: App, context: ScanContext) -> Iterator[Finding]:
    """After the gateway gives up the function keeps running and billing, and each retry adds another."""
    for function in app.functions:
        if not function.triggers:
            continue
        waits = [CALLER_WAIT.get(t.type) for t in function.triggers]
        if any(w is None for w in waits):
            continue  # some trigger (a queue, a URL...) may use the full timeout
        cap = max(w for w in waits if w is not None)
        if function.timeout <= cap + TIMEOUT_TOLERANCE:
            continue
        line = function_key_line(app, context, function, "Timeout")
        yield finding(
            "FG502",
            f"{function.name} may run {function.timeout} s but its callers stop waiting after {cap} s: every slow or "
            "hostile request bills up to the full timeout for a response nobody receives.",
            function=function.name, file=function.location.file, line=line or function.location.line,
            remediation=fix(app, f"Set `timeout: {min(cap - 1, 28) if cap <= 30 else cap}` on the function.",
                            f"Set `Timeout: {min(cap - 1, 28) if cap <= 30 else cap}` on the function."),
            details={"subject": "timeout", "timeout": function.timeout, "caller_wait": cap},
        )


# --------------------------------------------------------------------------------------------
# FG503 — stream retries without end
# --------------------------------------------------------------------------------------------

def _bounded(batch: Mapping[str, Any] | None) -> bool:
    retries = cfg(batch, "maximum_retry_attempts", "MaximumRetryAttempts")
    age = cfg(batch, "maximum_record_age", "maximum_record_age_in_seconds", "MaximumRecordAgeInSeconds")
    return (retries is not None and str(retries) != "-1") or (age is not None and str(age) != "-1")


@check("FG503")
def endless_stream_retries(app: App, context: ScanContext) -> Iterator[Finding]:
    """A poison record blocks its shard and is retried until it expires, billing every attempt."""
    for function in app.functions:
        for trigger in function.triggers:
            if trigger.type not in STREAM_TRIGGER_TYPES or trigger.type == "kafka":
                continue
            batch = trigger.batch or {}
            if _bounded(batch):
                continue
            has_bisect = str(cfg(batch, "bisect_batch_on_function_error", "BisectBatchOnFunctionError")).lower() == "true"
            has_dest = bool(cfg(batch, "on_failure", "destination", "DestinationConfig"))
            missing = ["maximum retry attempts"] + ([] if has_bisect else ["bisect on error"]) + (
                [] if has_dest else ["on-failure destination"])
            yield finding(
                "FG503",
                f"The {trigger.type} trigger of {function.name} has no {', no '.join(missing)}: one record that makes "
                "the function fail is retried until it expires, blocking its shard and billing every retry.",
                function=function.name, location=trigger_location(function, trigger),
                remediation=fix(
                    app,
                    "Under the stream event add `maximumRetryAttempts: 3`, `bisectBatchOnFunctionError: true` and "
                    "`destinations: {onFailure: {arn: <sqs or sns arn>, type: sqs}}`.",
                    "In the event's Properties add `MaximumRetryAttempts: 3`, `BisectBatchOnFunctionError: true` and "
                    "`DestinationConfig: {OnFailure: {Destination: !GetAtt FailedRecords.Arn}}`.",
                ),
                details={"subject": f"{trigger.type}:{trigger.source}", "missing": missing},
            )


# --------------------------------------------------------------------------------------------
# FG504 — recursive loops
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LoopKind:
    """A trigger type, the IAM actions and boto3 methods that write into its source."""

    trigger_type: str
    service: str
    actions: tuple[str, ...]
    methods: frozenset[str]
    target_args: tuple[str, ...]
    """boto3 keyword arguments naming the written resource."""


LOOP_KINDS: tuple[LoopKind, ...] = (
    LoopKind("s3", "s3", ("s3:PutObject",), frozenset({"put_object", "upload_file", "upload_fileobj", "copy_object",
                                                         "copy"}), ("Bucket",)),
    LoopKind("sqs", "sqs", ("sqs:SendMessage",), frozenset({"send_message", "send_message_batch"}), ("QueueUrl",)),
    LoopKind("sns", "sns", ("sns:Publish",), frozenset({"publish", "publish_batch"}), ("TopicArn", "TargetArn")),
    LoopKind("kinesis", "kinesis", ("kinesis:PutRecord", "kinesis:PutRecords"),
             frozenset({"put_record", "put_records"}), ("StreamName", "StreamARN")),
    LoopKind("dynamodb", "dynamodb", ("dynamodb:PutItem", "dynamodb:UpdateItem"),
             frozenset({"put_item", "update_item", "batch_write_item"}), ("TableName",)),
)


@dataclass(frozen=True)
class WriteCall:
    """A boto3 call that writes somewhere, as found in the handler's code."""

    service: str | None
    method: str
    line: int
    target: str | None
    """The resolved resource name, environment variable value or literal, when known."""
    key_prefix: str | None = None
    key_suffix: str | None = None
    file: str | None = None
    """Where the call is written, when it is not the handler file."""


def _boto3_writes(function: Function, context: ScanContext) -> list[WriteCall] | None:
    """Write calls reachable from the handler; None when there is no Python code to read.

    The code engineer's interpreter (:mod:`fnguard.code.boto3_calls`) follows clients across helper
    modules and knows event fields (``event["Records"][0]["s3"]["bucket"]["name"]`` is the trigger's
    own bucket); the small local reader below fills in how written keys begin and end, and stands
    in alone when that module is missing or fails.
    """
    if not function.handler_file or not function.handler_file.endswith(".py"):
        return None
    key = f"wallet:writes:{function.name}:{function.handler_file}"
    if key in context.cache:
        return context.cache[key]
    try:
        tree = ast.parse(Path(function.handler_file).read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        context.cache[key] = None
        return None
    environment = dict(function.environment or {})
    local = _WriteFinder(environment).run(tree)
    interpreted = _interpreted_writes(function, environment, {c.line: c for c in local}, context)
    calls = interpreted if interpreted is not None else local
    context.cache[key] = calls
    return calls


def _interpreted_writes(function: Function, environment: Mapping[str, Any], local: Mapping[int, WriteCall],
                        context: ScanContext) -> list[WriteCall] | None:
    try:
        from fnguard.code import boto3_calls as code
    except ImportError:
        return None
    handler_name = (function.handler or "").rpartition(".")[2] or None
    try:
        found = code.find_calls(function.handler_file or "", handler_name, function.code_dir, context.cache)
    except Exception as exc:  # noqa: BLE001 - a crash there must not lose the loop rule
        context.warn(f"{function.handler_file}: boto3 call analysis failed ({exc!r}); using the local reader")
        return None
    if found.errors and not found.calls:
        return None

    def text(value: Any) -> str | None:
        if isinstance(value, code.Literal | code.Text):
            return value.value
        if isinstance(value, code.Env):
            raw = environment.get(value.name, value.default)
            return raw if isinstance(raw, str) else ref_target(raw) or f"${{env:{value.name}}}"
        if isinstance(value, code.EventField):
            return f"${{event:{value.kind}}}"
        return None

    writes: list[WriteCall] = []
    for call in found.calls:
        if call.method not in _WriteFinder._METHODS:
            continue
        target = next((text(call.param(a)) for a in _TARGET_ARGS if text(call.param(a)) is not None), None)
        key_value = text(call.param("Key"))
        same_line = local.get(call.line) if call.file == function.handler_file else None
        prefix = key_value.split("${", 1)[0] if key_value is not None else None
        suffix = key_value.rsplit("}", 1)[-1] if key_value is not None else None
        if same_line is not None:
            target = target or same_line.target
            prefix = prefix or same_line.key_prefix
            suffix = suffix or same_line.key_suffix
        writes.append(WriteCall(call.service, call.method, call.line, target, prefix or None, suffix or None,
                                call.file))
    return writes


_TARGET_ARGS = ("Bucket", "QueueUrl", "TopicArn", "TargetArn", "StreamName", "StreamARN", "TableName", "FunctionName")


class _WriteFinder(ast.NodeVisitor):
    _METHODS = frozenset().union(*(kind.methods for kind in LOOP_KINDS)) | {"invoke", "invoke_async"}

    def __init__(self, environment: Mapping[str, Any]) -> None:
        self.environment = environment
        self.clients: dict[str, str] = {}
        self.names: dict[str, Any] = {}
        self.calls: list[WriteCall] = []

    def run(self, tree: ast.Module) -> list[WriteCall]:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                service = self._client_service(node.value)
                if service:
                    self.clients[node.targets[0].id] = service
                else:
                    self.names[node.targets[0].id] = node.value
        self.visit(tree)
        return self.calls

    @staticmethod
    def _client_service(value: ast.AST) -> str | None:
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in ("client", "resource"):
            if value.args and isinstance(value.args[0], ast.Constant) and isinstance(value.args[0].value, str):
                return value.args[0].value
        return None

    def _text(self, node: ast.AST | None, depth: int = 0) -> str | None:
        """A string an expression evaluates to: a literal, an environment variable's value, a known name."""
        if node is None or depth > 5:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name) and node.id in self.names:
            return self._text(self.names[node.id], depth + 1)
        env_name = _environ_name(node)
        if env_name is not None:
            value = self.environment.get(env_name)
            if isinstance(value, str):
                return value
            return ref_target(value) or f"${{env:{env_name}}}"
        if isinstance(node, ast.Attribute) and node.attr in ("function_name", "invoked_function_arn"):
            return "${env:AWS_LAMBDA_FUNCTION_NAME}"  # the Lambda context names the running function
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = self._text(node.left, depth + 1)
            return left if left is not None else None
        if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
            return str(node.values[0].value)
        return None

    def _suffix(self, node: ast.AST | None, depth: int = 0) -> str | None:
        """How a written key ends, when the code says: ``key + ".png"``, ``f"{k}.txt"``, ``k.replace(".raw", ".txt")``."""
        if node is None or depth > 5:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name) and node.id in self.names:
            return self._suffix(self.names[node.id], depth + 1)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._suffix(node.right, depth + 1)
        if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[-1], ast.Constant):
            return str(node.values[-1].value)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "replace" \
                and len(node.args) == 2 and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
            return node.args[1].value
        return None

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in self._METHODS:
            owner = func.value
            service = self.clients.get(owner.id) if isinstance(owner, ast.Name) else None
            if service is None and isinstance(owner, ast.Call):
                service = self._client_service(owner)
            keywords = {k.arg: k.value for k in node.keywords if k.arg}
            target_node = next((keywords[a] for a in ("Bucket", "QueueUrl", "TopicArn", "TargetArn", "StreamName",
                                                        "StreamARN", "TableName", "FunctionName") if a in keywords), None)
            key_node = keywords.get("Key")
            if func.attr in ("upload_file",) and len(node.args) >= 3:
                target_node, key_node = target_node or node.args[1], key_node or node.args[2]
            elif func.attr == "upload_fileobj" and len(node.args) >= 3:
                target_node, key_node = target_node or node.args[1], key_node or node.args[2]
            self.calls.append(WriteCall(service, func.attr, node.lineno, self._text(target_node), self._text(key_node),
                                        self._suffix(key_node)))
        self.generic_visit(node)


def _environ_name(node: ast.AST) -> str | None:
    """``os.environ["X"]``, ``os.environ.get("X")``, ``os.getenv("X")`` → ``X``."""
    if isinstance(node, ast.Subscript) and _is_environ(node.value):
        key = node.slice
        return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        func = node.func
        if isinstance(func, ast.Attribute) and (
            (func.attr == "get" and _is_environ(func.value)) or (func.attr == "getenv")
        ):
            value = node.args[0].value
            return value if isinstance(value, str) else None
    return None


def _is_environ(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ"


def _statement_writes(function: Function, actions: tuple[str, ...], resource: Resource) -> tuple[bool, bool]:
    """(grants the write on this very resource, grants it only through a wildcard resource)."""
    specific = wildcard = False
    names = resource_names(resource)
    for statement in function.statements:
        if statement.effect != "Allow" or not action_matches(statement.actions, actions):
            continue
        for raw in statement.resources:
            text = resource_text(raw)
            if text.strip() == "*" or text in ("arn:aws:s3:::*", "arn:aws:s3:::*/*"):
                wildcard = True
            elif points_at(raw, resource) or any(name and name in text for name in names):
                specific = True
    return specific, wildcard


def _s3_filter_prefixes(trigger: Trigger, resource: Resource | None) -> list[tuple[str, str]]:
    """(prefix, suffix) pairs that limit an S3 trigger; empty when every new object fires it."""
    rules: list[Any] = list(as_list(cfg(trigger.config, "rules", "filter_rules")))
    raw_filter = cfg(trigger.config, "filter", "Filter")
    if isinstance(raw_filter, Mapping):
        key = raw_filter.get("S3Key") or {}
        rules += [{str(r.get("Name", "")).lower(): r.get("Value")} for r in as_list(key.get("Rules"))
                  if isinstance(r, Mapping)]
    prefix = "".join(str(r.get("prefix", "")) for r in rules if isinstance(r, Mapping))
    suffix = "".join(str(r.get("suffix", "")) for r in rules if isinstance(r, Mapping))
    return [(prefix, suffix)] if prefix or suffix else []


def _external(trigger: Trigger) -> Resource | None:
    """A trigger source outside the template (an ARN or a name) as a stand-in resource named by its tail."""
    if not isinstance(trigger.source, str) or not trigger.source:
        return None
    name = re.split(r"[:/]", trigger.source.rstrip("/"))[-1]
    return Resource(logical_id=name, type="external", properties={"Name": name}) if name else None


def _self_invocation(function: Function, calls: list[WriteCall]) -> WriteCall | None:
    own = {function.name, str((function.properties or {}).get("FunctionName", ""))}
    for call in calls:
        if call.method in ("invoke", "invoke_async") and call.target and (
            call.target in own or call.target.endswith(f":function:{function.name}")
            or call.target == "${env:AWS_LAMBDA_FUNCTION_NAME}"
        ):
            return call
    return None


@check("FG504")
def recursive_loops(app: App, context: ScanContext) -> Iterator[Finding]:
    """A function that feeds its own trigger runs (and bills) until someone notices."""
    for function in app.functions:
        calls = _boto3_writes(function, context)
        if calls:
            call = _self_invocation(function, calls)
            if call is not None:
                yield _loop_finding(app, function, "itself (lambda Invoke)", call.line, "high", "code", None,
                                    None, call.file)
        for trigger in function.triggers:
            kind = next((k for k in LOOP_KINDS if k.trigger_type == trigger.type), None)
            resource = (trigger_resource(app, trigger) or _external(trigger)) if kind else None
            if kind is None or resource is None:
                continue
            filters = _s3_filter_prefixes(trigger, resource) if kind.trigger_type == "s3" else []
            specific, wildcard = _statement_writes(function, kind.actions, resource)
            matching = [c for c in (calls or []) if c.method in kind.methods and c.service in (kind.service, None)]
            confirmed = [c for c in matching if c.target and (c.target in resource_names(resource)
                                                              or points_at(c.target, resource)
                                                              or c.target.startswith(f"${{event:{trigger.type}."))]
            unresolved = [c for c in matching if not c.target or c.target.startswith("${env:")]
            evidence: list[WriteCall] = confirmed or ([c for c in unresolved] if (specific or wildcard) else [])
            if filters and evidence:
                evidence = [c for c in evidence if _key_may_match(c, filters)]
            if evidence:
                yield _loop_finding(app, function, resource.logical_id, evidence[0].line, "high", "code", trigger,
                                    filters, evidence[0].file)
            elif calls is None and specific and not filters:
                yield _loop_finding(app, function, resource.logical_id, None, "medium", "permissions", trigger, filters)


def _key_may_match(call: WriteCall, filters: list[tuple[str, str]]) -> bool:
    """Could the written key pass the trigger's prefix/suffix filter? Unknown parts may."""
    for prefix, suffix in filters:
        prefix_ok = not prefix or call.key_prefix is None or call.key_prefix.startswith(prefix) \
            or prefix.startswith(call.key_prefix)
        suffix_ok = not suffix or call.key_suffix is None or call.key_suffix.endswith(suffix) \
            or suffix.endswith(call.key_suffix) and len(call.key_suffix) > 1
        if prefix_ok and suffix_ok:
            return True
    return False


def _loop_finding(app: App, function: Function, target: str, code_line: int | None, severity: str,
                  evidence: str, trigger: Trigger | None, filters: list[tuple[str, str]] | None = None,
                  code_file: str | None = None) -> Finding:
    where_file = (code_file or function.handler_file) if code_line else (trigger.location.file if trigger else function.location.file)
    where_line = code_line if code_line else (trigger.location.line if trigger else function.location.line)
    basis = ("its code writes there" if evidence == "code"
             else "its role may write there (no code was available to confirm the call)")
    s3 = trigger is not None and trigger.type == "s3"
    return finding(
        "FG504",
        f"{function.name} is triggered by {target} and {basis}: each write triggers it again, a loop that runs "
        "and bills until it is stopped.",
        function=function.name, file=where_file or function.location.file, line=where_line, severity=severity,
        remediation=(fix(app,
                         "Write the output to another bucket, or add `rules: [{prefix: uploads/}]` to the s3 event and "
                         "write outside that prefix.",
                         "Write the output to another bucket, or add `Filter: {S3Key: {Rules: [{Name: prefix, Value: uploads/}]}}` "
                         "to the S3 event and write outside that prefix.")
                     if s3 else
                     f"Send to a different {target if trigger is None else trigger.type} than the one that triggers "
                     f"{function.name}, and keep Lambda's recursive loop detection on (RecursiveLoop: Terminate)."),
        details={"subject": f"loop:{target}", "evidence": evidence, "filters": filters or []},
    )
