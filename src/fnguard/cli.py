"""The ``fnguard`` command line: one module per command under :mod:`fnguard.commands`.

Each command module defines ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``. Bad
input ends with one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from types import ModuleType

from fnguard import __version__
from fnguard.model import InputError

# Every command of the public contract; a module that is not there yet is simply not offered.
COMMANDS = (
    "scan", "inventory", "rules", "policy", "cost", "deps", "db", "diff",
    "waf", "layer", "learn", "serve",
)


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line (status 2), as the contract says."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"fnguard: {message} (see '{self.prog} --help')\n")
        raise SystemExit(2)


def _command_modules() -> dict[str, ModuleType]:
    modules: dict[str, ModuleType] = {}
    for name in COMMANDS:
        module_name = f"fnguard.commands.{name}"
        try:
            modules[name] = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
    return modules


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    parser = _Parser(prog="fnguard", description="Security for serverless applications.")
    parser.add_argument("--version", action="version", version=f"fnguard {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    modules = _command_modules()
    for name, module in modules.items():
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
    return parser, modules


def main(argv: list[str] | None = None) -> int:
    parser, modules = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (status 2) and --help/--version (status 0)
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(modules[args.command].run(args) or 0)
    except InputError as exc:
        sys.stderr.write(f"fnguard: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("fnguard: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - never a traceback for the user
        if os.environ.get("FNGUARD_DEBUG"):
            raise
        sys.stderr.write(f"fnguard: internal error: {type(exc).__name__}: {exc} (set FNGUARD_DEBUG=1 for details)\n")
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
