"""Values the dependency analysis passes around: what a function ships and what is wrong with it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dependency:
    """One package a function ships (or asks for), as one dependency file states it."""

    ecosystem: str
    """OSV ecosystem: ``PyPI`` or ``npm``."""
    name: str
    """The name as written in the file."""
    version: str | None
    """The exact version installed or pinned; ``None`` when the file allows a range."""
    file: str
    """The dependency file that says so (absolute path)."""
    line: int | None = None
    """1-based line of the entry, where the format makes it cheap to know."""
    spec: str = ""
    """The requirement as written (``>=1.0``, ``^2.1.0``, a URL), for unpinned findings."""
    direct: bool | None = None
    """Asked for by the function itself (``True``), pulled in by another package (``False``), unknown."""
    dev: bool = False
    """Only a development dependency (not deployed, in principle)."""
    unauditable: str | None = None
    """Why no version can be known (``url``, ``vcs``, ``editable``, ``path``), or ``None``."""
    top_level: tuple[str, ...] = ()
    """Import names the package provides, when a vendored ``top_level.txt`` says so."""
    marker: str | None = None
    """A PEP 508 environment marker (``python_version < "3.8"``): the entry may not apply to the runtime."""


@dataclass(frozen=True)
class ParsedFile:
    """What one dependency file yields: its entries and the problems that did not stop reading it."""

    path: str
    """The file read."""
    format: str
    """The parser's name (``requirements``, ``package-lock``, ...)."""
    dependencies: tuple[Dependency, ...] = ()
    """Every entry, in file order."""
    warnings: tuple[str, ...] = ()
    """Problems such as conflicting pins; each names the file."""
    pins_only: bool = False
    """True for manifests whose entries a lock file in the same directory already pins."""
