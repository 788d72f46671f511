"""Privilege-escalation, credential-exposure and data-exfiltration tables.

These come from cloudsplaining (MIT), a maintained list, not a guess: a function whose grants
contain every action of one combination can raise its own privileges. The shipped copy is
``fnguard/data/iam/risky.json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Escalation:
    """One privilege-escalation path: a name and the actions that together open it."""

    name: str
    actions: tuple[str, ...]


@cache
def _data() -> dict[str, Any]:
    return json.loads(resources.files("fnguard").joinpath("data/iam/risky.json").read_text())


# Paths the issue names that cloudsplaining splits differently: a function that can create a
# function with a role of its choosing, or assume any role, holds those roles' power already.
ADDITIONS: dict[str, tuple[str, ...]] = {
    "PassExistingRoleToNewLambda": ("iam:passrole", "lambda:createfunction"),
    "PassExistingRoleToUpdatedLambda": ("iam:passrole", "lambda:updatefunctionconfiguration"),
    "AssumeAnyRole": ("sts:assumerole",),
}


@cache
def escalations() -> tuple[Escalation, ...]:
    table = {**_data()["privilege_escalation"], **ADDITIONS}
    return tuple(
        Escalation(name, tuple(sorted(a.lower() for a in actions)))
        for name, actions in sorted(table.items())
    )


@cache
def credentials_exposure() -> frozenset[str]:
    return frozenset(a.lower() for a in _data()["credentials_exposure"])


@cache
def data_exfiltration() -> frozenset[str]:
    """cloudsplaining's list plus the issue's own examples (kms:Decrypt decrypts any secret)."""
    return frozenset(a.lower() for a in _data()["data_exfiltration"]) | {"kms:decrypt"}


def escalations_in(granted: Iterable[str]) -> list[Escalation]:
    """Every combination fully contained in the granted actions (any case)."""
    have = {a.lower() for a in granted}
    return [e for e in escalations() if set(e.actions) <= have]
