"""``fnguard diff OLD.json NEW.json``: what changed between two scan reports, to gate a pipeline.

Exit 1 when the risk grew (a permission added, a new public entry point, a new finding above
``info``), 0 otherwise, 2 on bad input. Findings are compared by rule, function, file and message,
not line, so that moving code does not look like a new problem.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fnguard.model import InputError

HELP = "compare two 'fnguard scan --format json' reports: permissions, triggers, findings"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", help="the earlier report (fnguard scan --format json)")
    parser.add_argument("new", help="the later report")
    parser.add_argument("--format", choices=("text", "json"), default="text")


@dataclass(frozen=True)
class FunctionDiff:
    name: str
    status: str
    """``added``, ``removed`` or ``changed``."""
    permissions_added: tuple[str, ...] = ()
    permissions_removed: tuple[str, ...] = ()
    triggers_added: tuple[dict[str, Any], ...] = field(default=(), hash=False, compare=False)
    triggers_removed: tuple[dict[str, Any], ...] = field(default=(), hash=False, compare=False)
    new_public: tuple[dict[str, Any], ...] = field(default=(), hash=False, compare=False)


@dataclass(frozen=True)
class ReportDiff:
    functions: tuple[FunctionDiff, ...]
    findings_new: tuple[dict[str, Any], ...]
    findings_fixed: tuple[dict[str, Any], ...]

    @property
    def risk_grew(self) -> bool:
        return (
            any(f.permissions_added or f.new_public for f in self.functions)
            or any(f.get("severity") != "info" for f in self.findings_new)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "risk_grew": self.risk_grew,
            "functions": [
                {"name": f.name, "status": f.status, "permissions_added": list(f.permissions_added),
                 "permissions_removed": list(f.permissions_removed), "triggers_added": list(f.triggers_added),
                 "triggers_removed": list(f.triggers_removed), "new_public_entry_points": list(f.new_public)}
                for f in self.functions
            ],
            "findings": {"new": list(self.findings_new), "fixed": list(self.findings_fixed)},
        }


def load_report(path: str) -> dict[str, Any]:
    file = Path(path)
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("apps"), list) or not isinstance(doc.get("findings", []), list):
        raise InputError(f"{path}: not an fnguard scan report (expected 'apps' and 'findings')")
    return doc


def _permissions(statements: Any) -> set[str]:
    """Statements flattened to ``Effect action on resource`` lines, so that any widening shows."""
    lines: set[str] = set()
    for statement in statements if isinstance(statements, list) else []:
        if not isinstance(statement, dict):
            continue
        effect = str(statement.get("Effect", "Allow"))
        actions = [("", a) for a in _as_list(statement.get("Action"))]
        actions += [("not ", a) for a in _as_list(statement.get("NotAction"))]
        resources = [("", r) for r in _as_list(statement.get("Resource"))]
        resources += [("not ", r) for r in _as_list(statement.get("NotResource"))] or ([] if resources else [("", "*")])
        condition = " if " + json.dumps(statement["Condition"], sort_keys=True) if statement.get("Condition") else ""
        for neg_a, action in actions:
            for neg_r, resource in resources:
                lines.add(f"{effect} {neg_a}{action} on {neg_r}{resource}{condition}")
    return lines


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [item if isinstance(item, str) else json.dumps(item, sort_keys=True) for item in items]


def _trigger_key(trigger: dict[str, Any]) -> str:
    return json.dumps({k: trigger.get(k) for k in ("type", "source", "path", "method")}, sort_keys=True)


def _functions(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    apps = [a for a in report["apps"] if isinstance(a, dict)]
    for app in apps:
        for function in app.get("functions", []) or []:
            if not isinstance(function, dict) or "name" not in function:
                continue
            name = function["name"] if len(apps) == 1 else f"{app.get('name')}/{function['name']}"
            out[name] = function
    return out


def _finding_key(item: dict[str, Any]) -> str:
    return "|".join(str(item.get(k) or "") for k in ("rule_id", "function", "file", "message"))


def compare(old: dict[str, Any], new: dict[str, Any]) -> ReportDiff:
    before, after = _functions(old), _functions(new)
    diffs: list[FunctionDiff] = []
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name), after.get(name)
        perms_a = _permissions(a.get("permissions")) if a else set()
        perms_b = _permissions(b.get("permissions")) if b else set()
        trig_a = {_trigger_key(t): t for t in (a or {}).get("triggers", []) or [] if isinstance(t, dict)}
        trig_b = {_trigger_key(t): t for t in (b or {}).get("triggers", []) or [] if isinstance(t, dict)}
        new_public = tuple(t for k, t in trig_b.items() if t.get("public") and not (trig_a.get(k) or {}).get("public"))
        status = "added" if a is None else "removed" if b is None else "changed"
        diff = FunctionDiff(
            name, status, tuple(sorted(perms_b - perms_a)), tuple(sorted(perms_a - perms_b)),
            tuple(t for k, t in trig_b.items() if k not in trig_a),
            tuple(t for k, t in trig_a.items() if k not in trig_b), new_public,
        )
        if status != "changed" or diff.permissions_added or diff.permissions_removed or diff.triggers_added \
                or diff.triggers_removed or diff.new_public:
            diffs.append(diff)
    old_findings = {_finding_key(f): f for f in old.get("findings", []) if isinstance(f, dict)}
    new_findings = {_finding_key(f): f for f in new.get("findings", []) if isinstance(f, dict)}
    return ReportDiff(
        tuple(diffs),
        tuple(f for k, f in new_findings.items() if k not in old_findings),
        tuple(f for k, f in old_findings.items() if k not in new_findings),
    )


def render_text(diff: ReportDiff) -> str:
    lines: list[str] = []
    for f in diff.functions:
        lines.append(f"function {f.name} ({f.status})")
        lines += [f"  + permission {p}" for p in f.permissions_added]
        lines += [f"  - permission {p}" for p in f.permissions_removed]
        for t in f.triggers_added:
            public = " PUBLIC" if t in f.new_public else ""
            lines.append(f"  + trigger {t.get('type')} {t.get('method') or ''} {t.get('path') or t.get('source') or ''}"
                         f" auth={t.get('auth')}{public}".replace("  ", " "))
        lines += [f"  ! now public: {t.get('type')} {t.get('path') or t.get('source') or ''}"
                  for t in f.new_public if t not in f.triggers_added]
        lines += [f"  - trigger {t.get('type')} {t.get('path') or t.get('source') or ''}" for t in f.triggers_removed]
    for item in diff.findings_new:
        lines.append(f"new   {item.get('severity')} {item.get('rule_id')} {item.get('function') or '-'}: {item.get('message')}")
    for item in diff.findings_fixed:
        lines.append(f"fixed {item.get('severity')} {item.get('rule_id')} {item.get('function') or '-'}: {item.get('message')}")
    lines.append(f"{len(diff.findings_new)} new finding(s), {len(diff.findings_fixed)} fixed; risk "
                 + ("grew" if diff.risk_grew else "did not grow"))
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    diff = compare(load_report(args.old), load_report(args.new))
    if args.format == "json":
        sys.stdout.write(json.dumps(diff.to_json(), indent=2) + "\n")
    else:
        sys.stdout.write(render_text(diff))
    return 1 if diff.risk_grew else 0
