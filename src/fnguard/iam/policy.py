"""Policy evaluation: is action A on resource R allowed by these statements?

This follows IAM's order: an explicit ``Deny`` wins, then any ``Allow``, else the request is
implicitly denied. ``NotAction``/``NotResource`` are the complements of their lists. fnguard reads
templates, not requests, so a condition whose key the caller does not know is *unknown*: we take
the widest reading (an ``Allow`` may apply, a ``Deny`` may not) because the question fnguard asks
is "what could this function do", and the answer must not understate it.

Resources are ARN patterns. Templates write them with ``${AWS::Region}`` and friends (Fn::Sub);
those pseudo parameters match anything. References to the template's own resources are kept as
``${Logical}`` / ``${Logical.Arn}`` text and compare literally (see :func:`resource_text`).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fnguard.iam import catalog
from fnguard.model import Statement

ALLOW = "allow"
DENY = "deny"
IMPLICIT_DENY = "implicit"

_PSEUDO = re.compile(r"\$\{AWS::[A-Za-z]+\}")
# What a request resource's pseudo parameters stand for when it is compared against patterns.
_PSEUDO_VALUES = {"${AWS::Partition}": "aws", "${AWS::AccountId}": "123456789012", "${AWS::URLSuffix}": "amazonaws.com"}


def resource_text(value: Any) -> str:
    """A template's resource value as one string: intrinsics become ``${...}`` text.

    ``{"Fn::GetAtt": ["T", "Arn"]}`` → ``${T.Arn}``; ``{"Ref": "T"}`` → ``${T}``;
    ``{"Fn::Sub": "arn:...:${T}"}`` → its string; ``Fn::Join`` joins its parts.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and len(value) == 1:
        (key, arg), = value.items()
        if key == "Ref":
            return f"${{{arg}}}"
        if key == "Fn::GetAtt":
            parts = arg.split(".", 1) if isinstance(arg, str) else list(arg)
            return "${" + ".".join(str(p) for p in parts) + "}"
        if key == "Fn::Sub":
            return arg if isinstance(arg, str) else str(arg[0]) if isinstance(arg, list) and arg else "*"
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
            return str(arg[0]).join(resource_text(part) for part in arg[1])
        if key == "Fn::ImportValue":
            return "*"
    return "*"


def _resource_regex(pattern: str) -> re.Pattern[str]:
    pattern = _PSEUDO.sub("*", pattern)
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL)


def resource_matches(pattern: str, resource: str, region: str = "us-east-1") -> bool:
    """Does the statement's resource ``pattern`` cover the request's ``resource``?"""
    if pattern == "*":
        return True
    for pseudo, concrete in {**_PSEUDO_VALUES, "${AWS::Region}": region}.items():
        resource = resource.replace(pseudo, concrete)
    return _resource_regex(pattern).fullmatch(resource) is not None


def _covers_action(statement: Statement, action: str) -> bool:
    if statement.actions:
        return any(catalog.action_matches(p, action) for p in statement.actions)
    if statement.not_actions:
        return not any(catalog.action_matches(p, action) for p in statement.not_actions)
    return False


def _covers_resource(statement: Statement, resource: str | None, region: str) -> bool:
    """``resource=None`` asks "does it apply to at least one resource?"."""
    if statement.resources:
        if resource is None:
            return True
        return any(resource_matches(resource_text(p), resource, region) for p in statement.resources)
    if statement.not_resources:
        if resource is None:
            return not any(resource_text(p) == "*" for p in statement.not_resources)
        return not any(resource_matches(resource_text(p), resource, region) for p in statement.not_resources)
    # A statement without Resource is invalid in an identity policy, except that SAM and Serverless
    # fill it in; treat it as "*" so that we never understate a grant.
    return True


def _values(raw: Any) -> list[str]:
    if isinstance(raw, list | tuple):
        return [str(v) for v in raw]
    return [str(raw)]


_STRING_OPS = {
    "StringEquals": lambda p, v: p == v,
    "StringNotEquals": lambda p, v: p != v,
    "StringEqualsIgnoreCase": lambda p, v: p.lower() == v.lower(),
    "StringNotEqualsIgnoreCase": lambda p, v: p.lower() != v.lower(),
    "StringLike": lambda p, v: fnmatch.fnmatchcase(v, p),
    "StringNotLike": lambda p, v: not fnmatch.fnmatchcase(v, p),
    "ArnEquals": lambda p, v: fnmatch.fnmatchcase(v, p),
    "ArnLike": lambda p, v: fnmatch.fnmatchcase(v, p),
    "ArnNotEquals": lambda p, v: not fnmatch.fnmatchcase(v, p),
    "ArnNotLike": lambda p, v: not fnmatch.fnmatchcase(v, p),
    "Bool": lambda p, v: p.lower() == v.lower(),
    "NumericEquals": lambda p, v: float(v) == float(p),
    "NumericNotEquals": lambda p, v: float(v) != float(p),
    "NumericLessThan": lambda p, v: float(v) < float(p),
    "NumericLessThanEquals": lambda p, v: float(v) <= float(p),
    "NumericGreaterThan": lambda p, v: float(v) > float(p),
    "NumericGreaterThanEquals": lambda p, v: float(v) >= float(p),
    "IpAddress": lambda p, v: _in_cidr(v, p),
    "NotIpAddress": lambda p, v: not _in_cidr(v, p),
}
_NEGATED = {op for op in _STRING_OPS if "Not" in op}


