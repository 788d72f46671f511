"""Spike detection: an invocation-rate baseline per function and trigger, and a shared alarm.

Invocations are counted in fixed intervals; when an interval closes its rate updates an
exponentially weighted mean and variance. A rate above ``mean + sigma × deviation`` (and above a
floor, so a quiet function is not alarmed by three calls) is a spike. Once a day of history has
been seen, each hour of the day also has its own baseline (the lunchtime peak is not an attack;
the same rate at 3 a.m. is), and the hour's baseline is what a rate is judged against. The
"attack in progress" state is a flag with a time-to-live in the shared backend, so every
container sees it.
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
        self.seasonal: dict[int, list[float]] = {}
        """Hour of day (UTC) → [mean, variance, intervals seen] of the rate in that hour."""

    def _baseline(self, hour: int) -> tuple[float, float]:
        """The (mean, deviation) a rate in ``hour`` is judged against: the hour's own once a day of
        history and enough intervals in that hour exist, else the overall one."""
        history_s = self.intervals * self.interval_s
        season = self.seasonal.get(hour)
        if history_s >= 86_400 and season is not None and season[2] >= self.warmup:
            return season[0], math.sqrt(season[1])
        return self.mean, math.sqrt(self.variance)

    @staticmethod
    def _update(state: list[float], observed: float, alpha: float) -> None:
        if state[2] == 0:
            state[0] = observed
        else:
            delta = observed - state[0]
            state[0] += alpha * delta
            state[1] = (1 - alpha) * (state[1] + alpha * delta * delta)
        state[2] += 1

    def _close(self, count: float, empty_between: int, bucket: int = 0) -> Spike | None:
        rate = count / self.interval_s
        spike = None
        hour = int(bucket * self.interval_s // 3600) % 24
        mean, deviation = self._baseline(hour)
        if self.intervals >= self.warmup and rate > self.min_rate and rate > mean + self.sigma * max(deviation, 0.5):
            spike = Spike(rate, mean, deviation)
        skipped = min(empty_between, 50)
        overall = [self.mean, self.variance, float(self.intervals)]
        for offset, observed in enumerate([0.0] * skipped + [rate]):
            self._update(overall, observed, self.alpha)
            interval = bucket - (skipped - offset)
            season = self.seasonal.setdefault(int(interval * self.interval_s // 3600) % 24, [0.0, 0.0, 0.0])
            self._update(season, observed, self.alpha)
        self.mean, self.variance, self.intervals = overall[0], overall[1], int(overall[2])
        return spike

    def observe(self, count: int = 1) -> Spike | None:
        """Count ``count`` invocations; a Spike when the interval that just closed was one."""
        bucket = int(self.clock() // self.interval_s)
        spike = None
        if self._bucket is None:
            self._bucket = bucket
        elif bucket != self._bucket:
            closed = self._shared_count(self._bucket)
            spike = self._close(closed, bucket - self._bucket - 1, self._bucket)
            self._bucket = bucket
            self._count = 0.0
        self._count += count
        if self.backend is not None:
            self.backend.add(f"spike:{self.name}:{bucket}", float(count), int(self.interval_s * 3) + 1)
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
