"""What a dependency-file parser provides; one module per format beside this one."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from pathlib import Path

from fnguard.deps.model import ParsedFile


class LockfileError(Exception):
    """A dependency file that cannot be read at all; the message names the file."""


class DependencyParser(ABC):
    """Reads one kind of dependency file."""

    name: str
    """Short name of the format, as reports say it (``requirements``, ``package-lock``)."""
    ecosystem: str
    """The OSV ecosystem its packages belong to."""

    @abstractmethod
    def matches(self, path: Path) -> bool:
        """Whether ``path`` is a file of this format (by name, cheaply)."""

    @abstractmethod
    def parse(self, path: Path) -> ParsedFile:
        """Every entry of the file; raises :class:`LockfileError` when it is unreadable."""


def read_text(path: Path) -> str:
    """The file's text; a file that cannot be read is a :class:`LockfileError` naming it."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise LockfileError(f"{path}: cannot read: {exc.strerror or exc}") from None


_JSON_KEY = re.compile(r'^[ \t]*"((?:[^"\\]|\\.)+)"[ \t]*:', re.MULTILINE)


def json_key_lines(text: str) -> dict[str, int]:
    """First line of every ``"key":`` in a JSON text, found in one pass (no per-package search)."""
    lines: dict[str, int] = {}
    line = 1
    position = 0
    for match in _JSON_KEY.finditer(text):
        line += text.count("\n", position, match.start())
        position = match.start()
        lines.setdefault(match.group(1), line)
    return lines


def conflicting_pins(path: Path, pins: list[tuple[str, str]]) -> list[str]:
    """Warnings for packages pinned to two different versions in one file."""
    seen: dict[str, set[str]] = {}
    for name, version in pins:
        seen.setdefault(name, set()).add(version)
    return [
        f"{path}: conflicting pins for {name}: {', '.join(sorted(versions))}"
        for name, versions in sorted(seen.items())
        if len(versions) > 1
    ]
