"""yarn.lock, classic (v1, its own syntax) and berry (v2+, YAML): one block per resolved version.

Both are read line by line: a block starts with an unindented ``spec[, spec]:`` header and holds a
``version`` line. Berry's workspace and patch entries are the project itself, not packages.
"""

from __future__ import annotations

import re
from pathlib import Path

from fnguard.deps.inventory.interface import DependencyParser, LockfileError, read_text
from fnguard.deps.model import Dependency, ParsedFile

_VERSION = re.compile(r'^\s+version:?\s+"?([^"\s]+)"?\s*$')
_RESOLVED = re.compile(r'^\s+(?:resolved|resolution):?\s+"?([^"\s]+)"?\s*$')


def _package_name(spec: str) -> str:
    """``@scope/name@^1.0`` → ``@scope/name``; ``name@npm:^1`` → ``name``."""
    spec = spec.strip().strip('"')
    at = spec.find("@", 1)
    return spec[:at] if at > 0 else spec


class YarnLockParser(DependencyParser):
    name = "yarn.lock"
    ecosystem = "npm"

    def matches(self, path: Path) -> bool:
        return path.name == "yarn.lock"

    def parse(self, path: Path) -> ParsedFile:
        text = read_text(path)
        if "\x00" in text:
            raise LockfileError(f"{path}: binary content, not a yarn.lock")
        berry = "__metadata:" in text
        dependencies: list[Dependency] = []
        header: tuple[int, str] | None = None
        version: str | None = None
        resolved = ""

        def flush() -> None:
            if header is None:
                return
            number, specs = header
            first = specs.split(",")[0]
            name = _package_name(first)
            if "@workspace:" in specs or ("@patch:" in specs and not version):
                return
            kind = None
            if "@file:" in specs or "@link:" in specs or "@portal:" in specs:
                kind = "path"
            elif re.search(r"@(?:git|github:|https?:)", specs) or "git" in resolved.split("#")[0][:4]:
                kind = "vcs" if "git" in specs or "github:" in specs else "url"
            if version is None:
                raise LockfileError(f"{path}:{number}: entry {first.strip()!r} has no version; truncated?")
            dependencies.append(Dependency("npm", name, None if kind else version, str(path), number, version,
                                           None, False, kind))

        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if not line[0].isspace():
                flush()
                header, version, resolved = None, None, ""
                if line.rstrip().endswith(":") and not line.startswith("__metadata"):
                    header = (number, line.rstrip()[:-1])
                continue
            if header is not None:
                match = _VERSION.match(line)
                if match and version is None and line.startswith(("  version", "  version:")):
                    version = match.group(1)
                match = _RESOLVED.match(line)
                if match:
                    resolved = match.group(1)
        flush()
        if not dependencies and text.strip() and not berry and "yarn lockfile" not in text[:200]:
            raise LockfileError(f"{path}: not a yarn.lock (no entries found)")
        return ParsedFile(str(path), self.name, tuple(dependencies))
