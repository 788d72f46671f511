"""``fnguard policy PATH``: the least-privilege policy of each function, ready to paste."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from fnguard.commands.load_options import add_load_arguments, load_kwargs
from fnguard.model import App, Function, InputError

HELP = ("write the least-privilege IAM policy of each function from what its code calls "
        "(the platform's own grants - logs, event-source polling - stay with the framework or "
        "AWSLambdaBasicExecutionRole)")
FORMATS = ("json", "yaml", "serverless", "sam")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="directory holding serverless.yml or template.yaml, or the template file")
    parser.add_argument("--function", help="only this function (its name in the template)")
    parser.add_argument("--format", choices=FORMATS, default="json",
                        help="IAM JSON, YAML, a serverless.yml iamRoleStatements block or a SAM Policies block")
    add_load_arguments(parser)


def generate(apps: list[App], only: str | None = None) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Policy document per function name, and warnings about what could not be read or resolved."""
    from fnguard.iam import catalog
    from fnguard.iam.generate import function_needs, least_privilege, policy_document

    documents: dict[str, dict[str, Any]] = {}
    warnings: list[str] = []
    cache: dict[str, Any] = {}
    selected: list[tuple[App, Function]] = [
        (app, f) for app in apps for f in app.functions if only is None or f.name == only
    ]
    if only is not None and not selected:
        names = ", ".join(sorted(f.name for app in apps for f in app.functions)) or "none"
        raise InputError(f"no function named {only!r} (functions: {names})")
    duplicated = {f.name for _, f in selected if sum(1 for _, g in selected if g.name == f.name) > 1}
    for app, function in selected:
        name = f"{app.name}/{function.name}" if function.name in duplicated else function.name
        needs = function_needs(app, function, cache)
        if not needs.analyzed:
            # An empty policy pasted over a working role would break the function: say nothing.
            warnings.append(f"{name}: skipped, its code could not be analyzed ({needs.reason})")
            continue
        for item in needs.unresolved:
            warnings.append(f"{name}: unresolved call at {item.file}:{item.line}: {item.text} ({item.reason})")
        for call in needs.unmapped:
            warnings.append(f"{name}: no IAM action known for {call.service}.{call.method} at {call.file}:{call.line}")
        statements = least_privilege(app, function, needs)
        for statement in statements:
            if statement.resources == ("*",):
                scopable = [a for a in statement.actions if (info := catalog.lookup(a)) and info.scopable]
                calls = sorted({c for n in needs.needs if n.action in scopable for c in n.calls})
                if scopable:
                    warnings.append(f"{name}: {', '.join(scopable)} left on Resource '*': the resource is not "
                                    f"visible in the code ({'; '.join(calls[:3])}); scope it by hand")
        documents[name] = policy_document(statements)
    return documents, warnings


def render(documents: dict[str, dict[str, Any]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps({"functions": documents}, indent=2) + "\n"
    import yaml

    if fmt == "yaml":
        doc: Any = {"functions": documents}
    elif fmt == "serverless":
        # Per-function roles (serverless-iam-roles-per-function plugin, or Serverless v4's own).
        doc = {"functions": {name: {"iamRoleStatements": d["Statement"]} for name, d in documents.items()}}
    else:
        doc = {"Resources": {name: {"Properties": {"Policies": [{"Version": d["Version"], "Statement": d["Statement"]}]}}
                             for name, d in documents.items()}}
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=False)


def run(args: argparse.Namespace) -> int:
    from fnguard.load import load_path

    apps = load_path(args.path, **load_kwargs(args))
    documents, warnings = generate(apps, args.function)
    sys.stdout.write(render(documents, args.format))
    for warning in warnings:
        sys.stderr.write(f"fnguard: warning: {warning}\n")
    return 0
