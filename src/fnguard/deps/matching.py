"""Is a version affected by an advisory, and which version fixes it (OSV range semantics).

Events are walked upward from the lowest: ``introduced`` turns "affected" on (inclusive),
``fixed`` turns it off (exclusive), ``last_affected`` turns it off above that version.
Ranges are stored sorted (the source data is not), so the walk stops at the first event above
the version.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from fnguard.deps.versions import InvalidVersionError, VersionScheme

if TYPE_CHECKING:  # the store imports this module while compiling: no import cycle at run time
    from fnguard.deps.vulndb.model import Advisory

Events = Sequence[tuple[str, str]]


def event_sort_key(scheme: VersionScheme, event: tuple[str, str]) -> tuple[Any, ...]:
    """Order of events: ``introduced: 0`` first, then by version; raises on an unreadable version."""
    kind, version = event
    if kind == "introduced" and version == "0":
        return (0,)
    return (1, scheme.key(version), 0 if kind == "fixed" else 1)


def in_range(scheme: VersionScheme, key: Any, events: Events) -> bool:
    """Whether the version whose sort key is ``key`` is inside one sorted range."""
    affected = False
    for kind, version in events:
        if kind == "introduced":
            if version == "0" or key >= scheme.key(version):
                affected = True
            else:
                break
        elif kind == "fixed":
            if key >= scheme.key(version):
                affected = False
            else:
                break
        elif kind == "last_affected":
            if key > scheme.key(version):
                affected = False
            else:
                break
    return affected


def is_affected(scheme: VersionScheme, version: str, advisory: Advisory) -> bool:
    """Whether ``version`` is affected; an unreadable version is only matched by exact listing."""
    if version in advisory.versions:
        return True
    try:
        key = scheme.key(version)
    except InvalidVersionError:
        return False
    if any(in_range(scheme, key, events) for events in advisory.ranges):
        return True
    if advisory.native:
        try:
            return scheme.in_native_range(version, advisory.native)
        except InvalidVersionError:
            return False
    return False


def fixed_versions(advisory: Advisory) -> list[str]:
    """Every ``fixed`` event of the advisory."""
    return [version for events in advisory.ranges for kind, version in events if kind == "fixed"]


def smallest_fix(scheme: VersionScheme, version: str, advisories: Iterable[Advisory]) -> str | None:
    """The smallest fixed version above ``version`` that none of ``advisories`` affects."""
    advisories = list(advisories)
    try:
        current = scheme.key(version)
    except InvalidVersionError:
        return None
    candidates: dict[str, Any] = {}
    for advisory in advisories:
        for fixed in fixed_versions(advisory):
            try:
                fixed_key = scheme.key(fixed)
            except InvalidVersionError:
                continue
            if fixed_key > current:
                candidates[fixed] = fixed_key
    for candidate in sorted(candidates, key=candidates.__getitem__):
        if not any(is_affected(scheme, candidate, advisory) for advisory in advisories):
            return candidate
    return None
