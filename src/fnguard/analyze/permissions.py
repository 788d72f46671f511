"""Risk 2, managing permissions: what each function is granted against what its code needs.

Granted = the function's statements (inline, SAM policy templates, AWS managed policies by their
real documents, provider-level roles). Needed = the boto3 calls of its handler mapped to IAM
actions (:mod:`fnguard.iam.generate`). The rules below compare the two.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from fnguard.analyze.context import ScanContext
from fnguard.analyze.registry import check, define, finding
from fnguard.iam import catalog, policy, risky
from fnguard.iam.generate import FunctionNeeds, function_needs, granted_within
from fnguard.model import App, Finding, Function, Statement

define("FG201", "critical", "Function role grants every action on every resource (full admin)",
       "Replace the admin grant with the policy `fnguard policy` generates for this function.")
define("FG202", "high", "Function role grants every action of a service (service:*)",
       "List the actions the function calls instead of service:*; `fnguard policy` writes them.")
define("FG203", "high", "Data-plane actions granted on every resource (Resource: '*')",
       "Scope the statement to the tables, buckets, queues... the function uses.")
define("FG204", "medium", "Permissions granted but never used by the function's code",
       "Remove the unused actions; `fnguard policy` gives the minimal set.")
define("FG205", "critical", "Granted actions combine into a privilege-escalation path",
       "Remove the IAM/Lambda/STS actions of the path, or scope them to resources that cannot be abused.")
define("FG206", "high", "Data-exfiltration or credential-exposure actions granted on every resource",
       "Scope secret, parameter, key and object reads to the resources the function needs.")
define("FG207", "medium", "One role shared by functions with different needs (no segmentation)",
       "Give each function its own role with only what it needs.")
define("FG208", "medium", "Action the code needs is not granted (the call will fail at run time)",
       "Add the action, scoped to the resource, to the function's role.")
define("FG209", "low", "Policy names an action that does not exist (misspelt or retired)",
       "Fix the action name; an unknown action grants nothing.")
define("FG210", "info", "AWS calls in the code that fnguard could not map to IAM actions",
       "Check these calls by hand, or make the service and method literal so they can be mapped.")
define("FG211", "info", "Role defined outside the template: its permissions are unknown",
       "Scan the deployed account, or define the role in the template.")

# Permissions the Lambda platform uses on the function's behalf, never called by the code.
PLATFORM_ACTIONS = frozenset({
    "logs:createloggroup", "logs:createlogstream", "logs:putlogevents", "logs:tagresource",
    "xray:puttracesegments", "xray:puttelemetryrecords", "xray:getsamplingrules", "xray:getsamplingtargets",
    "xray:getsamplingstatisticsummaries",
    "ec2:createnetworkinterface", "ec2:describenetworkinterfaces", "ec2:deletenetworkinterface",
    "ec2:assignprivateipaddresses", "ec2:unassignprivateipaddresses", "ec2:describesubnets",
    "ec2:describesecuritygroups", "ec2:describevpcs",
})
TRIGGER_ACTIONS = {
    "sqs": frozenset({"sqs:receivemessage", "sqs:deletemessage", "sqs:getqueueattributes", "sqs:changemessagevisibility"}),
    "kinesis": frozenset({"kinesis:getrecords", "kinesis:getsharditerator", "kinesis:describestream",
                          "kinesis:describestreamsummary", "kinesis:listshards", "kinesis:liststreams",
                          "kinesis:subscribetoshard", "kinesis:describelimits"}),
    "mq": frozenset({"mq:describebroker", "secretsmanager:getsecretvalue"}),
    "kafka": frozenset({"kafka:describecluster", "kafka:describeclusterv2", "kafka:getbootstrapbrokers",
                        "kafka-cluster:connect", "kafka-cluster:describegroup", "kafka-cluster:altergroup",
                        "kafka-cluster:describetopic", "kafka-cluster:readdata", "kafka-cluster:describeclusterdynamicconfiguration"}),
    "dynamodb": frozenset({"dynamodb:getrecords", "dynamodb:getsharditerator", "dynamodb:describestream",
                           "dynamodb:liststreams"}),
}


# Resource types that hold an application's data (as opposed to its configuration).
DATA_RESOURCE_TYPES = frozenset({
    "object", "table", "index", "stream", "queue", "topic", "Secret", "parameter", "key", "function",
    "stateMachine", "deliverystream", "event-bus", "log-group", "log-stream", "userpool", "workgroup",
    "database", "cluster", "file-system", "repository", "execution",
})


def is_data_plane(action: str) -> bool:
    """Reads and writes of data (GetObject, PutItem, Decrypt, Invoke), not configuration or tagging."""
    info = catalog.lookup(action)
    return bool(info and info.access_level in ("Read", "Write")
                and DATA_RESOURCE_TYPES.intersection(info.resource_types))


def platform_actions(function: Function) -> frozenset[str]:
    """Lower-case actions the platform needs for this function (logs, triggers, DLQ, VPC)."""
    actions = set(PLATFORM_ACTIONS)
    for trigger in function.triggers:
        actions |= TRIGGER_ACTIONS.get(trigger.type, frozenset())
    if function.dead_letter:
        actions |= {"sqs:sendmessage", "sns:publish"}
    if isinstance(function.properties, Mapping) and function.properties.get("FileSystemConfigs"):
        actions |= {"elasticfilesystem:clientmount", "elasticfilesystem:clientwrite",
                    "elasticfilesystem:clientrootaccess", "elasticfilesystem:describemounttargets"}
    return frozenset(actions)


@dataclass(frozen=True)
class _Grants:
    """The known grants of one function."""

    statements: tuple[Statement, ...]
    complete: bool
    """False when a managed policy or an external role could not be read."""


def _grants(function: Function) -> _Grants:
    sources = {s.source for s in function.statements}
    missing = [arn for arn in function.managed_policies if f"managed:{arn}" not in sources]
    external = bool(function.role and function.role.startswith("arn:") and not function.statements)
    return _Grants(tuple(function.statements), not missing and not external)


def _allows(statements: Iterable[Statement]) -> Iterator[Statement]:
    return (s for s in statements if s.effect.lower() == "allow")


_WILDCARD_NAME = re.compile(r"^(\*|[A-Za-z-]+[/:]\*)([/:].*)?$")


def wildcard_resource(resource: str) -> bool:
    """``*``, or an ARN naming every resource of its type: ``arn:aws:s3:::*/*``, ``table/*``."""
    if resource == "*":
        return True
    parts = resource.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return False
    if parts[2] == "s3":  # S3 ARNs have no type: the bucket name comes first
        return parts[5].startswith("*")
    return bool(_WILDCARD_NAME.match(parts[5]))


def _star_resource(statement: Statement) -> bool:
    return bool(statement.not_resources) or not statement.resources or any(
        wildcard_resource(policy.resource_text(r)) for r in statement.resources)


def _where(function: Function, statement: Statement | None = None) -> dict[str, object]:
    location = statement.location if statement is not None and statement.location.file else function.location
    return {"file": location.file, "line": location.line}


@check("FG201", "FG202", "FG203", "FG206", "FG209", "FG211")
def check_wildcards(app: App, context: ScanContext) -> Iterator[Finding]:
    """Grants that are too wide whatever the code does: ``*``, ``service:*``, data on ``*``."""
    for function in app.functions:
        allows = list(_allows(function.statements))
        admin = [s for s in allows if _star_resource(s) and (
            "*" in s.actions or (s.not_actions and not s.actions))]
        for statement in admin:
            yield finding("FG201", f"{function.name}: {statement.source or 'a statement'} allows every action "
                          "on every resource", function=function.name, **_where(function, statement),
                          details={"actions": list(statement.actions or ["NotAction"]),
                                   "source": statement.source, "subject": statement.source})
        service_wide = sorted({a for s in allows for a in s.actions if a.endswith(":*") and a != "*"})
        if service_wide:
            yield finding("FG202", f"{function.name}: grants whole services: {', '.join(service_wide)}",
                          function=function.name, **_where(function),
                          details={"actions": service_wide, "subject": ",".join(service_wide)})
        data_plane: set[str] = set()
        platform = platform_actions(function)
        for statement in allows:
            if statement in admin or not _star_resource(statement):
                continue
            for pattern in statement.actions:
                if any(is_data_plane(a) and a.lower() not in platform for a in catalog.expand(pattern)):
                    data_plane.add(pattern)
        if data_plane:
            shown = sorted(data_plane)
            yield finding("FG203", f"{function.name}: data-plane actions on Resource '*': {', '.join(shown[:12])}"
                          + (f" and {len(shown) - 12} more" if len(shown) > 12 else ""),
                          function=function.name, **_where(function),
                          details={"actions": shown, "subject": ",".join(shown)})
        if not admin:
            wide = [s for s in allows if _star_resource(s)]
            exposed = sorted(
                action for action in risky.data_exfiltration() | risky.credentials_exposure()
                if catalog.lookup(action)
                and any(policy.statement_applies(s, action, None, region=app.region) for s in wide)
                and policy.evaluate(function.statements, action, None, region=app.region) == policy.ALLOW
            )
            if exposed:
                names = [catalog.lookup(a).action for a in exposed]  # type: ignore[union-attr]
                yield finding("FG206", f"{function.name}: can read secrets or data anywhere: {', '.join(names)}",
                              function=function.name, **_where(function),
                              details={"actions": names, "subject": ",".join(names)})
        for action, statement in policy.invalid_actions(function.statements):
            hint = catalog.suggest(action)
            yield finding("FG209", f"{function.name}: unknown action {action}"
                          + (f" (did you mean {hint}?)" if hint else ""),
                          function=function.name, **_where(function, statement),
                          details={"actions": [action], "suggestion": hint, "source": statement.source,
                                   "subject": action})
        if function.role and function.role.startswith("arn:") and not function.statements:
            yield finding("FG211", f"{function.name}: uses role {function.role}, defined outside the template; "
                          "its permissions are unknown", function=function.name, **_where(function),
                          details={"actions": [], "role": function.role, "subject": function.role})


@check("FG205")
def check_escalation(app: App, context: ScanContext) -> Iterator[Finding]:
    """Combinations of grants that let the function give itself (or a role it passes) more power."""
    for function in app.functions:
        # Like cloudsplaining, only actions granted on every resource count: iam:PassRole on one
        # named role, or lambda:CreateFunction on one function name, is not an open path. PassRole
        # is asked with the service the path passes the role to, so that a grant limited by
        # iam:PassedToService (AWS managed policies do this) opens only its own service's paths.
        paths = [path for path in risky.escalations() if _path_open(function, path, app.region)]
        if not paths:
            continue
        actions = sorted({catalog.lookup(a).action for p in paths for a in p.actions if catalog.lookup(a)})  # type: ignore[union-attr]
        names = [p.name for p in paths]
        yield finding("FG205", f"{function.name}: privilege escalation possible through "
                      f"{', '.join(names[:5])}" + (f" and {len(names) - 5} more" if len(names) > 5 else ""),
                      function=function.name, **_where(function),
                      details={"actions": actions, "paths": names, "subject": "escalation"})


_PASSED_TO = {"ecs": "ecs-tasks", "sagemaker": "sagemaker", "ec2": "ec2", "glue": "glue", "lambda": "lambda"}


def _path_open(function: Function, path: risky.Escalation, region: str) -> bool:
    services = sorted({a.split(":")[0] for a in path.actions} - {"iam", "sts"})
    for action in path.actions:
        request: dict[str, str] = {}
        if action == "iam:passrole" and services:
            request = {"iam:PassedToService": f"{_PASSED_TO.get(services[0], services[0])}.amazonaws.com"}
        if not policy.allowed(function.statements, action, "*", context=request, region=region):
            return False
    return True


def _needs(app: App, context: ScanContext) -> dict[str, FunctionNeeds]:
    return {f.name: function_needs(app, f, context.cache) for f in app.functions}


@check("FG204", "FG208", "FG210")
def check_needed_vs_granted(app: App, context: ScanContext) -> Iterator[Finding]:
    """Granted against needed, for functions whose code fnguard could read."""
    for function in app.functions:
        needs = function_needs(app, function, context.cache)
        if not needs.analyzed:
            continue
        grants = _grants(function)
        if needs.unresolved or needs.unmapped:
            lines = [f"{u.text} ({u.reason})" for u in needs.unresolved]
            lines += [f"{c.service}.{c.method}" for c in needs.unmapped]
            yield finding("FG210", f"{function.name}: {len(lines)} AWS call(s) could not be mapped: "
                          + "; ".join(lines[:5]), function=function.name, **_where(function),
                          details={"actions": [], "calls": lines, "subject": "unresolved"})
        if grants.complete and function.statements:
            missing: dict[str, list[str]] = {}
            unset: dict[str, list[str]] = {}
            for need in needs.needs:
                for resource in need.resources:
                    target = None if resource == "*" else resource
                    if not granted_within(function.statements, need.action, target, app):
                        missing.setdefault(need.action, []).append(resource)
                if need.unset_env and need.action not in missing and not policy.allowed(
                        function.statements, need.action, "*", region=app.region):
                    # The resource comes from a variable the function does not set: whatever the
                    # grant, this call cannot reach what the code meant (DVSA CreateReceipt).
                    unset[need.action] = list(need.unset_env)
            if unset:
                names = sorted({v for vs in unset.values() for v in vs})
                yield finding("FG208", f"{function.name}: needs {', '.join(sorted(unset))} on the resource named by "
                              f"{', '.join(names)}, which the function's environment does not set",
                              function=function.name, **_where(function),
                              details={"actions": sorted(unset), "unset_environment": names,
                                       "subject": "unset:" + ",".join(names)})
            if missing:
                actions = sorted(missing)
                yield finding("FG208", f"{function.name}: needs {', '.join(actions)} but the role does not "
                              "grant it", function=function.name, **_where(function),
                              details={"actions": actions, "resources": missing,
                                       "subject": ",".join(actions)})
        if needs.unresolved or needs.unmapped:
            continue  # an unknown call could use any grant: do not call grants unused
        # A shared role serves every function that has it: a grant one of them uses is not unused
        # (the missing segmentation is FG207's finding, not this one's).
        sharers = _role_sharers(app, function)
        sharer_needs = [function_needs(app, f, context.cache) for f in sharers]
        if any(not n.analyzed or n.unresolved or n.unmapped for n in sharer_needs):
            continue
        needed = {a.lower() for n in (needs, *sharer_needs) for a in n.actions}
        needed |= {a for f in (function, *sharers) for a in platform_actions(f)}
        unused: list[str] = []
        broader: dict[str, list[str]] = {}
        for statement in _allows(function.statements):
            for pattern in statement.actions:
                used = [a for a in needed if catalog.action_matches(pattern, a)]
                if not used:
                    unused.append(pattern)
                elif ("*" in pattern or "?" in pattern) and len(catalog.expand(pattern)) > len(used):
                    broader[pattern] = sorted(catalog.lookup(a).action for a in used if catalog.lookup(a))  # type: ignore[union-attr]
        unused = sorted(set(unused))
        if unused or broader:
            parts = []
            if unused:
                parts.append("granted but never used: " + ", ".join(unused[:15])
                             + (f" and {len(unused) - 15} more" if len(unused) > 15 else ""))
            if broader:
                parts.append("wildcards wider than the code needs: " + ", ".join(
                    f"{p} (uses {len(u)} of {len(catalog.expand(p))})" for p, u in sorted(broader.items())))
            yield finding("FG204", f"{function.name}: " + "; ".join(parts),
                          function=function.name, **_where(function),
                          details={"actions": unused + sorted(broader), "unused": unused, "broader": broader,
                                   "needed": sorted(needs.actions), "subject": ",".join(unused + sorted(broader))})


def _role_sharers(app: App, function: Function) -> list[Function]:
    """The other functions of the app that run with the same role."""
    return [
        other for other in app.functions
        if other.name != function.name and (
            (function.role is not None and other.role == function.role)
            or other.name in function.role_shared_with)
    ]


@check("FG207")
def check_shared_roles(app: App, context: ScanContext) -> Iterator[Finding]:
    """Functions that share one role although their code needs different things."""
    groups: dict[str, list[Function]] = {}
    for function in app.functions:
        if function.role:
            groups.setdefault(function.role, []).append(function)
        elif function.role_shared_with:
            key = "|".join(sorted((function.name, *function.role_shared_with)))
            groups.setdefault(key, []).append(function)
    for role, members in groups.items():
        if len(members) < 2:
            continue
        needs = [function_needs(app, f, context.cache) for f in members]
        analyzed = [n for n in needs if n.analyzed]
        distinct = {n.actions for n in analyzed}
        if len(analyzed) < 2 or len(distinct) < 2:
            continue
        union = sorted({a for n in analyzed for a in n.actions})
        names = sorted(f.name for f in members)
        yield finding("FG207", f"role {role} is shared by {', '.join(names)}, whose code needs different "
                      "actions", function=names[0], **_where(members[0]),
                      details={"actions": union, "functions": names, "role": role,
                               "needs": {n.function: list(n.actions) for n in analyzed},
                               "subject": role})
