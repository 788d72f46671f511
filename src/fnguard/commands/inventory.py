"""``fnguard inventory PATH``: the app's skeleton — who can reach each function, and what it may do."""

from __future__ import annotations

import argparse
import io
import json

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from fnguard.commands.load_options import add_load_arguments, load_kwargs
from fnguard.model import App, Function, Statement
from fnguard.output import write_output

HELP = "show each function with its triggers, who can reach it, its auth and its role summary"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--output", "-o")
    parser.add_argument("--force", action="store_true")
    add_load_arguments(parser)


def role_summary(statements: tuple[Statement, ...]) -> dict[str, object]:
    """Actions granted, counted, with the wildcard ones called out."""
    actions = sorted({a for s in statements if s.effect == "Allow" for a in s.actions})
    wildcard_resources = any("*" in s.resources for s in statements if s.effect == "Allow")
    return {
        "actions": len(actions),
        "wildcard_actions": [a for a in actions if "*" in a],
        "any_resource": wildcard_resources,
        "not_action": any(s.not_actions for s in statements),
    }


def reach(function: Function) -> str:
    if not function.triggers:
        return "internal only"
    if function.is_public:
        return "PUBLIC"
    return "AWS principals"


def inventory_json(apps: list[App]) -> dict:
    return {"apps": [{
        "name": app.name, "source": app.source, "format": app.format,
        "functions": [{
            "name": f.name, "runtime": f.runtime, "handler": f.handler, "reach": reach(f),
            "triggers": [t.to_json() for t in f.triggers],
            "role": f.role, "role_shared_with": list(f.role_shared_with),
            "managed_policies": list(f.managed_policies),
            "role_summary": role_summary(f.statements),
        } for f in app.functions]} for app in apps]}


def run(args: argparse.Namespace) -> int:
    from fnguard.load import load_path

    apps = load_path(args.path, **load_kwargs(args))
    if args.format == "json":
        write_output(json.dumps(inventory_json(apps), indent=2, default=str) + "\n", args.output, force=args.force)
        return 0
    buffer = io.StringIO()
    console = Console(file=buffer, width=150, no_color=True, highlight=False)
    for app in apps:
        table = Table(title=f"{app.name} ({app.format}, {len(app.functions)} functions)", title_justify="left")
        for column in ("function", "runtime", "reach", "triggers (type auth)", "role"):
            table.add_column(column, overflow="fold")
        for f in app.functions:
            triggers = "\n".join(
                f"{t.type}{' ' + (t.method or '') + ' ' + t.path if t.path else ''} "
                f"{'public ' if t.public else ''}auth={t.auth}" for t in f.triggers) or "-"
            summary = role_summary(f.statements)
            role = f"{summary['actions']} actions"
            if summary["wildcard_actions"]:
                role += f", wildcards: {', '.join(summary['wildcard_actions'][:4])}"
            if summary["any_resource"]:
                role += ", on any resource"
            if f.managed_policies:
                role += f"; managed: {', '.join(p.rsplit('/', 1)[-1] for p in f.managed_policies)}"
            table.add_row(escape(f.name), f.runtime or "-", reach(f), escape(triggers), escape(role))
        console.print(table)
        for warning in app.warnings:
            console.print(f"warning: {escape(warning)}")
    write_output(buffer.getvalue(), args.output, force=args.force)
    return 0
