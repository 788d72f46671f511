"""What a source of advisories gives the database: an index from package name to records."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from fnguard.deps.vulndb.model import SourceInfo


class VulnDBError(Exception):
    """A database that cannot be read, imported or downloaded."""


class VulnSource(ABC):
    """One place advisories come from (the bundled snapshot, the user cache, an OSV dump)."""

    @abstractmethod
    def ecosystems(self) -> tuple[str, ...]:
        """The ecosystems this source holds (cheap: no record is read)."""

    @abstractmethod
    def info(self) -> list[SourceInfo]:
        """One :class:`SourceInfo` per ecosystem."""

    @abstractmethod
    def index(self, ecosystem: str) -> Mapping[str, list[dict[str, Any]]]:
        """Normalised package name → compact records (see :mod:`.compact`), loaded on first use."""
