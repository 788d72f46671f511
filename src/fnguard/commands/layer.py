"""``fnguard layer build``: a Lambda layer zip holding the guard, ready to attach.

Lambda puts a layer's ``python/`` on ``sys.path``, so the zip holds ``python/fnguard/__init__.py``
and ``python/fnguard/guard/**`` and nothing else: the guard is standard-library only, and the
scanner, server and their dependencies have no business in a function's cold start. Bytecode
for the building Python is included (a read-only /opt cannot cache it). Entries get a fixed
timestamp so that the same source gives the same zip (and the same layer hash).
"""

from __future__ import annotations

import argparse
import os
import py_compile
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
    build.add_argument(
        "--no-compile", dest="compile", action="store_false",
        help="leave out the bytecode (by default the layer carries .pyc files for this Python version)",
    )


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


def bytecode(source: Path, name: str) -> tuple[str, bytes] | None:
    """(zip name, .pyc bytes) for a module, for the Python running this command.

    /opt is read-only in Lambda, so without shipped bytecode every cold start compiles the guard
    from source again. Unchecked-hash pycs are used as they are (no timestamp to match) and are
    ignored by other Python versions, which then compile from source as they would anyway.
    """
    if not name.endswith(".py"):
        return None
    tag = sys.implementation.cache_tag
    if tag is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        target = os.path.join(tmp, "module.pyc")
        py_compile.compile(
            str(source), cfile=target, dfile="/opt/" + name, doraise=True,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
        data = Path(target).read_bytes()
    folder, _, filename = name.rpartition("/")
    return f"{folder}/__pycache__/{filename[:-3]}.{tag}.pyc", data


def build(output: str, force: bool = False, compile_bytecode: bool = True) -> list[str]:
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
                entries = [(name, source.read_bytes())]
                compiled = bytecode(source, name) if compile_bytecode else None
                if compiled is not None:
                    entries.append(compiled)
                for entry_name, data in entries:
                    info = zipfile.ZipInfo(entry_name, date_time=_EPOCH)
                    info.external_attr = 0o644 << 16
                    info.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(info, data)
                    names.append(entry_name)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return names


def run(args: argparse.Namespace) -> int:
    if getattr(args, "layer_command", None) != "build":
        raise InputError("usage: fnguard layer build [--output FILE] [--force]")
    names = build(args.output, args.force, args.compile)
    size = Path(args.output).stat().st_size
    python = f"bytecode for Python {sys.version_info.major}.{sys.version_info.minor}" if args.compile else "no bytecode"
    sys.stdout.write(
        f"wrote {args.output}: {len(names)} files, {size / 1024:.0f} KiB (fnguard {fnguard.__version__}, {python}); "
        "attach it and set the handler to fnguard.handler with FNGUARD_HANDLER=module.function\n"
    )
    return 0
