"""The rule registry: every rule's identity declared once, beside the check that emits it.

A rule id never changes meaning once released. ``fnguard rules`` and the docs are generated
from :data:`RULES`; nothing else lists rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fnguard.model import RISKS, SEVERITIES, Finding, Location

if TYPE_CHECKING:
    from fnguard.analyze.context import ScanContext
    from fnguard.model import App

_PREFIX_RISK = {"1": "perimeter", "2": "permissions", "3": "dependencies", "4": "code", "5": "wallet", "6": "reuse"}


@dataclass(frozen=True)
class Rule:
    """A rule's identity: what ``fnguard rules`` prints."""

    id: str
    risk: str
    severity: str
    description: str
    remediation: str = ""


RULES: dict[str, Rule] = {}

Check = Callable[["App", "ScanContext"], Iterable[Finding]]


@dataclass(frozen=True)
class RegisteredCheck:
    """An analysis function and the rule ids it may emit."""

    function: Check
    rule_ids: tuple[str, ...] = field(default_factory=tuple)


CHECKS: list[RegisteredCheck] = []


def define(rule_id: str, severity: str, description: str, remediation: str = "") -> Rule:
    """Declare a rule; its risk follows from the id (FG1xx perimeter ... FG6xx reuse)."""
    if not (len(rule_id) == 5 and rule_id.startswith("FG") and rule_id[2:].isdigit()):
        raise ValueError(f"bad rule id {rule_id!r}")
    risk = _PREFIX_RISK[rule_id[2]]
    if severity not in SEVERITIES or risk not in RISKS:
        raise ValueError(f"bad severity for {rule_id}")
    existing = RULES.get(rule_id)
    if existing is not None and existing.description != description:
        raise ValueError(f"rule {rule_id} defined twice with different meanings")
    rule = Rule(rule_id, risk, severity, description, remediation)
    RULES[rule_id] = rule
    return rule


def check(*rule_ids: str) -> Callable[[Check], Check]:
    """Register an analysis function that emits findings of the given (already defined) rules."""

    def register(function: Check) -> Check:
        missing = [rule_id for rule_id in rule_ids if rule_id not in RULES]
        if missing:
            raise ValueError(f"{function.__name__} emits undefined rules {missing}")
        CHECKS.append(RegisteredCheck(function, tuple(rule_ids)))
        return function

    return register


def finding(
    rule_id: str,
    message: str,
    *,
    function: str | None = None,
    location: Location | None = None,
    file: str | None = None,
    line: int | None = None,
    remediation: str | None = None,
    severity: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> Finding:
    """Build a finding of a registered rule, filling the rule's defaults."""
    rule = RULES[rule_id]
    if location is not None:
        file = file if file is not None else location.file
        line = line if line is not None else location.line
    return Finding(
        rule_id=rule_id,
        risk=rule.risk,
        severity=severity or rule.severity,
        function=function,
        file=file,
        line=line,
        message=message,
        remediation=remediation if remediation is not None else rule.remediation,
        details=dict(details or {}),
    )
