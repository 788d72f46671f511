"""Helpers for sources that batch records under ``Records`` with an ``eventSource`` tag."""

from __future__ import annotations

from typing import Any


def first_source(event: dict[str, Any]) -> str | None:
    """``eventSource`` (or SNS's ``EventSource``) of the first record, None if not a batch."""
    records = event.get("Records")
    if not isinstance(records, list) or not records or not isinstance(records[0], dict):
        return None
    source = records[0].get("eventSource") or records[0].get("EventSource")
    return source if isinstance(source, str) else None


def each(event: dict[str, Any], key: str = "Records") -> list[tuple[int, dict[str, Any]]]:
    """(index, record) for every record that is a mapping."""
    records = event.get(key)
    if not isinstance(records, list):
        return []
    return [(i, r) for i, r in enumerate(records) if isinstance(r, dict)]
