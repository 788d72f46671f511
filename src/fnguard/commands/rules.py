"""``fnguard rules``: every rule, generated from the registry (never written twice)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from fnguard.analyze import RULES, load_rules
from fnguard.model import RISKS

HELP = "list every rule with its id, risk, severity and description"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    parser.add_argument("--risk", choices=RISKS, help="only the rules of this risk")
    parser.add_argument("--waf", action="store_true", help="list the guard's WAF rules instead of the scanner's")


def _print(rows: list[dict[str, Any]], fmt: str, columns: tuple[str, ...], text: Callable[[dict[str, Any]], str]) -> int:
    """One table, three formats: JSON (every field), markdown (``columns``), text (``text`` per row)."""
    if fmt == "json":
        print(json.dumps(rows, indent=2))
    elif fmt == "markdown":
        print("| " + " | ".join(columns) + " |\n|" + " --- |" * len(columns))
        for row in rows:
            print("| " + " | ".join(str(row[c]) for c in columns) + " |")
    else:
        for row in rows:
            print(text(row))
    return 0


def run_waf(args: argparse.Namespace) -> int:
    from fnguard.guard.waf.rules import all_rules

    rows = [{"id": r.rule_id, "class": r.attack_class, "severity": r.severity, "paranoia": r.paranoia,
             "description": r.description} for r in sorted(all_rules(), key=lambda r: r.rule_id)]
    return _print(rows, args.format, ("id", "class", "severity", "paranoia", "description"),
                  lambda r: f"{r['id']:<22} {r['class']:<20} {r['severity']:<8} PL{r['paranoia']} {r['description']}")


def run(args: argparse.Namespace) -> int:
    if args.waf:
        return run_waf(args)
    load_rules()
    rules = sorted((r for r in RULES.values() if not args.risk or r.risk == args.risk), key=lambda r: r.id)
    rows = [{"id": r.id, "risk": r.risk, "severity": r.severity, "description": r.description,
             "remediation": r.remediation} for r in rules]
    return _print(rows, args.format, ("id", "risk", "severity", "description"),
                  lambda r: f"{r['id']}  {r['risk']:<12} {r['severity']:<8} {r['description']}")
