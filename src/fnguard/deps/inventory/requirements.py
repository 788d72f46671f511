"""pip requirement files: pins, ranges, ``-r``/``-c`` includes, hashes, markers, URLs.

A ``-c`` constraints file pins what the requirement file leaves open (as pip does); URL, VCS and
editable entries cannot be matched against an advisory and are kept as unauditable.
"""

from __future__ import annotations

import re
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from fnguard.deps.inventory.interface import DependencyParser, LockfileError, conflicting_pins, read_text
from fnguard.deps.model import Dependency, ParsedFile
from fnguard.deps.versions.pypi import PypiScheme

_NAME = re.compile(r"^requirements([-_.\w]*)\.txt$|^[-\w.]*requirements\.txt$", re.IGNORECASE)
_OPTION_WITH_VALUE = re.compile(r"\s--?(?:hash|config-settings|global-option|install-option)[=\s]\S+")
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git\+|hg\+|svn\+|bzr\+)", re.IGNORECASE)
_DEV_NAME = re.compile(r"(?:^|[-_.])(?:dev|test|tests|lint|docs?)(?:[-_.]|$)", re.IGNORECASE)
"""requirements-dev.txt, test-requirements.txt...: tools for developers, not shipped in the function."""
_MAX_INCLUDE_DEPTH = 5
_SCHEME = PypiScheme()


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines joined at trailing backslashes, comments removed, with the first line's number."""
    result: list[tuple[int, str]] = []
    buffer = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"(^|\s)#.*$", "", raw)
        if not buffer:
            start = number
        if line.rstrip().endswith("\\"):
            buffer += line.rstrip()[:-1] + " "
            continue
        buffer += line
        if buffer.strip():
            result.append((start, buffer.strip()))
        buffer = ""
    if buffer.strip():
        result.append((start, buffer.strip()))
    return result


class RequirementsParser(DependencyParser):
    name = "requirements"
    ecosystem = "PyPI"

    def matches(self, path: Path) -> bool:
        return bool(_NAME.match(path.name))

    def parse(self, path: Path) -> ParsedFile:
        warnings: list[str] = []
        constraints: dict[str, str] = {}
        dependencies = self._read(path, warnings, constraints, set(), 0, constraint=False)
        pinned: list[Dependency] = []
        for dependency in dependencies:
            if dependency.version is None and dependency.unauditable is None:
                pin = constraints.get(canonicalize_name(dependency.name))
                if pin:
                    dependency = Dependency(**{**dependency.__dict__, "version": pin})
            pinned.append(dependency)
        pins = [(canonicalize_name(d.name), d.version) for d in pinned if d.version and d.file == str(path)]
        warnings += conflicting_pins(path, pins)
        return ParsedFile(str(path), self.name, tuple(pinned), tuple(warnings))

    def _read(
        self,
        path: Path,
        warnings: list[str],
        constraints: dict[str, str],
        seen: set[Path],
        depth: int,
        constraint: bool,
    ) -> list[Dependency]:
        resolved = path.resolve()
        if resolved in seen or depth > _MAX_INCLUDE_DEPTH:
            warnings.append(f"{path}: include cycle or nesting too deep; skipped")
            return []
        seen.add(resolved)
        if depth and not path.is_file():
            warnings.append(f"{path}: included requirement file not found")
            return []
        dependencies: list[Dependency] = []
        dev = bool(_DEV_NAME.search(path.name))
        for number, line in _logical_lines(read_text(path)):
            include = re.match(r"^(-r|--requirement|-c|--constraint)[=\s]*(\S+)", line)
            if include:
                child = path.parent / include.group(2)
                is_constraint = include.group(1) in ("-c", "--constraint")
                found = self._read(child, warnings, constraints, seen, depth + 1, constraint or is_constraint)
                if not (constraint or is_constraint):
                    dependencies += found
                continue
            editable = re.match(r"^(-e|--editable)[=\s]+(\S+)", line)
            if editable:
                dependencies.append(self._unauditable(path, number, editable.group(2), "editable"))
                continue
            if line.startswith("-"):
                continue  # --index-url, --find-links, --only-binary ...: not packages
            line = _OPTION_WITH_VALUE.sub("", " " + line).strip()
            if _URL.match(line) or line.startswith((".", "/")):
                kind = "vcs" if re.match(r"^\w+\+", line) else ("path" if line.startswith((".", "/")) else "url")
                dependencies.append(self._unauditable(path, number, line, kind))
                continue
            try:
                requirement = Requirement(line)
            except InvalidRequirement as exc:
                warnings.append(f"{path}:{number}: unreadable requirement {line!r}: {exc}")
                continue
            spec = str(requirement.specifier)
            if requirement.url:
                kind = "vcs" if re.match(r"^\w+\+", requirement.url) else "url"
                dependencies.append(self._unauditable(path, number, f"{requirement.name} @ {requirement.url}", kind, requirement.name))
                continue
            version = _SCHEME.exact_pin(spec)
            if constraint:
                if version:
                    constraints.setdefault(canonicalize_name(requirement.name), version)
                continue
            marker = str(requirement.marker) if requirement.marker is not None else None
            dependencies.append(
                Dependency("PyPI", requirement.name, version, str(path), number, spec or "(any)", direct=True, dev=dev,
                           marker=marker)
            )
        return dependencies

    def _unauditable(self, path: Path, line: int, text: str, kind: str, name: str | None = None) -> Dependency:
        if name is None:
            egg = re.search(r"#egg=([\w.-]+)", text)
            name = egg.group(1) if egg else Path(text.split("@")[0].rstrip("/")).name or text
        return Dependency("PyPI", name, None, str(path), line, text, direct=True, unauditable=kind)


__all__ = ["LockfileError", "RequirementsParser"]
