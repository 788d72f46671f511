"""Dependency rules (FG3xx): what each function ships that is known-vulnerable, unpinned or unauditable.

The facts come from :mod:`fnguard.deps.audit`; this module only turns them into findings and
warnings. Unreadable dependency files and a stale database are warnings: the scan goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from fnguard.analyze.context import ScanContext
from fnguard.analyze.registry import check, define, finding
from fnguard.deps.audit import FunctionAudit, PackageAudit, audit_function, runtime_ecosystem
from fnguard.deps.ranking import rank
from fnguard.deps.vulndb import STALE_AFTER_DAYS, VulnDatabase, VulnDBError, shared_database
from fnguard.model import App, Finding

define("FG301", "high", "Function ships a package version with known vulnerabilities",
       "Upgrade the package to the fixed version (fixed_in), or remove it if the function does not need it.")
define("FG302", "low", "Dependency not pinned to one version (not reproducible, cannot be audited)",
       "Pin the exact version (==1.2.3, or a lock file) and update it deliberately.")
define("FG303", "info", "Dependency taken from a URL, VCS or local path cannot be audited",
       "Depend on a released version from the package index, or audit that source yourself.")

_DB_KEY = "deps.database"


def database_for(context: ScanContext) -> VulnDatabase | None:
    """The scan's database, opened once; a broken one is a warning and dependency rules are skipped."""
    if _DB_KEY not in context.cache:
        try:
            database = shared_database(context.vuln_db)
        except VulnDBError as exc:
            context.warn(f"vulnerability database unavailable, dependency checks skipped: {exc}")
            database = None
        if database is not None:
            for item in database.stale():
                context.warn(
                    f"vulnerability database for {item.ecosystem} is from {item.snapshot} "
                    f"(older than {STALE_AFTER_DAYS} days); run 'fnguard db update'"
                )
        context.cache[_DB_KEY] = database
    return context.cache[_DB_KEY]


def _last_affected(package: PackageAudit) -> str | None:
    """The highest ``last_affected`` bound of the advisories, for advisories that record no fix."""
    from fnguard.deps.versions import InvalidVersionError, scheme_for

    scheme = scheme_for(package.dependency.ecosystem)
    bounds = [v for group in package.groups for a in group for events in a.ranges for k, v in events if k == "last_affected"]
    try:
        return max(bounds, key=scheme.key) if bounds else None
    except InvalidVersionError:
        return None


def _shown(path: str, root: str | None) -> str:
    """A path of the details relative to the app root (as the scan reports ``file``), when inside it."""
    if not root:
        return path
    try:
        return str(Path(path).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return path


def vulnerable_finding(audit: FunctionAudit, package: PackageAudit, root: str | None = None) -> Finding:
    """One FG301 finding: one package version of one function, every advisory id in details."""
    dependency = package.dependency
    severity, reasons = rank(package, audit.blast_radius, runtime_ecosystem(audit.function))
    count = len(package.groups)
    ids = package.ids
    shown = ", ".join(sorted({group[0].aliases[0] if group[0].aliases and group[0].aliases[0].startswith("CVE") else group[0].id
                              for group in package.groups})[:4])
    last = _last_affected(package)
    fix = (f"fixed in {package.fixed_in}" if package.fixed_in
           else f"no fixed version recorded (affected up to {last})" if last else "no fixed version known")
    message = (
        f"{dependency.name} {dependency.version} ({dependency.ecosystem}) has {count} known "
        f"vulnerabilit{'y' if count == 1 else 'ies'} ({shown}{', ...' if count > 4 else ''}); {fix}. "
        f"Severity {severity} because " + "; ".join(reasons) + "."
    )
    remediation = (
        f"Upgrade {dependency.name} to {package.fixed_in} or later." if package.fixed_in
        else f"No fixed release is known: remove {dependency.name} or isolate what reaches it."
    )
    return finding(
        "FG301",
        message,
        function=audit.function.name,
        file=dependency.file,
        line=dependency.line,
        severity=severity,
        remediation=remediation,
        details={
            "subject": f"{dependency.ecosystem}:{dependency.name.lower()}@{dependency.version}",
            "ecosystem": dependency.ecosystem,
            "package": dependency.name,
            "version": dependency.version,
            "ids": ids,
            "fixed_in": package.fixed_in,
            "reachable": package.reachable,
            "imported_by": [_shown(path, root) for path in package.imported_by],
            "blast_radius": audit.blast_radius,
            "advisories": [
                {"ids": [a.id for a in group] + sorted({x for a in group for x in a.aliases} - {a.id for a in group}),
                 "summary": group[0].summary,
                 "severity": next((a.severity for a in group if a.severity), None),
                 "score": next((a.score for a in group if a.score is not None), None)}
                for group in package.groups
            ],
            "severity_reasons": reasons,
            "files": [_shown(path, root) for path in package.files],
            "dev": dependency.dev,
        },
    )


def audit_findings(audit: FunctionAudit, root: str | None = None) -> Iterator[Finding]:
    """Every FG3xx finding of one function's audit; detail paths relative to ``root``."""
    for package in audit.vulnerable:
        yield vulnerable_finding(audit, package, root)
    runtime = runtime_ecosystem(audit.function)
    for dependency in audit.unpinned:
        if dependency.dev or (runtime and runtime != dependency.ecosystem):
            continue  # not deployed with the function: development tools, framework plugins
        yield finding(
            "FG302",
            f"{dependency.name} is required as {dependency.spec!r} in {Path(dependency.file).name}: "
            "the version deployed is whatever the index serves at build time, so it cannot be audited",
            function=audit.function.name, file=dependency.file, line=dependency.line,
            details={"subject": f"{dependency.ecosystem}:{dependency.name.lower()}", "ecosystem": dependency.ecosystem,
                     "package": dependency.name, "spec": dependency.spec},
        )
    for dependency in audit.unauditable:
        yield finding(
            "FG303",
            f"{dependency.name} comes from a {dependency.unauditable} source ({dependency.spec}); "
            "no advisory database can say whether it is vulnerable",
            function=audit.function.name, file=dependency.file, line=dependency.line,
            details={"subject": f"{dependency.ecosystem}:{dependency.name.lower()}", "ecosystem": dependency.ecosystem,
                     "package": dependency.name, "source": dependency.spec, "kind": dependency.unauditable},
        )


@check("FG301", "FG302", "FG303")
def dependency_findings(app: App, context: ScanContext) -> Iterator[Finding]:
    """Audit each function's dependencies; bad dependency files become warnings naming the file."""
    database = database_for(context)
    if database is None:
        return
    for function in app.functions:
        audit = audit_function(app, function, database, context.cache)
        for error in audit.errors:
            context.warn(error)
        yield from audit_findings(audit, app.root)
