"""uv.lock: ``[[package]]`` tables; the project itself (editable or virtual source) is skipped."""

from __future__ import annotations

from pathlib import Path

from fnguard.deps.inventory._toml import load_toml, name_lines
from fnguard.deps.inventory.interface import DependencyParser, LockfileError, read_text
from fnguard.deps.model import Dependency, ParsedFile


class UvLockParser(DependencyParser):
    name = "uv.lock"
    ecosystem = "PyPI"

    def matches(self, path: Path) -> bool:
        return path.name == "uv.lock"

    def parse(self, path: Path) -> ParsedFile:
        document = load_toml(path)
        packages = document.get("package")
        if not isinstance(packages, list):
            raise LockfileError(f"{path}: not a uv.lock (no [[package]] tables)")
        lines = name_lines(read_text(path))
        dependencies = []
        for package in packages:
            name, version = str(package.get("name", "")), package.get("version")
            source = package.get("source") or {}
            if "editable" in source or "virtual" in source:
                continue
            kind = "vcs" if "git" in source else ("url" if "url" in source else ("path" if "path" in source or "directory" in source else None))
            dependencies.append(
                Dependency("PyPI", name, None if kind or not version else str(version), str(path),
                           lines.get(name.lower()), f"=={version}", None, False, kind)
            )
        return ParsedFile(str(path), self.name, tuple(dependencies))
