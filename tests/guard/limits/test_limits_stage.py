"""The limits stage inside a protected handler: 429s, Blocked, events, fail-open."""

from __future__ import annotations

import pytest
from guard_helpers import sample

from fnguard import Blocked, protect
from fnguard.guard.limits.stage import LimitsStage


def guarded(mode: str, limits: dict, calls: list):
    def handler(event, context):
        calls.append(event)
        return {"statusCode": 200, "body": "ok"}

    guard = protect(mode=mode, config={"function": "orders"})(handler)
    guard.stages.insert(0, LimitsStage(limits, mode=mode, emit=guard.emit, function_name=guard.function_name))
    return guard


def test_rate_limit_answers_429_with_retry_after_in_block_mode(event_lines):
    calls: list = []
    guard = guarded("block", {"rate": {"key": "source_ip", "limit": 2, "window_s": 60}}, calls)
    event = sample("apiGatewayProxyEvent.json")
    responses = [guard(event, None) for _ in range(3)]
    assert [r["statusCode"] for r in responses] == [200, 200, 429]
    assert int(responses[2]["headers"]["Retry-After"]) >= 59
    assert len(calls) == 2
    (limited,) = event_lines.of_type("rate_limit")
    assert limited["action"] == "blocked" and limited["function"] == "orders"


def test_rate_limit_only_reports_in_alert_mode(event_lines):
    calls: list = []
    guard = guarded("alert", {"rate": [{"key": "source_ip", "limit": 1, "window_s": 60}]}, calls)
    event = sample("apiGatewayProxyEvent.json")
    assert [guard(event, None)["statusCode"] for _ in range(3)] == [200, 200, 200]
    assert len(event_lines.of_type("rate_limit")) == 2 and len(calls) == 3


def test_route_scoped_limit_and_non_http_trigger_raises_blocked(event_lines):
    calls: list = []
    guard = guarded("block", {"rate": [{"key": "function", "limit": 1, "window_s": 60}]}, calls)
    event = sample("sqsEvent.json")
    guard(event, None)
    with pytest.raises(Blocked):
        guard(event, None)
    scoped = guarded("block", {"rate": [{"key": "source_ip", "limit": 1, "window_s": 60,
                                         "route": "POST /never"}]}, calls)
    http = sample("apiGatewayProxyEvent.json")
    assert all(scoped(http, None)["statusCode"] == 200 for _ in range(3))


def test_payload_limit_answers_413(event_lines):
    calls: list = []
    guard = guarded("block", {"payload": {"max_body_bytes": 10}}, calls)
    event = sample("apiGatewayProxyEvent.json")
    event["body"] = "x" * 11
    assert guard(event, None)["statusCode"] == 413 and not calls


@pytest.mark.parametrize("bad", [{"rate": {"limit": "many"}}, {"rate": {"key": "header", "limit": 1}},
                                 {"unknown": 1}, {"rate": {"window_s": 3}}])
def test_bad_limits_config_is_refused(bad):
    from fnguard.guard.errors import ConfigError

    with pytest.raises(ConfigError):
        LimitsStage(bad, mode="block", emit=lambda e: None, function_name=lambda inv: "f")
