"""poetry.lock: one ``[[package]]`` table per installed distribution."""

from __future__ import annotations

from pathlib import Path

from fnguard.deps.inventory._toml import load_toml, name_lines
from fnguard.deps.inventory.interface import DependencyParser, LockfileError, read_text
from fnguard.deps.model import Dependency, ParsedFile


class PoetryLockParser(DependencyParser):
    name = "poetry.lock"
    ecosystem = "PyPI"

    def matches(self, path: Path) -> bool:
        return path.name == "poetry.lock"

    def parse(self, path: Path) -> ParsedFile:
        document = load_toml(path)
        packages = document.get("package")
        if not isinstance(packages, list):
            raise LockfileError(f"{path}: not a poetry.lock (no [[package]] tables)")
        lines = name_lines(read_text(path))
        dependencies = []
        for package in packages:
            name, version = str(package.get("name", "")), package.get("version")
            source = package.get("source") or {}
            kind = {"git": "vcs", "url": "url", "file": "path", "directory": "path"}.get(source.get("type", ""))
            groups = package.get("groups") or [package.get("category", "main")]
            dependencies.append(
                Dependency("PyPI", name, None if kind else str(version), str(path), lines.get(name.lower()),
                           f"=={version}", None, "main" not in groups, kind)
            )
        return ParsedFile(str(path), self.name, tuple(dependencies))
