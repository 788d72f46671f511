"""FG510: an entry point whose default attack costs more per day than the project accepts."""

from __future__ import annotations

from collections.abc import Iterator

from fnguard.analyze.context import ScanContext
from fnguard.analyze.registry import check, define, finding
from fnguard.model import App, Finding

DEFAULT_MAX_DAILY_COST = 100.0

define("FG510", "high",
       "An attack on this entry point at the default rate would cost more per day than wallet.max_daily_cost",
       "Set reserved concurrency on the function and a throttle on the gateway stage or route.")


def _threshold(context: ScanContext) -> float:
    wallet = context.config.get("wallet") if hasattr(context.config, "get") else None
    if isinstance(wallet, dict) and wallet.get("max_daily_cost") is not None:
        try:
            return float(wallet["max_daily_cost"])
        except (TypeError, ValueError):
            context.warn("fnguard.yml: wallet.max_daily_cost is not a number; using $100")
    return DEFAULT_MAX_DAILY_COST


@check("FG510")
def expensive_entry_points(app: App, context: ScanContext) -> Iterator[Finding]:
    from fnguard.cost.model import app_costs, default_assumptions

    threshold = _threshold(context)
    assumptions = default_assumptions()
    for cost in app_costs(app, assumptions):
        if not cost.public or cost.daily_cost <= threshold:
            continue
        function = app.function(cost.function)
        trigger = next((t for t in function.triggers if t.public), None) if function else None
        location = trigger.location if trigger and trigger.location.line else function.location
        yield finding(
            "FG510",
            f"an attack on {cost.trigger} at {assumptions.rps:,.0f} rps would cost ${cost.daily_cost:,.2f}/day "
            f"(Lambda ${cost.lambda_cost:,.2f} + gateway ${cost.gateway_cost:,.2f} + source "
            f"${cost.source_cost:,.2f}), over the ${threshold:,.2f} accepted; bounded only by {cost.bounded_by}",
            function=cost.function,
            location=location,
            remediation=cost.recommendation[0].upper() + cost.recommendation[1:] + ".",
            details={"daily_cost": round(cost.daily_cost, 2), "bounded_by": cost.bounded_by,
                     "trigger": cost.trigger, "subject": cost.trigger},
        )
