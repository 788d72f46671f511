"""Matching checked against the database itself.

For a seeded sample of a few hundred advisories of the shared OSV dumps, looked up through the
bundled store (index, sorted ranges, pruned version lists): the last affected version of each
range matches the advisory, and its first fixed version does not. "Last affected" is the
``last_affected`` event, or the highest release the record itself lists below the fix.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

from packaging.version import InvalidVersion, Version

from fnguard.deps.matching import is_affected
from fnguard.deps.versions import scheme_for
from fnguard.deps.versions.npm import semver_key
from fnguard.deps.vulndb import open_database

SAMPLE = 400


def _key(ecosystem: str, version: str) -> object:
    return Version(version) if ecosystem == "PyPI" else semver_key(version)


def _cases(osv_dir: Path) -> list[tuple[str, str, str, str, bool]]:
    """``(ecosystem, package, advisory id, version, expected)`` from the raw records."""
    records = []
    for filename in ("pypi.jsonl.gz", "npm.jsonl.gz"):
        with gzip.open(osv_dir / filename, "rt", encoding="utf-8") as stream:
            records += [json.loads(line) for line in stream]
    live = [r for r in records if not r.get("withdrawn")]
    rng = random.Random(20261128)
    cases = []
    for record in rng.sample(live, SAMPLE):
        for affected in record["affected"]:
            ecosystem, name = affected["package"]["ecosystem"], affected["package"]["name"]
            listed = affected.get("versions") or []
            for osv_range in affected.get("ranges") or []:
                if osv_range["type"] not in ("ECOSYSTEM", "SEMVER"):
                    continue
                events = [(k, v) for e in osv_range["events"] for k, v in e.items()]
                introduced = [v for k, v in events if k == "introduced"]
                for kind, version in events:
                    try:
                        bound = _key(ecosystem, version)
                    except (InvalidVersion, ValueError):
                        continue
                    if kind == "last_affected":
                        cases.append((ecosystem, name, record["id"], version, True))
                    elif kind == "fixed":
                        if version not in listed:  # a fixed version listed as affected elsewhere is the data's word
                            cases.append((ecosystem, name, record["id"], version, False))
                        below = []
                        for v in listed:
                            try:
                                if _key(ecosystem, v) < bound:
                                    below.append(v)
                            except (InvalidVersion, ValueError):
                                continue
                        if below and len(introduced) == 1:
                            cases.append((ecosystem, name, record["id"], max(below, key=lambda v: _key(ecosystem, v)), True))
    return cases


def test_last_affected_matches_and_first_fixed_does_not(osv_dir: Path) -> None:
    database = open_database()
    cases = _cases(osv_dir)
    assert len(cases) >= 300, len(cases)
    failures = []
    for ecosystem, name, advisory_id, version, expected in cases:
        advisories = [a for a in database.advisories(ecosystem, name) if a.id == advisory_id]
        assert advisories, f"{advisory_id} ({name}) is not in the bundled store"
        got = any(is_affected(scheme_for(ecosystem), version, a) for a in advisories)
        if got is not expected:
            failures.append((advisory_id, name, version, expected))
    assert not failures, failures[:10]


def test_withdrawn_records_are_not_in_the_store(osv_dir: Path) -> None:
    database = open_database()
    with gzip.open(osv_dir / "pypi.jsonl.gz", "rt", encoding="utf-8") as stream:
        withdrawn = [json.loads(line) for line in stream if '"withdrawn"' in line]
    withdrawn = [r for r in withdrawn if r.get("withdrawn")][:50]
    assert withdrawn
    for record in withdrawn:
        name = record["affected"][0]["package"]["name"]
        assert record["id"] not in {a.id for a in database.advisories("PyPI", name)}