def _in_cidr(address: str, cidr: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False


def condition_holds(conditions: Mapping[str, Any], context: Mapping[str, Any]) -> bool | None:
    """True/False when every key is known (or the operator tolerates absence), None when unknown."""
    unknown = False
    for raw_op, block in conditions.items():
        if not isinstance(block, Mapping):
            unknown = True
            continue
        qualifier, _, op = raw_op.rpartition(":")
        if_exists = op.endswith("IfExists")
        op = op.removesuffix("IfExists")
        for key, expected in block.items():
            present = {k.lower(): v for k, v in context.items()}
            if op == "Null":
                is_null = key.lower() not in present
                if (str(expected).lower() == "true") != is_null:
                    return False
                continue
            check = _STRING_OPS.get(op)
            if check is None:
                unknown = True
                continue
            if key.lower() not in present:
                if if_exists:
                    continue
                unknown = True
                continue
            actual = _values(present[key.lower()])
            wanted = _values(expected)
            try:
                if op in _NEGATED:
                    result = all(check(w, a) for a in actual for w in wanted)
                elif qualifier == "ForAllValues":
                    result = all(any(check(w, a) for w in wanted) for a in actual)
                else:
                    result = any(check(w, a) for a in actual for w in wanted)
            except ValueError:
                unknown = True
                continue
            if not result:
                return False
    return None if unknown else True


def statement_applies(
    statement: Statement,
    action: str,
    resource: str | None = "*",
    context: Mapping[str, Any] | None = None,
    region: str = "us-east-1",
) -> bool:
    """Does this one statement speak about (action, resource)? Unknown conditions: see module doc."""
    if not _covers_action(statement, action) or not _covers_resource(statement, resource, region):
        return False
    if not statement.conditions:
        return True
    held = condition_holds(statement.conditions, context or {})
    if held is None:
        return statement.effect.lower() == "allow"
    return held


def evaluate(
    statements: Iterable[Statement],
    action: str,
    resource: str | None = "*",
    context: Mapping[str, Any] | None = None,
    region: str = "us-east-1",
) -> str:
    """``allow``, ``deny`` (explicit) or ``implicit`` for one request."""
    decision = IMPLICIT_DENY
    for statement in statements:
        if not statement_applies(statement, action, resource, context, region):
            continue
        if statement.effect.lower() == "deny":
            # A Deny scoped to particular resources does not deny "some resource" questions.
            if resource is None and not _denies_everywhere(statement):
                continue
            return DENY
        decision = ALLOW
    return decision


def _denies_everywhere(statement: Statement) -> bool:
    return (not statement.resources and not statement.not_resources) or any(
        resource_text(r) == "*" for r in statement.resources
    )


def allowed(statements: Sequence[Statement], action: str, resource: str | None = "*",
            context: Mapping[str, Any] | None = None, region: str = "us-east-1") -> bool:
    return evaluate(statements, action, resource, context, region) == ALLOW


def granted_actions(statements: Sequence[Statement]) -> dict[str, tuple[Statement, ...]]:
    """Every catalogued action the statements allow on at least one resource, with the Allows granting it."""
    grants: dict[str, list[Statement]] = {}
    for statement in statements:
        if statement.effect.lower() != "allow":
            continue
        if statement.actions:
            names = {a for pattern in statement.actions for a in catalog.expand(pattern)}
        else:
            excluded = {a for pattern in statement.not_actions for a in catalog.expand(pattern)}
            names = set(catalog.expand("*")) - excluded if statement.not_actions else set()
        for name in names:
            grants.setdefault(name, []).append(statement)
    denies = [s for s in statements if s.effect.lower() == "deny" and _denies_everywhere(s) and not s.conditions]
    return {
        action: tuple(by)
        for action, by in sorted(grants.items())
        if not any(_covers_action(d, action) for d in denies)
    }


def invalid_actions(statements: Iterable[Statement]) -> list[tuple[str, Statement]]:
    """Actions written in the statements that match nothing in the catalogue (typos, dead services)."""
    found: list[tuple[str, Statement]] = []
    for statement in statements:
        for pattern in (*statement.actions, *statement.not_actions):
            if not isinstance(pattern, str) or pattern == "*":
                continue
            prefix = pattern.partition(":")[0].lower()
            if prefix not in catalog.prefixes() and "*" not in prefix:
                found.append((pattern, statement))
            elif not catalog.expand(pattern):
                found.append((pattern, statement))
    return found
