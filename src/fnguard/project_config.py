"""The scanner's view of ``fnguard.yml`` at an app's root: suppressions and thresholds.

The same file also configures the guard (mode, waf, egress...); the guard reads it with its own
standard-library reader, the scanner validates only the sections it uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fnguard.model import InputError

CONFIG_NAMES = ("fnguard.yml", "fnguard.yaml", "fnguard.json")


@dataclass(frozen=True)
class IgnoreEntry:
    """One ``ignore:`` entry: any of rule / function / path narrows it; reason is required."""

    reason: str
    rule: str | None = None
    function: str | None = None
    path: str | None = None


@dataclass(frozen=True)
class ProjectConfig:
    raw: Mapping[str, Any] = field(default_factory=dict)
    ignore: tuple[IgnoreEntry, ...] = ()
    path: Path | None = None


def find_config(root: Path) -> Path | None:
    for name in CONFIG_NAMES:
        candidate = root / name
        if candidate.is_file():
            return candidate
    return None


def load_project_config(root: Path) -> ProjectConfig:
    """Read and validate the app's fnguard.yml; a bad file is an input error (exit 2)."""
    path = find_config(root)
    if path is None:
        return ProjectConfig()
    from fnguard.load.yamlsource import load_document

    document = load_document(path)
    if document is None:
        return ProjectConfig(path=path)
    if not isinstance(document, Mapping):
        raise InputError(f"{path}: fnguard.yml must be a mapping")
    entries = document.get("ignore", []) or []
    if not isinstance(entries, list):
        raise InputError(f"{path}: 'ignore' must be a list")
    ignore = []
    for index, entry in enumerate(entries):
        if isinstance(entry, str):
            raise InputError(f"{path}: ignore[{index}]: give a mapping with a 'reason', e.g. {{rule: {entry}, reason: ...}}")
        if not isinstance(entry, Mapping):
            raise InputError(f"{path}: ignore[{index}] must be a mapping")
        unknown = set(entry) - {"rule", "function", "path", "reason"}
        if unknown:
            raise InputError(f"{path}: ignore[{index}]: unknown key(s) {', '.join(sorted(unknown))}")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise InputError(f"{path}: ignore[{index}]: a 'reason' is required")
        if not any(entry.get(key) for key in ("rule", "function", "path")):
            raise InputError(f"{path}: ignore[{index}]: name a rule, a function or a path")
        ignore.append(IgnoreEntry(reason=reason, rule=_opt(entry, "rule"), function=_opt(entry, "function"),
                                  path=_opt(entry, "path")))
    return ProjectConfig(raw=document, ignore=tuple(ignore), path=path)


def _opt(entry: Mapping[str, Any], key: str) -> str | None:
    value = entry.get(key)
    return None if value is None else str(value)
