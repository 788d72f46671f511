"""Writing a command's output: stdout, or a file that is never overwritten without asking."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from fnguard.model import InputError


def write_output(text: str, output: str | None, *, force: bool = False) -> None:
    """Print ``text``, or write it atomically to ``output``.

    An existing file is replaced only when it is an earlier fnguard report or ``force`` is set:
    nothing the user had is lost without asking.
    """
    if not output or output == "-":
        sys.stdout.write(text)
        return
    target = Path(output)
    if target.is_dir():
        raise InputError(f"{target}: is a directory")
    if target.exists() and not force and not _is_fnguard_report(target):
        raise InputError(f"{target}: exists and is not an fnguard report; use --force to overwrite it")
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"{directory}: no such directory")
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise InputError(f"{target}: cannot write: {exc.strerror or exc}") from None


def _is_fnguard_report(path: Path) -> bool:
    """An empty file, or one whose start names fnguard (every report format does)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return not head.strip() or "fnguard" in head
