"""``fnguard deps PATH``: per function, what it ships and which of it is known-vulnerable.

PATH is what ``fnguard scan`` takes; a directory without a template is audited as one unit,
and a single dependency file (a lock file, requirements.txt) on its own.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fnguard import __version__
from fnguard.model import SEVERITIES, App, Function, InputError, severity_at_least

HELP = "list each function's dependencies and their known vulnerabilities (text, json or CycloneDX SBOM)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="app directory or template (as for scan), a plain directory, or one lock file")
    parser.add_argument("--db", dest="vuln_db", help="vulnerability database: an fnguard store, OSV zip, directory or JSONL(.gz)")
    parser.add_argument("--format", choices=("text", "json", "cyclonedx"), default="text")
    parser.add_argument("--output", "-o", help="write the report to this file instead of stdout")
    parser.add_argument("--force", action="store_true", help="overwrite --output if it exists")
    parser.add_argument("--fail-on", choices=SEVERITIES, help="exit 1 when a dependency finding is at or above this severity")


# Entry files of a directory audited without a template (Chalice's app.py, Lambda's defaults).
_HANDLER_GUESSES = ("app.py", "handler.py", "lambda_function.py", "main.py", "index.js", "handler.js", "index.mjs")


def _targets(path: Path) -> tuple[list[App], dict[str, Any]]:
    """Apps to audit, and per pseudo-function an inventory override (single-file mode)."""
    from fnguard.deps.inventory import collect_file, parser_for

    if path.is_file() and parser_for(path) is not None:
        function = Function(name=path.name)
        return [App(name=path.name, source=str(path), format="files", root=str(path.parent), functions=(function,))], {
            path.name: collect_file(path)
        }
    from fnguard.load import find_templates, load_path

    if path.is_dir() and not find_templates(path):
        handler = next((path / n for n in _HANDLER_GUESSES if (path / n).is_file()), None)
        function = Function(name=path.name or str(path), code_dir=str(path.resolve()),
                            handler_file=str(handler.resolve()) if handler else None)
        return [App(name=path.name, source=str(path), format="files", root=str(path.resolve()), functions=(function,))], {}
    return load_path(path), {}


def _package_json(package: Any) -> dict[str, Any]:
    dependency = package.dependency
    return {
        "ecosystem": dependency.ecosystem,
        "name": dependency.name,
        "version": dependency.version,
        "files": list(package.files),
        "direct": dependency.direct,
        "dev": dependency.dev,
        "reachable": package.reachable,
        "vulnerabilities": package.ids,
        "fixed_in": package.fixed_in,
    }


def run(args: argparse.Namespace) -> int:
    from fnguard.analyze.dependencies import audit_findings
    from fnguard.deps.audit import audit_function
    from fnguard.deps.vulndb import STALE_AFTER_DAYS, VulnDBError, shared_database
    from fnguard.output import write_output

    path = Path(args.path)
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    try:
        database = shared_database(args.vuln_db)
    except VulnDBError as exc:
        raise InputError(str(exc)) from None
    warnings = [f"vulnerability database for {s.ecosystem} is from {s.snapshot} (older than {STALE_AFTER_DAYS} days); "
                "run 'fnguard db update'" for s in database.stale()]
    apps, overrides = _targets(path)
    cache: dict[str, Any] = {}
    audits = []
    findings = []
    for app in apps:
        app_audits = [audit_function(app, f, database, cache, overrides.get(f.name)) for f in app.functions]
        audits.append((app, app_audits))
        for audit in app_audits:
            warnings.extend(e for e in audit.errors if e not in warnings)
            findings.extend(audit_findings(audit, app.root))
    if args.format == "cyclonedx":
        from fnguard.report.cyclonedx import render

        text = render(apps[0].name if len(apps) == 1 else str(path), audits)
    elif args.format == "json":
        text = json.dumps(_json_report(audits, findings, warnings, database), indent=2) + "\n"
    else:
        text = _text_report(audits, findings, warnings)
    write_output(text, args.output, force=args.force)
    if args.format != "text" or args.output:
        for warning in warnings:
            sys.stderr.write(f"fnguard: warning: {warning}\n")
    if args.fail_on and any(severity_at_least(f.severity, args.fail_on) for f in findings):
        return 1
    return 0


def _json_report(audits: Sequence[tuple[App, Sequence[Any]]], findings: list[Any], warnings: list[str], database: Any) -> dict[str, Any]:
    return {
        "fnguard": __version__,
        "database": [vars(info) for info in database.info()],
        "apps": [
            {
                "name": app.name,
                "source": app.source,
                "functions": [
                    {
                        "name": audit.function.name,
                        "directories": list(audit.directories),
                        "blast_radius": audit.blast_radius,
                        "packages": [_package_json(p) for p in audit.packages],
                        "unpinned": [{"ecosystem": d.ecosystem, "name": d.name, "spec": d.spec, "file": d.file}
                                     for d in audit.unpinned],
                        "unauditable": [{"ecosystem": d.ecosystem, "name": d.name, "source": d.spec, "kind": d.unauditable,
                                         "file": d.file} for d in audit.unauditable],
                    }
                    for audit in app_audits
                ],
            }
            for app, app_audits in audits
        ],
        "findings": [f.to_json() for f in findings],
        "warnings": warnings,
    }


def _text_report(audits: Sequence[tuple[App, Sequence[Any]]], findings: list[Any], warnings: list[str]) -> str:
    by_function: dict[tuple[str, str], list[Any]] = {}
    lines: list[str] = []
    for app, app_audits in audits:
        lines.append(f"{app.name} ({app.source})")
        for audit in app_audits:
            own = [f for f in findings if f.function == audit.function.name]
            by_function[(app.name, audit.function.name)] = own
            vulnerable = [f for f in own if f.rule_id == "FG301"]
            lines.append(f"  {audit.function.name}: {len(audit.packages)} pinned packages, {len(vulnerable)} vulnerable, "
                         f"{len(audit.unpinned)} unpinned, {len(audit.unauditable)} unauditable")
            for item in sorted(own, key=lambda f: (-SEVERITIES[::-1].index(f.severity), f.rule_id)):
                details = item.details
                if item.rule_id == "FG301":
                    ids = ", ".join(details["ids"][:6]) + (" ..." if len(details["ids"]) > 6 else "")
                    reach = {True: "imported", False: "not imported", None: "reachability unknown"}[details["reachable"]]
                    lines.append(f"    [{item.severity}] {details['package']} {details['version']}: {ids}; "
                                 f"fixed in {details['fixed_in'] or '(none known)'}; {reach}")
                else:
                    lines.append(f"    [{item.severity}] {item.rule_id} {item.message}")
    for warning in warnings:
        lines.append(f"warning: {warning}")
    return "\n".join(lines) + "\n"
