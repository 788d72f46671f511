"""pyproject.toml: PEP 621 ``[project] dependencies`` and Poetry's ``[tool.poetry.dependencies]``.

These are what the project asks for, not what is installed: most entries are ranges, and a
lock file beside it (poetry.lock, uv.lock, pylock.toml) is what pins them.
"""

from __future__ import annotations

from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from fnguard.deps.inventory._toml import load_toml, name_lines
from fnguard.deps.inventory.interface import DependencyParser, read_text
from fnguard.deps.model import Dependency, ParsedFile
from fnguard.deps.versions.pypi import PypiScheme

_SCHEME = PypiScheme()


def _poetry_spec(value: object) -> tuple[str, str | None]:
    """A Poetry constraint as ``(spec, unauditable kind)``; ``1.2.3`` alone is an exact pin."""
    if isinstance(value, dict):
        for key, kind in (("git", "vcs"), ("url", "url"), ("path", "path")):
            if key in value:
                return str(value[key]), kind
        value = value.get("version", "")
    text = str(value).strip()
    if text and text[0].isdigit() and "*" not in text and "," not in text:
        return f"=={text}", None
    return text, None


class PyprojectParser(DependencyParser):
    name = "pyproject.toml"
    ecosystem = "PyPI"

    def matches(self, path: Path) -> bool:
        return path.name == "pyproject.toml"

    def parse(self, path: Path) -> ParsedFile:
        document = load_toml(path)
        lines = name_lines(read_text(path))
        dependencies: list[Dependency] = []
        warnings: list[str] = []
        for text in (document.get("project") or {}).get("dependencies") or []:
            try:
                requirement = Requirement(str(text))
            except InvalidRequirement as exc:
                warnings.append(f"{path}: unreadable dependency {text!r}: {exc}")
                continue
            spec = str(requirement.specifier)
            dependencies.append(
                Dependency("PyPI", requirement.name, None if requirement.url else _SCHEME.exact_pin(spec), str(path),
                           lines.get(requirement.name.lower()), requirement.url or spec or "(any)", True, False,
                           "url" if requirement.url else None,
                           marker=str(requirement.marker) if requirement.marker is not None else None)
            )
        poetry = ((document.get("tool") or {}).get("poetry") or {}).get("dependencies") or {}
        for name, value in poetry.items():
            if name.lower() == "python":
                continue
            spec, kind = _poetry_spec(value)
            dependencies.append(
                Dependency("PyPI", name, None if kind else _SCHEME.exact_pin(spec), str(path), None,
                           spec or "(any)", True, False, kind)
            )
        return ParsedFile(str(path), self.name, tuple(dependencies), tuple(warnings))
