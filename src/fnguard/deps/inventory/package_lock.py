"""package-lock.json / npm-shrinkwrap.json, lockfileVersion 1 (nested ``dependencies``) and 2/3 (``packages``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fnguard.deps.inventory.interface import DependencyParser, LockfileError, json_key_lines, read_text
from fnguard.deps.model import Dependency, ParsedFile

KNOWN_VERSIONS = (1, 2, 3)


def _kind(resolved: str, version: str) -> str | None:
    """Why an entry has no registry version: git, tarball URL, local path."""
    text = version or resolved
    if text.startswith(("git", "github:")) or "git+" in text:
        return "vcs"
    if text.startswith("file:"):
        return "path"
    if text.startswith(("http:", "https:")) and not resolved.startswith("https://registry."):
        return "url"
    return None


def _manifest_names(path: Path) -> set[str] | None:
    """Names package.json asks for: what makes a v1 lock's top-level entry direct."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict):
        return None
    sections = ("dependencies", "devDependencies", "optionalDependencies")
    return {name for section in sections for name in (document.get(section) or {})}


class PackageLockParser(DependencyParser):
    name = "package-lock"
    ecosystem = "npm"

    def matches(self, path: Path) -> bool:
        return path.name in ("package-lock.json", "npm-shrinkwrap.json", ".package-lock.json")

    def parse(self, path: Path) -> ParsedFile:
        text = read_text(path)
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LockfileError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}); truncated?") from None
        if not isinstance(document, dict):
            raise LockfileError(f"{path}: not a package-lock (top level is not an object)")
        version = document.get("lockfileVersion", 1 if "dependencies" in document else None)
        if version not in KNOWN_VERSIONS:
            raise LockfileError(f"{path}: unknown lockfileVersion {version!r} (fnguard reads 1, 2 and 3)")
        lines = json_key_lines(text)
        root = document.get("packages", {}).get("", {}) if isinstance(document.get("packages"), dict) else {}
        direct = set(root.get("dependencies") or {}) | set(root.get("devDependencies") or {}) | set(
            root.get("optionalDependencies") or {}
        )
        if isinstance(document.get("packages"), dict):
            dependencies = self._packages(path, document["packages"], lines, direct)
        else:
            dependencies = list(self._nested(path, document.get("dependencies") or {}, lines, top=True))
            manifest = _manifest_names(path.parent / "package.json")
            if manifest is not None:
                dependencies = [
                    Dependency(**{**d.__dict__, "direct": d.name in manifest}) if d.direct is None else d
                    for d in dependencies
                ]
        return ParsedFile(str(path), self.name, tuple(dependencies))

    def _packages(self, path: Path, packages: dict[str, Any], lines: dict[str, int], direct: set[str]) -> list[Dependency]:
        dependencies = []
        for key, entry in packages.items():
            if not key or not isinstance(entry, dict) or entry.get("link") or "node_modules/" not in key:
                continue  # the root project, workspace links
            name = entry.get("name") or key.rsplit("node_modules/", 1)[1]
            version = str(entry.get("version") or "")
            kind = _kind(str(entry.get("resolved") or ""), version)
            top = key.count("node_modules/") == 1
            dependencies.append(
                Dependency("npm", name, None if kind or not version else version, str(path), lines.get(key),
                           version, (name in direct) if top and direct else (False if not top else None),
                           bool(entry.get("dev")), kind or (None if version else "path"))
            )
        return dependencies

    def _nested(self, path: Path, tree: dict[str, Any], lines: dict[str, int], top: bool):  # type: ignore[no-untyped-def]
        for name, entry in tree.items():
            if not isinstance(entry, dict):
                continue
            version = str(entry.get("version") or "")
            kind = _kind(str(entry.get("resolved") or ""), version)
            if version.startswith("npm:"):  # an alias: "npm:real-name@1.2.3"
                name, _, version = version[4:].rpartition("@")
            yield Dependency("npm", name, None if kind or not version else version, str(path), lines.get(name),
                             version, None if top else False, bool(entry.get("dev")), kind)
            yield from self._nested(path, entry.get("dependencies") or {}, lines, top=False)
