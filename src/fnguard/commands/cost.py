"""``fnguard cost PATH``: the price of a denial-of-wallet attack on each entry point."""

from __future__ import annotations

import argparse
import io
import json

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from fnguard.commands.load_options import add_load_arguments, load_kwargs
from fnguard.model import InputError
from fnguard.output import write_output

HELP = "denial-of-wallet exposure: what an attack on each entry point costs, and what bounds it"


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path")
    parser.add_argument("--rps", type=_number, default=10_000.0, help="attack rate, requests per second (10000)")
    parser.add_argument("--hours", type=_number, default=24.0, help="attack length in hours (24)")
    parser.add_argument("--duration-ms", type=_number, help="assumed duration of one invocation (100)")
    parser.add_argument("--account-concurrency", type=_integer, help="account concurrency limit (1000)")
    parser.add_argument("--worst-case", action="store_true", help="assume every invocation runs to its timeout")
    parser.add_argument("--format", choices=("text", "json", "html"), default="text")
    parser.add_argument("--output", "-o")
    parser.add_argument("--force", action="store_true")
    add_load_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from fnguard.cost.model import app_costs, default_assumptions
    from fnguard.cost.prices import load_prices
    from fnguard.load import load_path

    try:
        assumptions = default_assumptions(rps=args.rps, hours=args.hours, duration_ms=args.duration_ms,
                                          account_concurrency=args.account_concurrency,
                                          worst_case=args.worst_case)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    apps = load_path(args.path, **load_kwargs(args))
    costs = [(app, cost) for app in apps for cost in app_costs(app, assumptions)]
    prices = load_prices()
    described = {
        "rps": assumptions.rps, "hours": assumptions.hours, "duration_ms": assumptions.duration_ms,
        "worst_case": assumptions.worst_case, "account_concurrency": assumptions.account_concurrency,
        "gateway_rps_limit": assumptions.gateway_rps_limit, "region": prices.region,
        "prices_date": prices.date, "prices_source": prices.source,
    }
    total = sum(cost.total_cost for _, cost in costs)
    if args.format == "json":
        document = {"assumptions": described, "entry_points": [dict(cost.to_json(), app=app.name)
                                                               for app, cost in costs],
                    "total_cost": round(total, 2)}
        write_output(json.dumps(document, indent=2) + "\n", args.output, force=args.force)
    elif args.format == "html":
        from fnguard.report.cost_html import render

        write_output(render(apps, assumptions, described), args.output, force=args.force)
    else:
        write_output(_text(costs, described, total), args.output, force=args.force)
    return 0


def _text(costs, described, total) -> str:  # type: ignore[no-untyped-def]
    buffer = io.StringIO()
    console = Console(file=buffer, width=160, no_color=True, highlight=False)
    console.print(
        f"fnguard cost: attack at {described['rps']:,.0f} rps for {described['hours']:g} h, "
        f"{'timeout' if described['worst_case'] else str(described['duration_ms']) + ' ms'} per invocation, "
        f"account concurrency {described['account_concurrency']}, {described['region']} list prices of "
        f"{described['prices_date']}")
    table = Table(expand=True)
    for column in ("function", "entry point", "served/offered", "lambda $", "gateway $", "source $",
                   "total $", "$/day", "bounded by", "what would cap it"):
        table.add_column(column, overflow="fold")
    for _, cost in costs:
        table.add_row(escape(cost.function), escape(cost.trigger) + (" (public)" if cost.public else ""),
                      f"{cost.served:,.0f}/{cost.offered:,.0f}", f"{cost.lambda_cost:,.2f}",
                      f"{cost.gateway_cost:,.2f}", f"{cost.source_cost:,.2f}", f"{cost.total_cost:,.2f}",
                      f"{cost.daily_cost:,.2f}", cost.bounded_by, escape(cost.recommendation))
    console.print(table)
    console.print(f"total over every entry point: ${total:,.2f}")
    return buffer.getvalue()
