"""The compact store: OSV trimmed to what matching needs, indexed by package name, gzip'd JSON.

The bundled snapshot, ``fnguard db update`` and ``fnguard db import`` all write this layout, so
that a scan loads one small file per ecosystem and looks packages up by name: an ``index.json``
manifest, and per ecosystem a ``<Ecosystem>-<hash>.json.gz`` mapping each normalised name to its
records. The manifest is replaced last and atomically, so a reader sees the old store or the
new one, never half of each.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fnguard.deps.matching import event_sort_key, in_range
from fnguard.deps.versions import ECOSYSTEMS, InvalidVersionError, VersionScheme, scheme_for
from fnguard.deps.vulndb.cvss import severity_of
from fnguard.deps.vulndb.interface import VulnDBError, VulnSource
from fnguard.deps.vulndb.model import SourceInfo

FORMAT = 1
MANIFEST = "index.json"
_RANGE_TYPES = ("ECOSYSTEM", "SEMVER")
_SUMMARY_CHARS = 200


@dataclass
class CompiledEcosystem:
    """One ecosystem's index while it is built (mutable: it is filled record by record)."""

    packages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Normalised package name → compact records."""
    records: int = 0
    """Live records read."""
    withdrawn: int = 0
    """Withdrawn records skipped."""
    snapshot: str | None = None
    """Newest modification date seen (dates in the future are ignored as typos)."""
    dropped_ranges: int = 0
    """Ranges left out because a version in them could not be read even after clean-up."""


def _summary(record: Mapping[str, Any]) -> str:
    text = str(record.get("summary") or "").strip()
    if not text:
        details = " ".join(str(record.get("details") or "").split())
        text = details.split(". ")[0]
    return text if len(text) <= _SUMMARY_CHARS else text[: _SUMMARY_CHARS - 1] + "…"


def _date(value: Any, today: dt.date) -> str | None:
    """The ISO date of a timestamp, ignoring dates in the future (source typos say 2027)."""
    try:
        day = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
    return day.isoformat() if day <= today else None


def _readable(scheme: VersionScheme, version: str) -> str:
    """A version the scheme reads: source typos such as ``2.9.0-NA`` keep their numeric prefix."""
    if version == "0" or scheme.valid(version):
        return version
    prefix = re.match(r"\d+(?:\.\d+)*", version)
    return prefix.group(0) if prefix and scheme.valid(prefix.group(0)) else version


def _compact_affected(ecosystem: str, affected: Mapping[str, Any], stats: CompiledEcosystem) -> dict[str, Any]:
    scheme = scheme_for(ecosystem)
    ranges: list[list[tuple[str, str]]] = []
    for osv_range in affected.get("ranges") or []:
        if osv_range.get("type") not in _RANGE_TYPES:
            continue  # GIT ranges speak of commits, not versions
        events = [
            (kind, _readable(scheme, str(value)))
            for event in osv_range.get("events") or []
            for kind, value in event.items()
            if kind in ("introduced", "fixed", "last_affected")
        ]
        try:
            events.sort(key=lambda event: event_sort_key(scheme, event))
        except InvalidVersionError:
            stats.dropped_ranges += 1
            continue
        if events:
            ranges.append(events)
    extra = []
    for version in affected.get("versions") or []:
        try:
            key = scheme.key(str(version))
        except InvalidVersionError:
            extra.append(str(version))  # unparseable legacy strings still match exactly
            continue
        if not any(in_range(scheme, key, events) for events in ranges):
            extra.append(str(version))
    entry: dict[str, Any] = {}
    if ranges:
        entry["ranges"] = ranges
    if extra:
        entry["versions"] = sorted(set(extra))
    return entry


def compile_records(records: Iterable[Mapping[str, Any]], today: dt.date | None = None) -> dict[str, CompiledEcosystem]:
    """Index OSV records by ecosystem and normalised package name; withdrawn records are counted, not kept."""
    today = today or dt.date.today()
    compiled: dict[str, CompiledEcosystem] = {}
    for record in records:
        record_id = record.get("id")
        if not isinstance(record_id, str):
            continue
        severity, score, _vector = severity_of(record.get("severity") or [])
        base: dict[str, Any] = {"id": record_id}
        aliases = sorted({str(a) for a in record.get("aliases") or [] if a and a != record_id})
        if aliases:
            base["aliases"] = aliases
        base["summary"] = _summary(record)
        if severity:
            base["severity"], base["score"] = severity, score
        if record.get("published"):
            base["published"] = str(record["published"])[:10]
        native = (record.get("database_specific") or {})
        seen_ecosystems: set[str] = set()
        for affected in record.get("affected") or []:
            package = affected.get("package") or {}
            ecosystem = package.get("ecosystem")
            name = package.get("name")
            if ecosystem not in ECOSYSTEMS or not name:
                continue
            stats = compiled.setdefault(ecosystem, CompiledEcosystem())
            if ecosystem not in seen_ecosystems:
                seen_ecosystems.add(ecosystem)
                if record.get("withdrawn"):
                    stats.withdrawn += 1
                else:
                    stats.records += 1
                    day = _date(record.get("modified") or record.get("published"), today)
                    if day and (stats.snapshot is None or day > stats.snapshot):
                        stats.snapshot = day
            if record.get("withdrawn"):
                continue
            entry = dict(base, **_compact_affected(ecosystem, affected, stats))
            if native.get("ranges_exact") is False and native.get("vulnerable_versions"):
                entry["native"] = str(native["vulnerable_versions"])
            if "ranges" not in entry and "versions" not in entry and "native" not in entry:
                continue  # GIT-only: cannot match a version
            key = scheme_for(ecosystem).normalize_name(str(name))
            stats.packages.setdefault(key, []).append(entry)
    return compiled


def _atomic_write(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(temporary, 0o644)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_store(
    directory: str | Path,
    compiled: Mapping[str, CompiledEcosystem],
    *,
    location: str,
    licenses: Mapping[str, str] | None = None,
    merge: bool = True,
) -> dict[str, Any]:
    """Write (or update) a store; ecosystems not in ``compiled`` are kept when ``merge``."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {"format": FORMAT, "ecosystems": {}}
    old = read_manifest(target) if merge and (target / MANIFEST).is_file() else None
    if old:
        manifest["ecosystems"].update(old["ecosystems"])
    for ecosystem, stats in sorted(compiled.items()):
        payload = json.dumps(stats.packages, separators=(",", ":"), sort_keys=True).encode("utf-8")
        digest = hashlib.sha256(payload).hexdigest()[:12]
        filename = f"{ecosystem}-{digest}.json.gz"
        _atomic_write(target / filename, gzip.compress(payload, compresslevel=9, mtime=0))
        manifest["ecosystems"][ecosystem] = {
            "file": filename,
            "records": stats.records,
            "withdrawn": stats.withdrawn,
            "packages": len(stats.packages),
            "snapshot": stats.snapshot,
            "source": location,
            "license": (licenses or {}).get(ecosystem),
        }
    _atomic_write(target / MANIFEST, (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode("utf-8"))
    referenced = {entry["file"] for entry in manifest["ecosystems"].values()}
    for stale in target.glob("*.json.gz"):
        if stale.name not in referenced:
            stale.unlink(missing_ok=True)
    return manifest


def read_manifest(directory: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise VulnDBError(f"{directory / MANIFEST}: unreadable database manifest: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("ecosystems"), dict):
        raise VulnDBError(f"{directory / MANIFEST}: not an fnguard vulnerability database (format {FORMAT})")
    return manifest


class CompactStore(VulnSource):
    """A store written by :func:`write_store`: the bundled snapshot or the user cache."""

    def __init__(self, directory: str | Path, kind: str) -> None:
        self.directory = Path(directory)
        self.kind = kind
        self.manifest = read_manifest(self.directory)
        self._indexes: dict[str, Mapping[str, list[dict[str, Any]]]] = {}

    def ecosystems(self) -> tuple[str, ...]:
        return tuple(self.manifest["ecosystems"])

    def info(self) -> list[SourceInfo]:
        return [
            SourceInfo(
                ecosystem=ecosystem,
                location=str(entry.get("source") or self.directory),
                kind=self.kind,
                records=int(entry.get("records", 0)),
                packages=int(entry.get("packages", 0)),
                snapshot=entry.get("snapshot"),
                withdrawn=int(entry.get("withdrawn", 0)),
                license=entry.get("license"),
            )
            for ecosystem, entry in sorted(self.manifest["ecosystems"].items())
        ]

    def index(self, ecosystem: str) -> Mapping[str, list[dict[str, Any]]]:
        if ecosystem not in self._indexes:
            entry = self.manifest["ecosystems"].get(ecosystem)
            if entry is None:
                self._indexes[ecosystem] = {}
            else:
                path = self.directory / entry["file"]
                try:
                    self._indexes[ecosystem] = json.loads(gzip.decompress(path.read_bytes()))
                except (OSError, EOFError, gzip.BadGzipFile, json.JSONDecodeError) as exc:
                    raise VulnDBError(f"{path}: unreadable database file: {exc}") from None
        return self._indexes[ecosystem]


class OsvDump(VulnSource):
    """Raw OSV records (zip, directory, JSON lines) compiled in memory: FNGUARD_VULN_DB and --db."""

    def __init__(self, path: str | Path, kind: str = "explicit") -> None:
        from fnguard.deps.vulndb.osv import iter_records

        self.path = str(path)
        self.kind = kind
        self.compiled = compile_records(iter_records(path))

    def ecosystems(self) -> tuple[str, ...]:
        return tuple(self.compiled)

    def info(self) -> list[SourceInfo]:
        return [
            SourceInfo(ecosystem, self.path, self.kind, stats.records, len(stats.packages), stats.snapshot, stats.withdrawn)
            for ecosystem, stats in sorted(self.compiled.items())
        ]

    def index(self, ecosystem: str) -> Mapping[str, list[dict[str, Any]]]:
        stats = self.compiled.get(ecosystem)
        return stats.packages if stats else {}
