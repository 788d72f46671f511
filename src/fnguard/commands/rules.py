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
    parser.add_argument("--waf", action="store_true", help="list the guard's WAF rules instead of the scanner's")


def run_waf(args: argparse.Namespace) -> int:
    from fnguard.guard.waf.rules import all_rules

    rules = sorted(all_rules(), key=lambda r: r.rule_id)
    if args.format == "json":
        print(json.dumps([{"id": r.rule_id, "class": r.attack_class, "severity": r.severity, "paranoia": r.paranoia,
                           "description": r.description} for r in rules], indent=2))
    elif args.format == "markdown":
        print("| id | class | severity | paranoia | description |\n| --- | --- | --- | --- | --- |")
        for r in rules:
            print(f"| {r.rule_id} | {r.attack_class} | {r.severity} | {r.paranoia} | {r.description} |")
    else:
        for r in rules:
            print(f"{r.rule_id:<22} {r.attack_class:<20} {r.severity:<8} PL{r.paranoia} {r.description}")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.waf:
        return run_waf(args)
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
