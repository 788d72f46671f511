"""The denial-of-wallet cost model of issue 7, one entry point at a time.

For an entry point attacked at ``rps`` for ``hours``: the gateway admits up to its throttle,
Lambda serves up to ``concurrency / duration``, and each part is priced at list price. Every
figure comes with the assumptions that produced it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from fnguard.cost.prices import Prices, load_prices
from fnguard.model import App, Function, Trigger

GATEWAY_TYPES = frozenset({"http", "httpApi", "websocket", "url", "alb"})
SOURCE_TYPES = frozenset({"s3", "sqs", "sns"})
PRICED_TYPES = GATEWAY_TYPES | SOURCE_TYPES | {"invoke"}


@dataclass(frozen=True)
class Assumptions:
    """The attack and the account the figures assume."""

    rps: float = 10_000.0
    hours: float = 24.0
    duration_ms: float = 100.0
    account_concurrency: int = 1000
    worst_case: bool = False
    gateway_rps_limit: float = 10_000.0

    def validate(self) -> None:
        for name in ("rps", "hours", "duration_ms"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or math.isnan(value) or math.isinf(value):
                raise ValueError(f"--{name.replace('_', '-')} must be a number")
        if self.rps < 0:
            raise ValueError("--rps must be zero or more")
        if self.hours <= 0:
            raise ValueError("--hours must be more than zero")
        if self.duration_ms <= 0:
            raise ValueError("--duration-ms must be more than zero")
        if self.account_concurrency <= 0:
            raise ValueError("--account-concurrency must be more than zero")


@dataclass(frozen=True)
class EntryPointCost:
    """The price of an attack on one trigger of one function."""

    function: str
    trigger: str
    public: bool
    offered: float
    admitted: float
    served: float
    lambda_cost: float
    gateway_cost: float
    source_cost: float
    total_cost: float
    daily_cost: float
    bounded_by: str
    recommendation: str
    gateway_limit_rps: float | None
    concurrency: int
    concurrency_limit_rps: float
    memory_mb: int
    architecture: str
    duration_ms: float

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("offered", "admitted", "served"):
            data[key] = round(data[key])
        for key in ("lambda_cost", "gateway_cost", "source_cost", "total_cost", "daily_cost"):
            data[key] = round(data[key], 2)
        return data


def trigger_label(trigger: Trigger) -> str:
    parts = [trigger.type]
    if trigger.method or trigger.path:
        parts.append(f"{(trigger.method or 'ANY').upper()} {trigger.path or '/'}")
    elif trigger.source:
        parts.append(str(trigger.source))
    return " ".join(parts)


def gateway_limit(trigger: Trigger, assumptions: Assumptions) -> float | None:
    """The rate the gateway admits: the stage/route throttle where set, the account default otherwise."""
    if trigger.type not in ("http", "httpApi", "websocket"):
        return None
    throttling = trigger.throttling or {}
    rate = throttling.get("rate") if isinstance(throttling, dict) or hasattr(throttling, "get") else None
    try:
        return float(rate) if rate is not None else assumptions.gateway_rps_limit
    except (TypeError, ValueError):
        return assumptions.gateway_rps_limit


def lambda_cost_per_invocation(memory_mb: int, duration_s: float, architecture: str, prices: Prices) -> float:
    per_gb_second = prices.gb_second.get(architecture, prices.gb_second["x86_64"])
    return prices.lambda_request + (memory_mb / 1024.0) * duration_s * per_gb_second


def entry_point_cost(function: Function, trigger: Trigger, assumptions: Assumptions,
                     prices: Prices | None = None, *, concurrency_override: int | None = None,
                     gateway_override: float | None = None) -> EntryPointCost:
    prices = prices or load_prices()
    seconds = assumptions.hours * 3600.0
    duration_ms = float(function.timeout * 1000) if assumptions.worst_case else assumptions.duration_ms
    duration_s = duration_ms / 1000.0
    limit = gateway_override if gateway_override is not None else gateway_limit(trigger, assumptions)
    admitted_rps = assumptions.rps if limit is None else min(assumptions.rps, limit)
    if concurrency_override is not None:
        concurrency = concurrency_override
    elif function.reserved_concurrency is not None:
        concurrency = int(function.reserved_concurrency)
    else:
        concurrency = assumptions.account_concurrency
    concurrency_rps = concurrency / duration_s
    served_rps = min(admitted_rps, concurrency_rps)
    if served_rps < admitted_rps:
        bounded_by = "concurrency"
    elif limit is not None and admitted_rps < assumptions.rps:
        bounded_by = "gateway"
    else:
        bounded_by = "rps"
    per_invocation = lambda_cost_per_invocation(function.memory, duration_s, function.architecture, prices)
    lambda_cost = served_rps * seconds * per_invocation
    gateway_cost = admitted_rps * seconds * prices.gateway_per_request.get(trigger.type, 0.0)
    source_cost = assumptions.rps * seconds * prices.source_per_request.get(trigger.type, 0.0) \
        if trigger.type in SOURCE_TYPES else 0.0
    total = lambda_cost + gateway_cost + source_cost
    daily = total * 24.0 / assumptions.hours
    result = EntryPointCost(
        function=function.name, trigger=trigger_label(trigger), public=trigger.public,
        offered=assumptions.rps * seconds, admitted=admitted_rps * seconds, served=served_rps * seconds,
        lambda_cost=lambda_cost, gateway_cost=gateway_cost, source_cost=source_cost, total_cost=total,
        daily_cost=daily, bounded_by=bounded_by, recommendation="", gateway_limit_rps=limit,
        concurrency=concurrency, concurrency_limit_rps=concurrency_rps, memory_mb=function.memory,
        architecture=function.architecture, duration_ms=duration_ms,
    )
    if concurrency_override is None and gateway_override is None:
        result = _with_recommendation(result, function, trigger, assumptions, prices)
    return result


def suggested_concurrency(function: Function) -> int:
    """A cap worth proposing: a tenth of the current bound, at least 1, at most 50."""
    current = function.reserved_concurrency
    if current is None:
        return 50
    return max(1, min(50, int(current) // 10 or 1))


def _with_recommendation(result: EntryPointCost, function: Function, trigger: Trigger,
                         assumptions: Assumptions, prices: Prices) -> EntryPointCost:
    from dataclasses import replace

    advice = []
    if function.reserved_concurrency is None or result.bounded_by != "concurrency":
        cap = suggested_concurrency(function)
        if function.reserved_concurrency is None or cap < function.reserved_concurrency:
            capped = entry_point_cost(function, trigger, assumptions, prices, concurrency_override=cap)
            advice.append(f"reserved concurrency {cap} caps this at ${capped.daily_cost:,.2f}/day")
    if trigger.type in ("http", "httpApi", "websocket") and not (trigger.throttling or {}).get("rate"):
        capped = entry_point_cost(function, trigger, assumptions, prices, gateway_override=100.0)
        advice.append(f"stage/route throttling at 100 rps caps this at ${capped.daily_cost:,.2f}/day")
    if not advice:
        advice.append("already bounded by its own limits")
    return replace(result, recommendation="; ".join(advice))


def app_costs(app: App, assumptions: Assumptions) -> list[EntryPointCost]:
    """Every priced entry point of every function of the app."""
    prices = load_prices()
    costs = []
    for function in app.functions:
        for trigger in function.triggers:
            if trigger.type in PRICED_TYPES:
                costs.append(entry_point_cost(function, trigger, assumptions, prices))
    return costs


def default_assumptions(**overrides: Any) -> Assumptions:
    prices = load_prices()
    values: dict[str, Any] = {"duration_ms": prices.duration_ms, "account_concurrency": prices.account_concurrency,
                              "gateway_rps_limit": prices.gateway_rps_limit}
    values.update({key: value for key, value in overrides.items() if value is not None})
    assumptions = Assumptions(**values)
    assumptions.validate()
    return assumptions
