"""What every analysis may consult besides the app: options and the project's fnguard.yml."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ScanContext:
    """Options of one scan, shared by all analyses of it."""

    config: Mapping[str, Any] = field(default_factory=dict)
    """The ``fnguard.yml`` at the app root (already validated), or empty."""
    vuln_db: str | None = None
    """Path or URL of the vulnerability database to use instead of the bundled snapshot."""
    warnings: list[str] = field(default_factory=list)
    """Warnings analyses add (unreadable lock file, unresolvable call...)."""
    cache: dict[str, Any] = field(default_factory=dict)
    """Results shared between analyses of one scan (code summaries, boto3 calls...)."""

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)
