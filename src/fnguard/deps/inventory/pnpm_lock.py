"""pnpm-lock.yaml: package keys ``/name/1.2.3`` (v5), ``/name@1.2.3(peer)`` (v6), ``name@1.2.3`` (v9)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from fnguard.deps.inventory.interface import DependencyParser, LockfileError, read_text
from fnguard.deps.model import Dependency, ParsedFile

_V5_KEY = re.compile(r"^/?((?:@[^/]+/)?[^/@]+)/([^/_(]+)")
_V6_KEY = re.compile(r"^/?((?:@[^/@]+/)?[^/@]+)@([^(_]+)")


def parse_key(key: str, major: int) -> tuple[str, str] | None:
    """``(name, version)`` of a ``packages:`` key, or ``None`` for one that is no registry package."""
    match = (_V5_KEY if major < 6 else _V6_KEY).match(key)
    if not match:
        return None
    return match.group(1), match.group(2)


class PnpmLockParser(DependencyParser):
    name = "pnpm-lock"
    ecosystem = "npm"

    def matches(self, path: Path) -> bool:
        return path.name == "pnpm-lock.yaml"

    def parse(self, path: Path) -> ParsedFile:
        try:
            document = yaml.safe_load(read_text(path))
        except yaml.YAMLError as exc:
            raise LockfileError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
        if not isinstance(document, dict) or "lockfileVersion" not in document:
            raise LockfileError(f"{path}: not a pnpm-lock.yaml (no lockfileVersion)")
        try:
            major = int(float(str(document["lockfileVersion"]).split(".")[0]))
        except ValueError:
            raise LockfileError(f"{path}: unknown lockfileVersion {document['lockfileVersion']!r}") from None
        if major not in (5, 6, 7, 8, 9):
            raise LockfileError(f"{path}: unknown lockfileVersion {document['lockfileVersion']!r} (fnguard reads 5 to 9)")
        text_lines = {line.strip().rstrip(":").strip("'\""): n for n, line in enumerate(read_text(path).splitlines(), 1)}
        dependencies = []
        for key, entry in (document.get("packages") or {}).items():
            entry = entry if isinstance(entry, dict) else {}
            parsed = parse_key(str(key), major)
            resolution = entry.get("resolution") or {}
            kind = "vcs" if "repo" in resolution or "commit" in resolution else ("url" if "tarball" in resolution and "integrity" not in resolution else None)
            if parsed is None:
                continue
            name, version = entry.get("name") or parsed[0], str(entry.get("version") or parsed[1])
            dependencies.append(Dependency("npm", name, None if kind else version, str(path), text_lines.get(str(key)),
                                           version, None, bool(entry.get("dev")), kind))
        return ParsedFile(str(path), self.name, tuple(dependencies))
