"""Exact sliding-window rate limiting in one process.

A log of admission times per key, trimmed to the window: never more than ``limit`` admissions in
any window of ``window_s`` seconds, which is the promise a user reads in ``limit: 100,
window_s: 60`` (a token bucket would allow a burst on top of the rate).
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable

from fnguard.guard.limits import Decision


class SlidingWindow:
    """Per-key sliding-window log with a bounded number of keys (least recently used go first)."""

    def __init__(self, limit: int, window_s: float, *, max_keys: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 0 or window_s <= 0:
            raise ValueError("limit must be >= 0 and window_s > 0")
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        self.clock = clock
        self._logs: OrderedDict[str, deque[float]] = OrderedDict()

    def hit(self, key: str) -> Decision:
        now = self.clock()
        log = self._logs.get(key)
        if log is None:
            log = deque()
            self._logs[key] = log
            if len(self._logs) > self.max_keys:
                self._logs.popitem(last=False)
        else:
            self._logs.move_to_end(key)
        horizon = now - self.window_s
        while log and log[0] <= horizon:
            log.popleft()
        if len(log) >= self.limit:
            retry = (log[0] + self.window_s - now) if log else self.window_s
            return Decision(False, 0, max(retry, 0.0))
        log.append(now)
        return Decision(True, self.limit - len(log))
