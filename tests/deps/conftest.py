"""Helpers of the dependency tests: the shared OSV dumps, a private user cache, hand-built functions."""

from __future__ import annotations

from pathlib import Path

import pytest

from fnguard.deps.vulndb import database as database_module

OSV = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "osv"


@pytest.fixture
def osv_dir() -> Path:
    if not (OSV / "pypi.jsonl.gz").is_file():
        pytest.skip("../shared/data/osv is not beside the checkout")
    return OSV


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty user cache and no FNGUARD_VULN_DB, so the user's never leaks in."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("FNGUARD_CACHE_DIR", str(cache))
    monkeypatch.delenv("FNGUARD_VULN_DB", raising=False)
    database_module._cached.cache_clear()
    yield cache
    database_module._cached.cache_clear()
