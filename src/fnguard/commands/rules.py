"""``fnguard rules``: every rule, generated from the registry (never written twice)."""

from __future__ import annotations

import argparse
import json

from fnguard.analyze import RULES, load_rules
from fnguard.model import RISKS

HELP = "list every rule with its id, risk, severity and description"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    parser.add_argument("--risk", choices=RISKS, help="only the rules of this risk")


def run(args: argparse.Namespace) -> int:
    load_rules()
    rules = sorted((r for r in RULES.values() if not args.risk or r.risk == args.risk), key=lambda r: r.id)
    if args.format == "json":
        print(json.dumps([{"id": r.id, "risk": r.risk, "severity": r.severity, "description": r.description,
                           "remediation": r.remediation} for r in rules], indent=2))
    elif args.format == "markdown":
        print("| id | risk | severity | description |\n| --- | --- | --- | --- |")
        for r in rules:
            print(f"| {r.id} | {r.risk} | {r.severity} | {r.description} |")
    else:
        for r in rules:
            print(f"{r.id}  {r.risk:<12} {r.severity:<8} {r.description}")
    return 0
