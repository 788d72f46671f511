"""The vulnerability database: OSV advisories, indexed by package name, from several sources."""

from __future__ import annotations

from fnguard.deps.vulndb.database import (
    BUNDLED_DIR,
    STALE_AFTER_DAYS,
    VulnDatabase,
    cache_dir,
    open_database,
    shared_database,
    user_store_dir,
)
from fnguard.deps.vulndb.interface import VulnDBError, VulnSource
from fnguard.deps.vulndb.model import Advisory, SourceInfo

__all__ = [
    "BUNDLED_DIR",
    "STALE_AFTER_DAYS",
    "Advisory",
    "SourceInfo",
    "VulnDBError",
    "VulnDatabase",
    "VulnSource",
    "cache_dir",
    "open_database",
    "shared_database",
    "user_store_dir",
]
