"""Three ways to hide a finding on purpose: an inline comment, fnguard.yml, a baseline report.

Each hidden finding is counted, never silently dropped, so a report says how much it hides.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
from functools import lru_cache
from pathlib import Path

from fnguard.model import Finding, InputError
from fnguard.project_config import IgnoreEntry

_INLINE = re.compile(r"fnguard:\s*ignore(?:\[([A-Za-z0-9_,\s-]+)\])?")


def _lines(path: str) -> tuple[str, ...]:
    try:
        info = os.stat(path)
    except OSError:
        return ()
    return _read_lines(path, info.st_mtime_ns, info.st_size)


@lru_cache(maxsize=256)
def _read_lines(path: str, mtime_ns: int, size: int) -> tuple[str, ...]:
    """Cached per file version: a file edited between two scans in one process is read again."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return tuple(handle.read().splitlines())
    except OSError:
        return ()


def inline_ignored(file: Path, line: int | None, rule_id: str) -> bool:
    """True when the flagged line carries ``# fnguard: ignore[RULE]`` (or a bare ``ignore``)."""
    if line is None:
        return False
    lines = _lines(str(file))
    if not 0 < line <= len(lines):
        return False
    match = _INLINE.search(lines[line - 1])
    if not match:
        return False
    if match.group(1) is None:
        return True
    wanted = {part.strip().upper() for part in match.group(1).split(",")}
    return rule_id.upper() in wanted


class Suppressor:
    """Decides, finding by finding, whether the project asked to hide it."""

    def __init__(self, base: Path, ignore: tuple[IgnoreEntry, ...]) -> None:
        self.base = base
        self.ignore = ignore

    def why_suppressed(self, item: Finding) -> str | None:
        if item.file and inline_ignored(self.base / item.file, item.line, item.rule_id):
            return "inline"
        for entry in self.ignore:
            if _matches(entry, item):
                return "config"
        return None


def _matches(entry: IgnoreEntry, item: Finding) -> bool:
    if entry.rule and not fnmatch.fnmatchcase(item.rule_id, entry.rule):
        return False
    if entry.function and not fnmatch.fnmatchcase(item.function or "", entry.function):
        return False
    if entry.path and not fnmatch.fnmatch(item.file or "", entry.path):
        return False
    return True


class Baseline:
    """Findings of an earlier JSON report: those still present are hidden and counted."""

    def __init__(self, fingerprints: set[str]) -> None:
        self.fingerprints = fingerprints

    @classmethod
    def read(cls, path: Path) -> Baseline:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InputError(f"{path}: cannot read baseline: {exc.strerror or exc}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: baseline is not a JSON report: {exc}") from None
        if not isinstance(document, dict) or not isinstance(document.get("findings"), list):
            raise InputError(f"{path}: baseline is not an 'fnguard scan --format json' report")
        fingerprints = set()
        for raw in document["findings"]:
            if isinstance(raw, dict) and "rule_id" in raw:
                fingerprints.add(_fingerprint(raw))
        return cls(fingerprints)

    def contains(self, item: Finding) -> bool:
        return _fingerprint(item.to_json()) in self.fingerprints


def _fingerprint(raw: dict) -> str:
    details = raw.get("details") or {}
    subject = details.get("subject") if isinstance(details, dict) else None
    return "|".join(str(part or "") for part in (raw.get("rule_id"), raw.get("function"), raw.get("file"),
                                                    subject or raw.get("message")))
