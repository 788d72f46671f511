"""Pipfile.lock (pipenv): ``default`` and ``develop`` sections of exact pins."""

from __future__ import annotations

import json
from pathlib import Path

from packaging.utils import canonicalize_name

from fnguard.deps.inventory.interface import (
    DependencyParser,
    LockfileError,
    conflicting_pins,
    json_key_lines,
    read_text,
)
from fnguard.deps.model import Dependency, ParsedFile
from fnguard.deps.versions.pypi import PypiScheme

_SCHEME = PypiScheme()


class PipfileLockParser(DependencyParser):
    name = "Pipfile.lock"
    ecosystem = "PyPI"

    def matches(self, path: Path) -> bool:
        return path.name == "Pipfile.lock"

    def parse(self, path: Path) -> ParsedFile:
        text = read_text(path)
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LockfileError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}); truncated?") from None
        if not isinstance(document, dict) or not isinstance(document.get("default", {}), dict):
            raise LockfileError(f"{path}: not a Pipfile.lock (no 'default' section)")
        spec_version = (document.get("_meta") or {}).get("pipfile-spec")
        warnings = [] if spec_version in (None, 6) else [f"{path}: unknown pipfile-spec {spec_version}; read as 6"]
        lines = json_key_lines(text)
        dependencies: list[Dependency] = []
        for section, dev in (("default", False), ("develop", True)):
            for name, entry in (document.get(section) or {}).items():
                if not isinstance(entry, dict):
                    continue
                spec = str(entry.get("version") or "")
                unauditable = next((kind for kind in ("git", "hg", "svn", "path", "file") if kind in entry), None)
                if entry.get("editable"):
                    unauditable = "editable"
                dependencies.append(
                    Dependency(
                        "PyPI", name, None if unauditable else _SCHEME.exact_pin(spec), str(path), lines.get(name),
                        spec or str(entry.get(unauditable or "", "")), None, dev,
                        {"git": "vcs", "hg": "vcs", "svn": "vcs", "file": "url"}.get(unauditable or "", unauditable),
                    )
                )
        by_section: dict[str, dict[str, str]] = {}
        for dependency in dependencies:
            if dependency.version:
                by_section.setdefault(str(dependency.dev), {})[canonicalize_name(dependency.name)] = dependency.version
        pins = [(name, version) for section in by_section.values() for name, version in section.items()]
        warnings += conflicting_pins(path, pins)
        return ParsedFile(str(path), self.name, tuple(dependencies), tuple(warnings))
