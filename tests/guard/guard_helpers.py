"""Helpers for guard tests: real sample events, attack strings, a scripted engine."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from fnguard.guard.waf import Detection, InspectionResult

EVENTS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "events"

SQLI = "1 UNION SELECT password FROM users--"
CMDI = "; cat /etc/passwd"
XSS = "<script>alert(document.cookie)</script>"


def sample(name: str) -> dict[str, Any]:
    """A fresh copy of a real Lambda sample event (skips when the corpus is absent)."""
    path = EVENTS / name
    if not path.is_file():
        pytest.skip(f"sample event {name} not found beside the checkout")
    return copy.deepcopy(json.loads(path.read_text()))


def leaves(value: Any, location: str = "", keys: bool = False) -> list[tuple[str, str]]:
    """(location, string) for every string leaf (and, with ``keys``, every key) of a value."""
    found: list[tuple[str, str]] = []
    if isinstance(value, str):
        found.append((location, value))
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{location}.{key}" if location else str(key)
            if keys:
                found.append((child, str(key)))
            found.extend(leaves(item, child, keys))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.extend(leaves(item, f"{location}[{i}]", keys))
    return found


def all_leaves(envelope: Any) -> list[tuple[str, str]]:
    return [leaf for part in envelope.parts for leaf in leaves(part.value, part.location)]


@dataclass
class ScriptedEngine:
    """Flags every string leaf containing ``marker``; can run out of budget or crash."""

    marker: str = "EVIL"
    rule_id: str = "FGW-TEST-001"
    budget_after: int | None = None
    """Report budget_exceeded once this many parts were inspected."""
    crash: bool = False
    calls: list[str] = field(default_factory=list)

    def inspect(self, data: Any, location: str = "") -> InspectionResult:
        if self.crash:
            raise RuntimeError("engine exploded")
        self.calls.append(location)
        if self.budget_after is not None and len(self.calls) > self.budget_after:
            return InspectionResult((), True, 0)
        found = tuple(
            Detection(self.rule_id, "test", "high", 1, loc, text)
            for loc, text in leaves(data, location, keys=True)
            if self.marker in text
        )
        return InspectionResult(found, False, sum(len(t) for _, t in leaves(data, location)))
