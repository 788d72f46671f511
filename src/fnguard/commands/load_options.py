"""The options every command that reads an app shares: what the deploy command would be given."""

from __future__ import annotations

import argparse
from typing import Any

from fnguard.model import InputError


def add_load_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("how the app is deployed")
    group.add_argument("--stage", help="Serverless Framework stage, as 'serverless deploy --stage' (default: dev)")
    group.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                       help="a Serverless '--param' or a CloudFormation parameter override (repeatable)")


def load_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    params: dict[str, str] = {}
    for item in getattr(args, "param", None) or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise InputError(f"--param {item!r}: expected NAME=VALUE")
        params[name] = value
    return {"stage": getattr(args, "stage", None), "params": params or None}
