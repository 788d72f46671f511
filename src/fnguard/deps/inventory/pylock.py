"""pylock.toml (PEP 751): ``[[packages]]`` with name, version and where each came from."""

from __future__ import annotations

import re
from pathlib import Path

from fnguard.deps.inventory._toml import load_toml, name_lines
from fnguard.deps.inventory.interface import DependencyParser, LockfileError, read_text
from fnguard.deps.model import Dependency, ParsedFile


class PylockParser(DependencyParser):
    name = "pylock.toml"
    ecosystem = "PyPI"

    def matches(self, path: Path) -> bool:
        return path.name == "pylock.toml" or bool(re.fullmatch(r"pylock\.[^.]+\.toml", path.name))

    def parse(self, path: Path) -> ParsedFile:
        document = load_toml(path)
        packages = document.get("packages")
        if not isinstance(packages, list):
            raise LockfileError(f"{path}: not a pylock.toml (no [[packages]] tables)")
        warnings = []
        if str(document.get("lock-version", "1.0")).split(".")[0] != "1":
            warnings.append(f"{path}: unknown lock-version {document.get('lock-version')}; read as 1.0")
        lines = name_lines(read_text(path))
        dependencies = []
        for package in packages:
            name, version = str(package.get("name", "")), package.get("version")
            kind = "vcs" if "vcs" in package else ("path" if "directory" in package else None)
            if kind is None and "archive" in package and not version:
                kind = "url"
            dependencies.append(
                Dependency("PyPI", name, str(version) if version and not kind else None, str(path),
                           lines.get(name.lower()), f"=={version}" if version else "", None, False, kind)
            )
        return ParsedFile(str(path), self.name, tuple(dependencies), tuple(warnings))
