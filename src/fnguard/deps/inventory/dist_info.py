"""Vendored packages: ``*.dist-info/METADATA`` (and ``top_level.txt``) inside the code directory.

This is what really ships in the zip, whatever the requirement files say.
"""

from __future__ import annotations

from email.parser import HeaderParser
from pathlib import Path

from fnguard.deps.inventory.interface import DependencyParser, LockfileError, read_text
from fnguard.deps.model import Dependency, ParsedFile


class DistInfoParser(DependencyParser):
    name = "dist-info"
    ecosystem = "PyPI"

    def matches(self, path: Path) -> bool:
        return path.name == "METADATA" and path.parent.name.endswith(".dist-info") or (
            path.name == "PKG-INFO" and path.parent.name.endswith(".egg-info")
        )

    def parse(self, path: Path) -> ParsedFile:
        headers = HeaderParser().parsestr(read_text(path), headersonly=True)
        name, version = headers.get("Name"), headers.get("Version")
        if not name or not version:
            raise LockfileError(f"{path}: package metadata without Name or Version")
        top_level_file = path.parent / "top_level.txt"
        top_level: tuple[str, ...] = ()
        if top_level_file.is_file():
            top_level = tuple(line.strip() for line in read_text(top_level_file).splitlines() if line.strip())
        dependency = Dependency("PyPI", name.strip(), version.strip(), str(path), None, f"=={version.strip()}",
                                None, False, None, top_level)
        return ParsedFile(str(path), self.name, (dependency,))
