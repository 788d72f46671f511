"""Spike detection: an invocation-rate baseline per function and trigger, and a shared alarm.

Invocations are counted in fixed intervals; when an interval closes its rate updates an
exponentially weighted mean and variance. A rate above ``mean + sigma × deviation`` (and above a
floor, so a quiet function is not alarmed by three calls) is a spike. The "attack in progress"
state is a flag with a time-to-live in the shared backend, so every container sees it.
Seasonality (hour-of-day baselines) is not modelled yet.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Spike:
    rate: float
    mean: float
    deviation: float


class SpikeDetector:
    """EWMA baseline of the per-interval rate; ``observe`` returns a Spike when one starts."""

    def __init__(self, name: str, *, interval_s: float = 10.0, sigma: float = 4.0, min_rate: float = 5.0,
                 alpha: float = 0.2, warmup: int = 6, backend: Any = None, clock: Any = time.time) -> None:
        self.name = name
        self.interval_s = interval_s
        self.sigma = sigma
        self.min_rate = min_rate
        self.alpha = alpha
        self.warmup = warmup
        self.backend = backend
        self.clock = clock
        self.mean = 0.0
        self.variance = 0.0
        self.intervals = 0
        self._bucket: int | None = None
        self._count = 0.0

    def _close(self, count: float, empty_between: int) -> Spike | None:
        rate = count / self.interval_s
        spike = None
        deviation = math.sqrt(self.variance)
        if self.intervals >= self.warmup and rate > self.min_rate and rate > self.mean + self.sigma * max(deviation, 0.5):
            spike = Spike(rate, self.mean, deviation)
        for observed in [0.0] * min(empty_between, 50) + [rate]:
            if self.intervals == 0:
                self.mean = observed
            else:
                delta = observed - self.mean
                self.mean += self.alpha * delta
                self.variance = (1 - self.alpha) * (self.variance + self.alpha * delta * delta)
            self.intervals += 1
        return spike

    def observe(self) -> Spike | None:
        """Count one invocation; a Spike when the interval that just closed was one."""
        bucket = int(self.clock() // self.interval_s)
        spike = None
        if self._bucket is None:
            self._bucket = bucket
        elif bucket != self._bucket:
            closed = self._shared_count(self._bucket)
            spike = self._close(closed, bucket - self._bucket - 1)
            self._bucket = bucket
            self._count = 0.0
        self._count += 1
        if self.backend is not None:
            self.backend.add(f"spike:{self.name}:{bucket}", 1.0, int(self.interval_s * 3) + 1)
        if spike is not None and self.backend is not None:
            self.backend.set_flag(f"attack:{self.name}", f"{spike.rate:.1f}", int(self.interval_s * 6))
        return spike

    def _shared_count(self, bucket: int) -> float:
        if self.backend is not None:
            value = self.backend.add(f"spike:{self.name}:{bucket}", 0.0, int(self.interval_s * 3) + 1)
            if value is not None:
                return value
        return self._count

    def attack_in_progress(self) -> bool:
        if self.backend is None:
            return False
        return self.backend.get_flag(f"attack:{self.name}") is not None
