"""The range walk against a second formulation of OSV semantics, on generated ranges.

Reference: a version is affected when some ``introduced`` bound at or below it is not closed by a
``fixed`` bound in (introduced, version] nor a ``last_affected`` bound in [introduced, version).
Events are shuffled before the store sorts them, as some source records are.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

from fnguard.deps.matching import event_sort_key, is_affected
from fnguard.deps.versions import scheme_for
from fnguard.deps.vulndb.model import Advisory

SCHEME = scheme_for("PyPI")


@st.composite
def ranges(draw: st.DrawFn) -> tuple[list[tuple[str, str]], list[str]]:
    points = sorted(set(draw(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 9)), min_size=1, max_size=8))))
    versions = [f"{a}.{b}" for a, b in points]
    events: list[tuple[str, str]] = []
    opened = False
    for index, version in enumerate(versions):
        if not opened:
            events.append(("introduced", "0" if index == 0 and draw(st.booleans()) else version))
        else:
            events.append((draw(st.sampled_from(["fixed", "last_affected"])), version))
        opened = not opened
    shuffled = draw(st.permutations(events))
    probes = [f"{a}.{b}" for a in range(8) for b in range(0, 10, 3)] + versions + [v + "rc1" for v in versions]
    return list(shuffled), probes


def _reference(version: str, events: list[tuple[str, str]]) -> bool:
    v = Version(version)
    key = {"0": Version("0")}

    def at(x: str) -> Version:
        return key.get(x) or Version(x)

    for kind, start in events:
        if kind != "introduced" or (start != "0" and at(start) > v):
            continue
        closed = any(
            (k == "fixed" and at(start) < at(end) <= v) or (k == "last_affected" and at(start) <= at(end) < v)
            for k, end in events
        )
        if not closed:
            return True
    return False


@settings(max_examples=300, deadline=None)
@given(ranges())
def test_walk_agrees_with_reference(case: tuple[list[tuple[str, str]], list[str]]) -> None:
    events, probes = case
    ordered = tuple(sorted(events, key=lambda e: event_sort_key(SCHEME, e)))
    advisory = Advisory("X", (), "", None, None, (ordered,), frozenset())
    for probe in probes:
        assert is_affected(SCHEME, probe, advisory) is _reference(probe, events), (probe, events)
