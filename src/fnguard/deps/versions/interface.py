"""What an ecosystem's version scheme must provide to the matcher and the inventory."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any


class InvalidVersionError(ValueError):
    """A version or range string the scheme cannot read."""


class VersionScheme(ABC):
    """Ordering and naming rules of one ecosystem."""

    ecosystem: str

    @abstractmethod
    def key(self, version: str) -> Any:
        """A sort key; raises :class:`InvalidVersionError` for a string that is no version."""

    @abstractmethod
    def normalize_name(self, name: str) -> str:
        """The package name as the database indexes it."""

    @abstractmethod
    def exact_pin(self, spec: str) -> str | None:
        """The single version ``spec`` allows, or ``None`` when it allows a range."""

    def in_native_range(self, version: str, native: str) -> bool:
        """Whether ``version`` satisfies an advisory's own range string (rarely needed)."""
        raise InvalidVersionError(f"{self.ecosystem} has no native range syntax")

    def valid(self, version: str) -> bool:
        try:
            self.key(version)
        except InvalidVersionError:
            return False
        return True
