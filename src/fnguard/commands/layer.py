"""``fnguard layer build``: a Lambda layer zip holding the guard, ready to attach.

Lambda puts a layer's ``python/`` on ``sys.path``, so the zip holds ``python/fnguard/__init__.py``
and ``python/fnguard/guard/**`` and nothing else: the guard is standard-library only, and the
scanner, server and their dependencies have no business in a function's cold start. Entries
get a fixed timestamp so that the same source gives the same zip (and the same layer hash).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import zipfile
from pathlib import Path

import fnguard
from fnguard.model import InputError

HELP = "build a Lambda layer zip with the guard (fnguard.handler, @protect) under python/"
_EPOCH = (1980, 1, 1, 0, 0, 0)
_SKIP_DIRS = {"__pycache__"}
_SKIP_SUFFIXES = (".pyc", ".pyo")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="layer_command", metavar="ACTION")
    build = sub.add_parser("build", help="write the layer zip", description="write the layer zip")
    build.add_argument("--output", "-o", default="fnguard-layer.zip", help="zip to write (fnguard-layer.zip)")
    build.add_argument("--force", action="store_true", help="replace the output file if it exists")


def layer_files() -> list[tuple[Path, str]]:
    """(source file, path inside the zip) for everything the guard needs at run time."""
    package = Path(fnguard.__file__).resolve().parent
    files = [(package / "__init__.py", "python/fnguard/__init__.py")]
    for root, dirs, names in os.walk(package / "guard"):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in sorted(names):
            if name.endswith(_SKIP_SUFFIXES):
                continue
            path = Path(root) / name
            files.append((path, "python/fnguard/" + path.relative_to(package).as_posix()))
    return files


def build(output: str, force: bool = False) -> list[str]:
    """Write the layer to ``output``; returns the names inside it."""
    target = Path(output)
    if target.exists() and not force:
        raise InputError(f"{output} exists; pass --force to replace it")
    if target.is_dir():
        raise InputError(f"{output} is a directory")
    parent = target.resolve().parent
    if not parent.is_dir():
        raise InputError(f"no such directory: {parent}")
    names: list[str] = []
    fd, tmp = tempfile.mkstemp(prefix=".fnguard-layer-", suffix=".zip", dir=parent)
    try:
        with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for source, name in layer_files():
                info = zipfile.ZipInfo(name, date_time=_EPOCH)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, source.read_bytes())
                names.append(name)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return names


def run(args: argparse.Namespace) -> int:
    if getattr(args, "layer_command", None) != "build":
        raise InputError("usage: fnguard layer build [--output FILE] [--force]")
    names = build(args.output, args.force)
    size = Path(args.output).stat().st_size
    sys.stdout.write(
        f"wrote {args.output}: {len(names)} files, {size / 1024:.0f} KiB (fnguard {fnguard.__version__}); "
        "attach it and set the handler to fnguard.handler with FNGUARD_HANDLER=module.function\n"
    )
    return 0
