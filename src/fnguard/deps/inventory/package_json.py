"""package.json: what a Node function asks for; exact versions are pins, anything else a range.

With a lock file beside it the lock says what is installed, and package.json only tells which
packages are direct (``pins_only``).
"""

from __future__ import annotations

import json
from pathlib import Path

from fnguard.deps.inventory.interface import DependencyParser, LockfileError, json_key_lines, read_text
from fnguard.deps.model import Dependency, ParsedFile
from fnguard.deps.versions.npm import NpmScheme

LOCK_NAMES = ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml")
_SCHEME = NpmScheme()
_SECTIONS = (("dependencies", False), ("optionalDependencies", False), ("devDependencies", True))


def _kind(spec: str) -> str | None:
    if spec.startswith(("git", "github:", "gitlab:", "bitbucket:")) or "git+" in spec or (
        "/" in spec and not spec.startswith(("npm:", "http")) and ":" not in spec
    ):
        return "vcs"
    if spec.startswith(("file:", "link:", "workspace:", "portal:")):
        return "path"
    if spec.startswith(("http:", "https:")):
        return "url"
    return None


class PackageJsonParser(DependencyParser):
    name = "package.json"
    ecosystem = "npm"

    def matches(self, path: Path) -> bool:
        return path.name == "package.json" and "node_modules" not in path.parts

    def parse(self, path: Path) -> ParsedFile:
        text = read_text(path)
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LockfileError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
        if not isinstance(document, dict):
            raise LockfileError(f"{path}: not a package.json (top level is not an object)")
        lines = json_key_lines(text)
        dependencies = []
        for section, dev in _SECTIONS:
            for name, raw in (document.get(section) or {}).items():
                spec = str(raw).strip()
                real_name = name
                if spec.startswith("npm:"):
                    real_name, _, spec = spec[4:].rpartition("@")
                kind = _kind(spec)
                dependencies.append(
                    Dependency("npm", real_name or name, None if kind else _SCHEME.exact_pin(spec), str(path),
                               lines.get(name), spec or "*", True, dev, kind)
                )
        locked = any((path.parent / name).is_file() for name in LOCK_NAMES)
        return ParsedFile(str(path), self.name, tuple(dependencies), pins_only=locked)
