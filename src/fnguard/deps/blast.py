"""Blast radius: who can reach a function and what its role lets code inside it do.

A compromised package runs with the function's permissions and receives whatever its triggers
deliver; so the same advisory matters more in a public function with wide permissions.
"""

from __future__ import annotations

from typing import Any

from fnguard.model import Function

_WIDE_MANAGED = ("FullAccess", "AdministratorAccess", "PowerUser", "AWSLambdaRole", "AWSLambdaExecute")


def blast_radius(function: Function) -> dict[str, Any]:
    """Facts for the finding's ``details.blast_radius`` and the severity ranking."""
    actions: set[str] = set()
    wildcard_actions: set[str] = set()
    wildcard_resources = False
    for statement in function.statements:
        if statement.effect != "Allow":
            continue
        for action in statement.actions:
            actions.add(action)
            if action == "*" or action.endswith(":*"):
                wildcard_actions.add(action)
        if statement.not_actions:
            wildcard_actions.add("NotAction")
        if any(resource == "*" for resource in statement.resources) or statement.not_resources:
            wildcard_resources = True
    wide_managed = sorted(p for p in function.managed_policies if any(w in p for w in _WIDE_MANAGED))
    public = [t for t in function.triggers if t.public]
    return {
        "public": bool(public),
        "public_triggers": sorted({f"{t.type}({t.auth})" for t in public}),
        "triggers": sorted({t.type for t in function.triggers}),
        "actions": len(actions),
        "services": sorted({action.split(":", 1)[0] for action in actions if ":" in action}),
        "wildcard_actions": sorted(wildcard_actions),
        "wildcard_resources": wildcard_resources,
        "wide_managed_policies": wide_managed,
        "wide_permissions": bool(wildcard_actions or wide_managed or (wildcard_resources and actions)),
    }


def describe(radius: dict[str, Any]) -> list[str]:
    """Sentences saying why the blast radius raises or lowers a finding."""
    reasons = []
    if radius["public"]:
        reasons.append(f"the function is reachable from the internet ({', '.join(radius['public_triggers'])})")
    elif radius["triggers"]:
        reasons.append(f"the function is only reached internally ({', '.join(radius['triggers'])})")
    if radius["wide_permissions"]:
        what = radius["wildcard_actions"] + radius["wide_managed_policies"]
        if radius["wildcard_resources"] and not what:
            what = ["Resource '*'"]
        reasons.append(f"its role grants wide permissions ({', '.join(what[:4])})")
    return reasons
