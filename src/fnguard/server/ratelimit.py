"""In-process token buckets: bound what one ingest token or one login address may do.

Each ``serve`` worker keeps its own buckets (workers share nothing but the database), so with
N workers behind a load balancer a client gets at most N times the configured rate; that is the
bound we promise, not an exact quota.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Buckets:
    """One bucket per key: ``rate`` tokens per second, at most ``burst`` saved up."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic, max_keys: int = 10_000) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.max_keys = max_keys
        self._state: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, cost: float = 1.0) -> float:
        """0.0 when allowed, else the seconds to wait before trying again."""
        now = self.clock()
        with self._lock:
            tokens, last = self._state.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= cost:
                self._state[key] = (tokens - cost, now)
                return 0.0
            self._state[key] = (tokens, now)
            if len(self._state) > self.max_keys:  # forget the oldest keys rather than grow forever
                for stale in sorted(self._state, key=lambda k: self._state[k][1])[: self.max_keys // 10]:
                    del self._state[stale]
            return (cost - tokens) / self.rate if self.rate > 0 else 60.0
