"""TOML reading for the lock formats that use it (tomllib from Python 3.11, tomli before)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fnguard.deps.inventory.interface import LockfileError, read_text

try:
    import tomllib as _toml
except ModuleNotFoundError:  # Python 3.10
    try:
        import tomli as _toml  # type: ignore[no-redef]
    except ModuleNotFoundError:
        _toml = None  # type: ignore[assignment]


def load_toml(path: Path) -> dict[str, Any]:
    """The document; unreadable TOML is a :class:`LockfileError` naming the file."""
    if _toml is None:
        raise LockfileError(f"{path}: cannot read TOML on this Python (install tomli)")
    try:
        return _toml.loads(read_text(path))
    except _toml.TOMLDecodeError as exc:
        raise LockfileError(f"{path}: not valid TOML: {exc}") from None


def name_lines(text: str) -> dict[str, int]:
    """Line of each ``name = "..."`` in a TOML lock (first occurrence), for findings' locations."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("name") and "=" in stripped:
            value = stripped.split("=", 1)[1].strip().strip("\"'")
            lines.setdefault(value.lower(), number)
    return lines
