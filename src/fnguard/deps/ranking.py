"""Severity of a vulnerable package in one function: the advisory's, moved by context.

Start from the worst CVSS rating (``medium`` when the advisories carry none); one step down
when the handler does not import the package, one down when the function is known to be internal
(it has triggers, none public) with narrow permissions, one down for development-only packages or packages of another ecosystem than
the runtime's (the Serverless Framework's npm plugins beside Python code); one step up when an imported
package sits in a public function with wide permissions. Every step is said in the message.
"""

from __future__ import annotations

from typing import Any

from fnguard.deps.audit import PackageAudit
from fnguard.deps.blast import describe
from fnguard.model import SEVERITIES, SEVERITY_RANK

UNRATED = "medium"
_FLOOR = "low"


def rank(package: PackageAudit, radius: dict[str, Any], runtime: str | None = None) -> tuple[str, list[str]]:
    """``(severity, reasons)`` for one vulnerable package of one function (``runtime``: its ecosystem)."""
    base = package.base_severity
    reasons = [f"advisory severity {base}" if base else f"advisories carry no CVSS score (taken as {UNRATED})"]
    score = SEVERITY_RANK[base or UNRATED]
    if package.reachable is True:
        reasons.append(package.reach_reason)
    elif package.reachable is False:
        score -= 1
        reasons.append(package.reach_reason + " (lowered)")
    else:
        reasons.append(package.reach_reason)
    context = describe(radius)
    if radius.get("triggers") and not radius.get("public") and not radius.get("wide_permissions"):
        score -= 1
        reasons.append((context[0] if context else "the function has no public trigger") + ", with narrow permissions (lowered)")
    elif package.reachable is True and radius.get("public") and radius.get("wide_permissions"):
        score += 1
        reasons.extend(context)
        reasons[-1] += " (raised)"
    else:
        reasons.extend(context)
    if package.dependency.dev:
        score -= 1
        reasons.append("listed as a development dependency only (lowered)")
    elif runtime and runtime != package.dependency.ecosystem:
        score -= 1
        reasons.append(f"a {package.dependency.ecosystem} package beside a {runtime} runtime is build tooling, "
                       "not loaded by the function (lowered)")
    score = max(SEVERITY_RANK[_FLOOR], min(score, SEVERITY_RANK["critical"]))
    severity = next(name for name in SEVERITIES if SEVERITY_RANK[name] == score)
    return severity, reasons
