"""Filling the user cache: ``fnguard db update`` (OSV's per-ecosystem exports) and ``db import``.

Everything is downloaded and compiled before the store is touched, and the store's manifest is
replaced last and atomically (see :func:`.compact.write_store`): a failed or interrupted update
leaves the previous database as it was.
"""

from __future__ import annotations

import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fnguard.deps.vulndb.compact import compile_records, write_store
from fnguard.deps.vulndb.database import user_store_dir
from fnguard.deps.vulndb.interface import VulnDBError
from fnguard.deps.vulndb.osv import iter_records

DEFAULT_URL = "https://osv-vulnerabilities.storage.googleapis.com"
DEFAULT_ECOSYSTEMS = ("PyPI", "npm")
_LICENSES = {
    "PyPI": "OSV export: PyPA advisory database (CC-BY-4.0) and GitHub advisories (CC-BY-4.0)",
    "npm": "OSV export: GitHub advisories (CC-BY-4.0)",
}


def import_file(path: str | Path, store: Path | None = None) -> dict[str, Any]:
    """Compile an OSV zip, directory or JSONL(.gz) into the user store; returns the new manifest."""
    store = store or user_store_dir()
    compiled = compile_records(iter_records(path))
    if not any(stats.records for stats in compiled.values()):
        raise VulnDBError(f"{path}: no PyPI or npm OSV record found; the database was left unchanged")
    return write_store(store, compiled, location=f"import {Path(path).resolve()}")


def download(
    url: str = DEFAULT_URL,
    ecosystems: Sequence[str] = DEFAULT_ECOSYSTEMS,
    store: Path | None = None,
    timeout: float = 120.0,
) -> dict[str, Any]:
    """Download ``<url>/<ecosystem>/all.zip`` for each ecosystem, then replace them in the store at once."""
    store = store or user_store_dir()
    store.mkdir(parents=True, exist_ok=True)
    compiled = {}
    with tempfile.TemporaryDirectory(dir=store, prefix=".download-") as scratch:
        for ecosystem in ecosystems:
            source = f"{url.rstrip('/')}/{ecosystem}/all.zip"
            target = Path(scratch) / f"{ecosystem}.zip"
            try:
                with urllib.request.urlopen(source, timeout=timeout) as response, open(target, "wb") as stream:  # noqa: S310
                    shutil.copyfileobj(response, stream)
            except (urllib.error.URLError, OSError, ValueError) as exc:
                reason = getattr(exc, "reason", None) or exc
                raise VulnDBError(f"cannot download {source}: {reason}; the database was left unchanged") from None
            result = compile_records(iter_records(target))
            if ecosystem not in result or not result[ecosystem].records:
                raise VulnDBError(f"{source}: no {ecosystem} record in the export; the database was left unchanged")
            compiled[ecosystem] = result[ecosystem]
    return write_store(store, compiled, location=url, licenses=_LICENSES)
