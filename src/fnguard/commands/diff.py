"""``fnguard diff OLD.json NEW.json``: what changed between two scan reports, to gate a pipeline.

Exit 1 when the risk grew (a permission added, a new public entry point, a new finding above
``info``), 0 otherwise, 2 on bad input. Findings are compared by rule, function, file and message,
not line, so that moving code does not look like a new problem. Between a template scan and an
account scan (``fnguard scan --aws``), what is deployed that the template does not say: findings
by rule, function and subject, and a templated resource (``${OrdersTable.Arn}``) is the same as
the deployed ARN it matches. The comparison logic is in :mod:`fnguard.report_diff`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from fnguard.model import InputError
from fnguard.report_diff import (  # noqa: F401 - re-exported: fnguard.commands.diff was their home
    Comparison,
    FunctionDiff,
    ReportDiff,
    _as_list,
    _finding_key,
    _functions,
    _permissions,
    _trigger_key,
    compare,
    render_text,
    report_kind,
)

HELP = "compare two 'fnguard scan --format json' reports (templates or account snapshots): permissions, triggers, findings"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", help="the earlier report (fnguard scan --format json), or the template scan")
    parser.add_argument("new", help="the later report, or the account scan (fnguard scan --aws --format json)")
    parser.add_argument("--format", choices=("text", "json"), default="text")


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


def run(args: argparse.Namespace) -> int:
    diff = compare(load_report(args.old), load_report(args.new))
    if args.format == "json":
        sys.stdout.write(json.dumps(diff.to_json(), indent=2) + "\n")
    else:
        sys.stdout.write(render_text(diff))
    return 1 if diff.risk_grew else 0
