"""IAM policy from what learn mode observed, joined with the static analysis.

Observed calls (``dynamodb.PutItem``) become IAM actions through the same boto3 map the scanner
uses. With the app, each action keeps the resources the static least-privilege policy gives it,
so the result is never broader than the static one; actions seen at run time that the code
analysis missed are added (on ``*`` when no resource is known) and listed as such.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fnguard.model import InputError, Statement


def observed_actions(merged: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(IAM actions, calls that could not be mapped)."""
    from botocore import xform_name

    from fnguard.iam import boto3_map

    actions: set[str] = set()
    unknown: list[str] = []
    for call in merged.get("aws_call", []):
        service, _, operation = str(call).partition(".")
        needs = boto3_map.method_actions(service, xform_name(operation))
        if not needs:
            unknown.append(call)
            continue
        actions.update(need.action for need in needs if need.condition is None)
    return sorted(actions), unknown


def observed_policy(merged: Mapping[str, Any], *, app_path: str | None = None,
                    function: str | None = None) -> tuple[dict[str, Any], list[str]]:
    """The policy document, and notes (actions only seen at run time, calls not mapped)."""
    actions, unknown = observed_actions(merged)
    static: list[Statement] = []
    if app_path:
        from fnguard.iam import generate
        from fnguard.load import load_path

        apps = load_path(app_path)
        names = [function] if function else list(merged.get("functions") or [])
        target = next(((app, fn) for app in apps for fn in app.functions if fn.name in names), None)
        if target is None:
            raise InputError(f"{app_path}: no function named {', '.join(map(str, names)) or '(none given)'}; use --function")
        app, fn = target
        static = list(generate.least_privilege(app, fn, generate.function_needs(app, fn)))
    statements: list[dict[str, Any]] = []
    covered: set[str] = set()
    for statement in static:
        kept = [a for a in statement.actions if a in actions]
        if kept:
            covered.update(kept)
            statements.append(Statement(actions=tuple(kept), resources=statement.resources).to_json())
    extra = [a for a in actions if a not in covered]
    if extra:
        statements.append({"Effect": "Allow", "Action": extra, "Resource": ["*"]})
    notes = [f"observed at run time but not found by the code analysis: {a}" for a in extra if app_path]
    notes += [f"could not map the call {call} to an IAM action" for call in unknown]
    return {"Version": "2012-10-17", "Statement": statements}, notes
