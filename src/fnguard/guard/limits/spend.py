"""Spend per function, estimated inside the function, against hourly and daily budgets.

Each invocation adds ``request price + memory GB × duration × GB-second price`` (the price data
``fnguard cost`` uses) to counters for the current hour and day — in process, or in Redis so
every concurrent container adds to the same total.
"""

from __future__ import annotations

import json
import platform
import time
from dataclasses import dataclass
from typing import Any

# Used only when fnguard/data/prices.json is not shipped beside the guard (a trimmed layer).
_FALLBACK_PRICES = {"request": 2e-07, "gb_second": {"x86_64": 1.66667e-05, "arm64": 1.33334e-05}}


def lambda_prices() -> dict[str, Any]:
    """The Lambda part of the shared price file."""
    try:
        from importlib import resources

        raw = json.loads(resources.files("fnguard.data").joinpath("prices.json").read_text())
        return raw["lambda"]
    except Exception:  # noqa: BLE001 - a trimmed layer has no data package; constants are fine
        return _FALLBACK_PRICES


def architecture() -> str:
    return "arm64" if platform.machine() in ("aarch64", "arm64") else "x86_64"


def invocation_cost(memory_mb: float, duration_s: float, prices: dict[str, Any], arch: str) -> float:
    per_gb_second = prices["gb_second"].get(arch, prices["gb_second"]["x86_64"])
    return float(prices["request"]) + (memory_mb / 1024.0) * duration_s * float(per_gb_second)


@dataclass(frozen=True)
class SpendStatus:
    hour_usd: float
    day_usd: float
    over: str | None
    """``hourly`` or ``daily`` when a budget is exceeded, else None."""


class SpendMeter:
    """Accumulates estimated spend for one function; shared through a backend when given one."""

    def __init__(self, function: str, hourly_usd: float | None, daily_usd: float | None,
                 backend: Any = None, clock: Any = time.time) -> None:
        self.function = function
        self.hourly = hourly_usd
        self.daily = daily_usd
        self.backend = backend
        self.clock = clock
        self.prices = lambda_prices()
        self.arch = architecture()
        self._local: dict[str, float] = {}

    def _periods(self) -> tuple[str, str]:
        now = time.gmtime(self.clock())
        return time.strftime("%Y%m%d%H", now), time.strftime("%Y%m%d", now)

    def record(self, memory_mb: float, duration_s: float) -> SpendStatus:
        cost = invocation_cost(memory_mb, duration_s, self.prices, self.arch)
        hour, day = self._periods()
        totals = []
        for period, ttl in ((f"h:{hour}", 7200), (f"d:{day}", 172800)):
            key = f"spend:{self.function}:{period}"
            shared = self.backend.add(key, cost, ttl) if self.backend is not None else None
            local = self._local.get(key, 0.0) + cost
            self._local = {k: v for k, v in self._local.items() if k.endswith(hour) or k.endswith(day)}
            self._local[key] = local
            totals.append(shared if shared is not None else local)
        return self._status(totals[0], totals[1])

    def current(self) -> SpendStatus:
        hour, day = self._periods()
        hour_total = self._shared_or_local(f"spend:{self.function}:h:{hour}")
        day_total = self._shared_or_local(f"spend:{self.function}:d:{day}")
        return self._status(hour_total, day_total)

    def _shared_or_local(self, key: str) -> float:
        if self.backend is not None:
            value = self.backend.add(key, 0.0, 172800)
            if value is not None:
                return value
        return self._local.get(key, 0.0)

    def _status(self, hour: float, day: float) -> SpendStatus:
        over = None
        if self.hourly is not None and hour > self.hourly:
            over = "hourly"
        elif self.daily is not None and day > self.daily:
            over = "daily"
        return SpendStatus(hour, day, over)


def cap_concurrency(function_name: str, reserved: int, endpoint_url: str | None = None) -> None:
    """Opt-in: set the function's reserved concurrency through the Lambda API when over budget.

    boto3 is part of the Lambda Python runtime; it is imported only here, only when enabled.
    """
    import boto3

    client = boto3.client("lambda", endpoint_url=endpoint_url) if endpoint_url else boto3.client("lambda")
    client.put_function_concurrency(FunctionName=function_name, ReservedConcurrentExecutions=int(reserved))
