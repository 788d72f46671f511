"""WAF exclusions by field and route, compiled once per function.

A field pattern also covers what lies below it (``body.html`` covers ``body.html.title``) and
matches inside every batch record (``body`` covers ``records[3].body``), so one exclusion reads
the same for an HTTP API and for the queue behind it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from fnguard.guard.config import Exclusion

_RECORD_PREFIX = r"(?:records\[\d+\]\.)?"


def _glob(pattern: str) -> str:
    return ".*".join(re.escape(piece) for piece in pattern.split("*"))


@dataclass(frozen=True)
class _Compiled:
    field: re.Pattern[str] | None
    route: re.Pattern[str] | None
    rules: re.Pattern[str] | None
    """None means every rule."""


class Exclusions:
    """Answers "may this rule fire here?" for one function's exclusion list."""

    def __init__(self, items: Iterable[Exclusion]) -> None:
        self._items = tuple(
            _Compiled(
                field=re.compile(f"{_RECORD_PREFIX}{_glob(item.field)}(?:[.\\[].*)?", re.S) if item.field else None,
                route=re.compile(_glob(item.route), re.S | re.I) if item.route else None,
                rules=re.compile("|".join(_glob(rule) for rule in item.rules), re.I) if item.rules else None,
            )
            for item in items
        )

    def __bool__(self) -> bool:
        return bool(self._items)

    def _route_ok(self, item: _Compiled, route: str | None) -> bool:
        return item.route is None or (route is not None and item.route.fullmatch(route) is not None)

    def skips_everything(self, route: str | None) -> bool:
        """A route excluded outright: the WAF does not run at all."""
        return any(i.field is None and i.rules is None and self._route_ok(i, route) for i in self._items if i.route)

    def skips_field(self, location: str, route: str | None) -> bool:
        """A field excluded from every rule: it need not be inspected at all."""
        location = location.lstrip(".")
        return any(
            i.field is not None and i.rules is None and self._route_ok(i, route) and i.field.fullmatch(location)
            for i in self._items
        )

    def suppressed(self, rule_id: str, location: str, route: str | None) -> bool:
        """True when an exclusion covers this rule at this location on this route."""
        location = location.lstrip(".")
        for item in self._items:
            if not self._route_ok(item, route):
                continue
            if item.field is not None and not item.field.fullmatch(location):
                continue
            if item.rules is not None and not item.rules.fullmatch(rule_id):
                continue
            return True
        return False
