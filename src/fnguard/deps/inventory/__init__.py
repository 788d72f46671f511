"""Per-directory dependency inventory: every dependency file found, each read by its parser.

Adding a format is adding one module with a :class:`DependencyParser` and listing it here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from fnguard.deps.inventory.dist_info import DistInfoParser
from fnguard.deps.inventory.interface import DependencyParser, LockfileError
from fnguard.deps.inventory.package_json import PackageJsonParser
from fnguard.deps.inventory.package_lock import PackageLockParser
from fnguard.deps.inventory.pipfile_lock import PipfileLockParser
from fnguard.deps.inventory.pnpm_lock import PnpmLockParser
from fnguard.deps.inventory.poetry_lock import PoetryLockParser
from fnguard.deps.inventory.pylock import PylockParser
from fnguard.deps.inventory.pyproject import PyprojectParser
from fnguard.deps.inventory.requirements import RequirementsParser
from fnguard.deps.inventory.uv_lock import UvLockParser
from fnguard.deps.inventory.yarn_lock import YarnLockParser
from fnguard.deps.model import ParsedFile

# Lock files first: when two files state the same package version, findings point at the lock.
PARSERS: tuple[DependencyParser, ...] = (
    PackageLockParser(),
    YarnLockParser(),
    PnpmLockParser(),
    PipfileLockParser(),
    PoetryLockParser(),
    UvLockParser(),
    PylockParser(),
    DistInfoParser(),
    RequirementsParser(),
    PyprojectParser(),
    PackageJsonParser(),
)
_SKIP_DIRS = {".git", "__pycache__", ".serverless", ".aws-sam", ".venv", "venv", ".tox", ".mypy_cache", "cdk.out"}
_MAX_DEPTH = 8
_PYTHON_LOCKS = ("poetry.lock", "uv.lock", "pylock.toml", "Pipfile.lock")


@dataclass(frozen=True)
class Inventory:
    """Everything found under some directories."""

    files: tuple[ParsedFile, ...]
    """Parsed dependency files, lock files first."""
    errors: tuple[str, ...]
    """Unreadable files and warnings, each naming its file: the scan reports them and goes on."""


def find_dependency_files(directory: Path) -> list[tuple[DependencyParser, Path]]:
    """Dependency files under ``directory``; installed ``node_modules`` are read through their hidden lock."""
    found: list[tuple[DependencyParser, Path]] = []
    root_depth = len(directory.parts)
    for current, dirnames, filenames in os.walk(directory):
        here = Path(current)
        depth = len(here.parts) - root_depth
        if here.name == "node_modules":
            hidden = here / ".package-lock.json"
            if hidden.is_file() and not (here.parent / "package-lock.json").is_file():
                found.append((PARSERS[0], hidden))
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and depth < _MAX_DEPTH)
        for filename in sorted(filenames):
            path = here / filename
            parser = next((p for p in PARSERS if p.matches(path)), None)
            if parser is not None:
                found.append((parser, path))
    order = {id(parser): index for index, parser in enumerate(PARSERS)}
    found.sort(key=lambda item: (order[id(item[0])], str(item[1])))
    return found


def parser_for(path: Path) -> DependencyParser | None:
    """The parser of a dependency file named like ``path``, if any."""
    return next((parser for parser in PARSERS if parser.matches(path)), None)


def collect_file(path: Path) -> Inventory:
    """The inventory of one dependency file."""
    parser = parser_for(path)
    if parser is None:
        return Inventory((), (f"{path}: not a dependency file fnguard reads",))
    try:
        parsed = parser.parse(path)
    except LockfileError as exc:
        return Inventory((), (str(exc),))
    return Inventory((parsed,), parsed.warnings)


def collect(directories: list[Path]) -> Inventory:
    """Parse every dependency file under the directories; a bad file becomes an error, never a crash."""
    files: list[ParsedFile] = []
    errors: list[str] = []
    seen: set[Path] = set()
    for directory in directories:
        if not directory.is_dir():
            continue
        for parser, path in find_dependency_files(directory):
            if path in seen:
                continue
            seen.add(path)
            try:
                parsed = parser.parse(path)
            except LockfileError as exc:
                errors.append(str(exc))
                continue
            except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
                errors.append(f"{path}: cannot read {parser.name}: {type(exc).__name__}: {exc}")
                continue
            if parser.name == "pyproject.toml" and any((path.parent / name).is_file() for name in _PYTHON_LOCKS):
                parsed = ParsedFile(parsed.path, parsed.format, parsed.dependencies, parsed.warnings, pins_only=True)
            files.append(parsed)
            errors.extend(parsed.warnings)
    return Inventory(tuple(files), tuple(errors))


__all__ = ["PARSERS", "DependencyParser", "Inventory", "LockfileError", "collect", "collect_file", "find_dependency_files", "parser_for"]
