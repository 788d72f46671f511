"""Values of the vulnerability database: advisories as matching needs them, and their sources."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Advisory:
    """One OSV record's statement about one package, trimmed to what matching and reports need."""

    id: str
    """The record's own id (``PYSEC-…``, ``GHSA-…``, ``NSWG-ECO-…``)."""
    aliases: tuple[str, ...]
    """Other ids of the same flaw (CVE, GHSA, PYSEC); findings list them all."""
    summary: str
    """One line for the report; the first sentence of ``details`` when OSV has no summary."""
    severity: str | None
    """fnguard severity rated from CVSS, or ``None`` when the record carries no vector."""
    score: float | None
    """The CVSS base score (v4 scores are estimates, see :mod:`.cvss`)."""
    ranges: tuple[tuple[tuple[str, str], ...], ...]
    """ECOSYSTEM/SEMVER ranges, each a list of ``(event, version)`` sorted by version."""
    versions: frozenset[str]
    """Versions named explicitly and not already inside a range."""
    native: str | None = None
    """The ecosystem's own range string, for the few records whose ranges OSV cannot express."""
    published: str | None = None
    """Publication date (ISO 8601), for the report."""

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.id, *self.aliases)


@dataclass(frozen=True)
class SourceInfo:
    """Where one ecosystem's advisories were read from: what ``fnguard db info`` prints."""

    ecosystem: str
    """OSV ecosystem name (``PyPI``, ``npm``)."""
    location: str
    """A path, ``bundled``, or the URL it was downloaded from."""
    kind: str
    """``bundled``, ``cache`` (db update / import) or ``env``/``explicit`` (FNGUARD_VULN_DB, --db)."""
    records: int
    """Live (not withdrawn) records for this ecosystem."""
    packages: int
    """Distinct package names indexed."""
    snapshot: str | None
    """Date of the newest record (ISO date): what the 30-day staleness warning compares."""
    withdrawn: int = 0
    """Records skipped because OSV marks them withdrawn."""
    license: str | None = None
    """Licence and attribution of the data, when known."""
