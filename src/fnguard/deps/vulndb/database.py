"""The database a scan consults: one source per ecosystem, advisories looked up by package name."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from fnguard.deps.versions import scheme_for
from fnguard.deps.vulndb.compact import MANIFEST, CompactStore, OsvDump, write_store
from fnguard.deps.vulndb.interface import VulnDBError, VulnSource
from fnguard.deps.vulndb.model import Advisory, SourceInfo

BUNDLED_DIR = Path(__file__).resolve().parent.parent.parent / "data" / "vulndb"
STALE_AFTER_DAYS = 30


def cache_dir() -> Path:
    """$FNGUARD_CACHE_DIR, else $XDG_CACHE_HOME/fnguard, else ~/.cache/fnguard."""
    if os.environ.get("FNGUARD_CACHE_DIR"):
        return Path(os.environ["FNGUARD_CACHE_DIR"])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "fnguard"
    return Path.home() / ".cache" / "fnguard"


def user_store_dir() -> Path:
    return cache_dir() / "vulndb"


def _advisory(raw: dict[str, Any]) -> Advisory:
    return Advisory(
        id=raw["id"],
        aliases=tuple(raw.get("aliases") or ()),
        summary=raw.get("summary") or "",
        severity=raw.get("severity"),
        score=raw.get("score"),
        ranges=tuple(tuple((kind, version) for kind, version in events) for events in raw.get("ranges") or ()),
        versions=frozenset(raw.get("versions") or ()),
        native=raw.get("native"),
        published=raw.get("published"),
    )


def _compiled_copy(target: Path, kind: str) -> VulnSource | None:
    """A raw OSV file compiled once into the user cache, keyed by its path, size and mtime.

    FNGUARD_VULN_DB may point at a full OSV export (tens of MB): compiling it on every scan would
    cost seconds, so the compact store of it is kept and reused while the file is unchanged.
    """
    try:
        stat = target.stat()
        key = hashlib.sha256(f"{target.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
        store = cache_dir() / "compiled" / key
        if (store / MANIFEST).is_file():
            return CompactStore(store, kind)
        dump = OsvDump(target, kind)
        write_store(store, dump.compiled, location=str(target), merge=False)
        return CompactStore(store, kind)
    except OSError:
        return None


def open_source(path: str | Path, kind: str) -> VulnSource:
    """A compact store when ``path`` holds an fnguard manifest, else raw OSV records (compiled once)."""
    target = Path(path)
    if target.is_dir() and (target / MANIFEST).is_file():
        return CompactStore(target, kind)
    if not target.exists():
        raise VulnDBError(f"{target}: no such vulnerability database")
    if target.is_file():
        compiled = _compiled_copy(target, kind)
        if compiled is not None:
            return compiled
    return OsvDump(target, kind)


class VulnDatabase:
    """Advisories per (ecosystem, package); each ecosystem answered by the first source holding it."""

    def __init__(self, sources: Sequence[VulnSource]) -> None:
        self.sources = list(sources)
        self._owner: dict[str, VulnSource] = {}
        for source in self.sources:
            for ecosystem in source.ecosystems():
                self._owner.setdefault(ecosystem, source)
        self._cache: dict[tuple[str, str], tuple[Advisory, ...]] = {}

    def info(self) -> list[SourceInfo]:
        """The source in use for each ecosystem."""
        return [item for ecosystem, source in sorted(self._owner.items()) for item in source.info() if item.ecosystem == ecosystem]

    def advisories(self, ecosystem: str, name: str) -> tuple[Advisory, ...]:
        """Live advisories naming this package (name normalised as the ecosystem does)."""
        key = (ecosystem, scheme_for(ecosystem).normalize_name(name))
        if key not in self._cache:
            source = self._owner.get(ecosystem)
            raws = source.index(ecosystem).get(key[1], []) if source else []
            self._cache[key] = tuple(_advisory(raw) for raw in raws)
        return self._cache[key]

    def stale(self, today: dt.date | None = None) -> list[SourceInfo]:
        """Sources whose newest record is older than :data:`STALE_AFTER_DAYS`."""
        today = today or dt.date.today()
        old = []
        for item in self.info():
            if item.snapshot and (today - dt.date.fromisoformat(item.snapshot)).days > STALE_AFTER_DAYS:
                old.append(item)
        return old


def open_database(explicit: str | None = None) -> VulnDatabase:
    """--db (or ScanContext.vuln_db), else $FNGUARD_VULN_DB, else the user cache over the bundled snapshot."""
    if explicit:
        return VulnDatabase([open_source(explicit, "explicit")])
    if os.environ.get("FNGUARD_VULN_DB"):
        return VulnDatabase([open_source(os.environ["FNGUARD_VULN_DB"], "env")])
    sources: list[VulnSource] = []
    user = user_store_dir()
    if (user / MANIFEST).is_file():
        sources.append(CompactStore(user, "cache"))
    if (BUNDLED_DIR / MANIFEST).is_file():
        sources.append(CompactStore(BUNDLED_DIR, "bundled"))
    if not sources:
        raise VulnDBError("no vulnerability database: the bundled snapshot is missing; run 'fnguard db update'")
    return VulnDatabase(sources)


@lru_cache(maxsize=8)
def _cached(explicit: str | None, env: str | None, cache: str) -> VulnDatabase:
    return open_database(explicit)


def shared_database(explicit: str | None = None) -> VulnDatabase:
    """The database for this process, opened once per (explicit, environment) combination."""
    return _cached(explicit, os.environ.get("FNGUARD_VULN_DB"), str(user_store_dir()))
