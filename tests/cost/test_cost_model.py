"""The cost model against figures computed by hand (issue 7)."""

from __future__ import annotations

import pytest

from fnguard.cost.model import Assumptions, entry_point_cost
from fnguard.model import Function, Trigger

REST = Trigger(type="http", public=True, path="/orders", method="post")


def fn(**overrides) -> Function:
    values = dict(name="f", memory=1024, timeout=30)
    values.update(overrides)
    return Function(**values)


def test_the_issue_example_rest_route_10000_rps_for_a_day():
    cost = entry_point_cost(fn(), REST, Assumptions())
    # 10,000 rps * 86,400 s = 864e6 requests; Lambda: 864e6 * (0.2e-6 + 1 GB * 0.1 s * 0.0000166667)
    assert cost.lambda_cost == pytest.approx(1612.80, abs=0.01)
    assert cost.gateway_cost == pytest.approx(3024.00, abs=0.01)  # 864e6 * 3.50 / 1e6
    assert cost.total_cost == pytest.approx(4636.80, abs=0.01)
    assert cost.bounded_by == "rps"  # 1000 / 0.1 s = 10,000 rps: concurrency does not bind yet


def test_concurrency_bound():
    cost = entry_point_cost(fn(reserved_concurrency=5), REST, Assumptions())
    served_rps = 5 / 0.1
    assert cost.bounded_by == "concurrency"
    assert cost.served == pytest.approx(served_rps * 86400)
    assert cost.lambda_cost == pytest.approx(served_rps * 86400 * (0.2e-6 + 0.1 * 0.0000166667))
    assert cost.gateway_cost == pytest.approx(10_000 * 86400 * 3.5e-6)  # the gateway still admits and bills


def test_gateway_bound_with_stage_throttling():
    throttled = Trigger(type="http", public=True, throttling={"rate": 100, "burst": 200})
    cost = entry_point_cost(fn(), throttled, Assumptions(rps=5000, hours=2))
    assert cost.bounded_by == "gateway"
    assert cost.admitted == pytest.approx(100 * 7200)
    assert cost.gateway_cost == pytest.approx(100 * 7200 * 3.5e-6)  # throttled requests are not charged
    assert cost.daily_cost == pytest.approx(cost.total_cost * 12)


def test_account_gateway_default_binds_above_10000_rps():
    cost = entry_point_cost(fn(), Trigger(type="httpApi", public=True), Assumptions(rps=50_000, account_concurrency=100_000))
    assert cost.bounded_by == "gateway"
    assert cost.gateway_cost == pytest.approx(10_000 * 86400 * 1.0e-6)


def test_arm64_price():
    cost = entry_point_cost(fn(architecture="arm64", memory=512), Trigger(type="url", public=True),
                            Assumptions(rps=100, hours=1))
    assert cost.lambda_cost == pytest.approx(100 * 3600 * (0.2e-6 + 0.5 * 0.1 * 0.0000133334))
    assert cost.gateway_cost == 0.0


def test_worst_case_uses_the_timeout():
    cost = entry_point_cost(fn(timeout=10, reserved_concurrency=100), REST, Assumptions(rps=100, worst_case=True))
    assert cost.duration_ms == 10_000
    assert cost.bounded_by == "concurrency"  # 100 / 10 s = 10 rps
    assert cost.served == pytest.approx(10 * 86400)


def test_public_bucket_source_requests_are_priced():
    cost = entry_point_cost(fn(memory=128), Trigger(type="s3", public=True), Assumptions(rps=10, hours=1))
    assert cost.source_cost == pytest.approx(10 * 3600 * 0.005 / 1000)


def test_recommendation_gives_a_capped_figure():
    cost = entry_point_cost(fn(), REST, Assumptions())
    capped = entry_point_cost(fn(reserved_concurrency=50), REST, Assumptions())
    assert f"reserved concurrency 50 caps this at ${capped.daily_cost:,.2f}/day" in cost.recommendation


@pytest.mark.parametrize("bad", [dict(rps=-1), dict(hours=0), dict(duration_ms=0), dict(account_concurrency=0)])
def test_bad_assumptions_are_refused(bad):
    with pytest.raises(ValueError):
        Assumptions(**bad).validate()
