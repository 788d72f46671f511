"""Envelopes read hostile shapes without raising: a crash would mean an uninspected event.

Every field up to three levels deep of every real sample is replaced in turn by values of
every JSON type; the envelope must still open the event.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from guard_helpers import EVENTS

from fnguard.guard.envelopes import open_event

SAMPLES = sorted(EVENTS.glob("*.json")) if EVENTS.is_dir() else []
ODD_VALUES: tuple[Any, ...] = (None, 7, -1.5, True, "", "x", [], [None], ["a", 1], {}, {"k": None}, {"": [1]})


def paths(node: Any, depth: int, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if depth == 0:
        return found
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(paths(value, depth - 1, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node[:2]):
            found.extend(paths(value, depth - 1, (*prefix, index)))
    return found


def replaced(event: Any, path: tuple[Any, ...], value: Any) -> Any:
    event = copy.deepcopy(event)
    node = event
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = copy.deepcopy(value)
    return event


@pytest.mark.skipif(not SAMPLES, reason="sample events not beside the checkout")
@pytest.mark.parametrize("sample_path", SAMPLES, ids=lambda p: p.name)
def test_any_field_may_hold_any_type(sample_path: Any) -> None:
    sample = json.loads(sample_path.read_text())
    crashes = []
    for path in paths(sample, 3):
        for value in ODD_VALUES:
            try:
                open_event(replaced(sample, path, value))
            except Exception as exc:  # noqa: BLE001 - collected to report every crash at once
                crashes.append(f"{'/'.join(map(str, path))} = {value!r}: {type(exc).__name__}: {exc}")
    assert crashes == []


def test_non_mapping_events_open_as_invoke() -> None:
    for event in (None, 3, "text", [1, 2], [{"eventSource": "aws:sqs"}]):
        assert open_event(event).trigger == "invoke"
