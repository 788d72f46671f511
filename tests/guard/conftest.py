"""Guard test fixtures: a clean FNGUARD_* environment and captured security event lines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from fnguard.guard import sink


@pytest.fixture(autouse=True)
def _clean_guard_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard reads FNGUARD_* and Lambda variables; a developer's shell must not leak in."""
    for name in ("FNGUARD_MODE", "FNGUARD_CONFIG", "FNGUARD_SERVE_URL", "FNGUARD_SERVE_TOKEN", "FNGUARD_HANDLER",
                 "AWS_LAMBDA_FUNCTION_NAME", "LAMBDA_TASK_ROOT"):
        monkeypatch.delenv(name, raising=False)


class EventLines(list):  # type: ignore[type-arg]
    """The ``fnguard_event`` objects written to stdout, in order."""

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self if e.get("type") == kind]


@pytest.fixture
def event_lines(monkeypatch: pytest.MonkeyPatch) -> Iterator[EventLines]:
    """Capture what the guard writes as event lines, checking each is one JSON line."""
    lines = EventLines()

    def write(line: str) -> None:
        assert line.endswith("\n") and "\n" not in line[:-1], "an event must be exactly one line"
        doc = json.loads(line)
        assert list(doc) == ["fnguard_event"]
        lines.append(doc["fnguard_event"])

    monkeypatch.setattr(sink, "_stdout_write", write)
    yield lines


@pytest.fixture
def lambda_runtime_api() -> Iterator[Any]:
    """A running Lambda Runtime API emulator (see lambda_emulator.py) for LambdaProcess."""
    from lambda_emulator import RuntimeApi

    with RuntimeApi() as api:
        yield api
