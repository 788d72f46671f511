"""The price table, kept in one data file with its date and source so it can be updated."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Prices:
    """List prices (USD) the cost model uses; ``source`` and ``date`` say where they come from."""

    lambda_request: float
    gb_second: Mapping[str, float]
    gateway_per_request: Mapping[str, float]
    source_per_request: Mapping[str, float]
    gateway_rps_limit: float
    account_concurrency: int
    duration_ms: float
    region: str
    date: str
    source: str


@lru_cache(maxsize=1)
def load_prices() -> Prices:
    raw: dict[str, Any] = json.loads(resources.files("fnguard.data").joinpath("prices.json").read_text())
    defaults = raw["defaults"]
    return Prices(
        lambda_request=float(raw["lambda"]["request"]),
        gb_second=dict(raw["lambda"]["gb_second"]),
        gateway_per_request=dict(raw["gateway_per_request"]),
        source_per_request=dict(raw["source_per_request"]),
        gateway_rps_limit=float(defaults["gateway_rps_limit"]),
        account_concurrency=int(defaults["account_concurrency"]),
        duration_ms=float(defaults["duration_ms"]),
        region=raw["region"],
        date=raw["_date"],
        source=raw["_source"],
    )
