"""The scan pipeline: load every app under a path, analyse it, then apply suppressions.

Kept apart from the command line so that the server, the account scanner and tests run the
very same steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fnguard import __version__
from fnguard.analyze import ScanContext, analyze
from fnguard.model import SEVERITY_RANK, App, Finding
from fnguard.project_config import load_project_config
from fnguard.suppression import Baseline, Suppressor


@dataclass
class ScanResult:
    """What one ``fnguard scan`` produced, before formatting."""

    apps: list[App]
    findings: list[Finding]
    warnings: list[str] = field(default_factory=list)
    suppressed: dict[str, int] = field(default_factory=dict)
    """How many findings each suppression mechanism hid: ``inline``, ``config``, ``baseline``."""
    version: str = __version__

    def to_json(self) -> dict:
        return {
            "fnguard": self.version,
            "apps": [app.to_json() for app in self.apps],
            "findings": [f.to_json() for f in self.findings],
            "summary": summarize(self.findings),
            "suppressed": dict(self.suppressed),
            "warnings": list(self.warnings),
        }


def summarize(findings: list[Finding]) -> dict[str, dict[str, int]]:
    """Counts by severity and by risk, for the report's headline."""
    by_severity: dict[str, int] = {}
    by_risk: dict[str, int] = {}
    for item in findings:
        by_severity[item.severity] = by_severity.get(item.severity, 0) + 1
        by_risk[item.risk] = by_risk.get(item.risk, 0) + 1
    return {"by_severity": by_severity, "by_risk": by_risk}


def sort_key(item: Finding) -> tuple:
    return (-SEVERITY_RANK[item.severity], item.risk, item.rule_id, item.function or "", item.file or "",
            item.line or 0)


def scan_path(path: str | Path, *, baseline: Path | None = None, vuln_db: str | None = None,
              stage: str | None = None, params: dict[str, str] | None = None) -> ScanResult:
    """Load, analyse and filter; raises :class:`fnguard.model.InputError` on bad input."""
    from fnguard.load import load_path

    apps = load_path(path, stage=stage, params=params)
    target = Path(path).resolve()
    base = target if target.is_dir() else target.parent
    findings: list[Finding] = []
    warnings: list[str] = []
    counts = {"inline": 0, "config": 0, "baseline": 0}
    for app in apps:
        config = load_project_config(Path(app.root))
        context = ScanContext(config=config.raw, vuln_db=vuln_db)
        app_findings = [_relative(f, base) for f in analyze(app, context)]
        suppressor = Suppressor(base, config.ignore)
        kept = []
        for item in app_findings:
            reason = suppressor.why_suppressed(item)
            if reason:
                counts[reason] += 1
            else:
                kept.append(item)
        findings.extend(kept)
        warnings.extend(f"{app.name}: {w}" for w in app.warnings)
        warnings.extend(context.warnings)
    if baseline is not None:
        known = Baseline.read(baseline)
        before = len(findings)
        findings = [f for f in findings if not known.contains(f)]
        counts["baseline"] = before - len(findings)
    findings = _dedupe(findings)
    findings.sort(key=sort_key)
    warnings = list(dict.fromkeys(warnings))  # one database-age notice, not one per app
    return ScanResult(apps=apps, findings=findings, warnings=warnings, suppressed=counts)


def _relative(item: Finding, base: Path) -> Finding:
    """Report files relative to the scanned directory, so reports are stable across machines."""
    if not item.file:
        return item
    try:
        relative = Path(item.file).resolve().relative_to(base)
    except ValueError:
        return item
    from dataclasses import replace

    return replace(item, file=str(relative))


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple] = set()
    unique = []
    for item in findings:
        key = (item.rule_id, item.function, item.file, item.line, item.message)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique
