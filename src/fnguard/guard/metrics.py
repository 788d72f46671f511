"""Invocation counts: how many invocations a container served, per trigger, reported periodically.

Security events say what was attacked; rates need every invocation. Counting is a dictionary
increment; one ``invocations`` event per trigger goes out at most every ``invocations_every_s``
seconds (never on a container's first invocation), so the cost in log lines is a few per hour.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fnguard.guard.events import new_id, now


class InvocationCounter:
    """A pipeline stage that only counts, in ``finish`` (whatever the outcome of the invocation)."""

    name = "metrics"

    def __init__(self, every_s: float, *, emit: Callable[[dict[str, Any]], None],
                 function_name: Callable[[Any], str | None], clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time) -> None:
        self.every_s = every_s
        self.emit = emit
        self.function_name = function_name
        self.clock = clock
        self.wall = wall
        self.counts: dict[str, int] = {}
        self.since = clock()
        self.since_wall = wall()

    def before(self, inv: Any) -> None:
        return None

    def after(self, inv: Any, result: Any) -> Any:
        return result

    def finish(self, inv: Any) -> None:
        trigger = inv.trigger or "unknown"
        self.counts[trigger] = self.counts.get(trigger, 0) + 1
        elapsed = self.clock() - self.since
        if elapsed < self.every_s:
            return
        function = self.function_name(inv)
        window_start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.since_wall))
        for name, count in sorted(self.counts.items()):
            self.emit({"id": new_id(), "type": "invocations", "action": "counted", "function": function,
                       "trigger": name, "count": count, "window_s": round(elapsed, 3),
                       "window_start": window_start, "time": now()})
        self.counts = {}
        self.since = self.clock()
        self.since_wall = self.wall()
