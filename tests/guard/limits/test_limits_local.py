"""In-process limits: the sliding window, payload checks, caller keys, spend and spikes."""

from __future__ import annotations

import json

import pytest
from guard_helpers import sample

from fnguard.guard.envelopes import open_event
from fnguard.guard.limits.keys import caller_key
from fnguard.guard.limits.payload import PayloadLimits, check_event, json_shape
from fnguard.guard.limits.spend import SpendMeter, invocation_cost
from fnguard.guard.limits.spike import SpikeDetector
from fnguard.guard.limits.window import SlidingWindow


class Clock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def test_sliding_window_never_admits_more_than_the_limit_in_any_window():
    clock = Clock()
    window = SlidingWindow(3, 10.0, clock=clock)
    admitted = []
    for step in range(100):
        clock.now = 1000.0 + step * 0.7
        if window.hit("ip").allowed:
            admitted.append(clock.now)
    for index in range(len(admitted) - 3):
        assert admitted[index + 3] - admitted[index] >= 10.0
    assert len(admitted) >= 18  # and it does admit again once the window moves on


def test_sliding_window_retry_after_and_keys_are_separate():
    clock = Clock()
    window = SlidingWindow(1, 60.0, clock=clock)
    assert window.hit("a").allowed and window.hit("b").allowed
    clock.now += 15
    refused = window.hit("a")
    assert not refused.allowed and refused.retry_after_s == pytest.approx(45.0)


def test_payload_limits_before_parsing():
    deep = "[" * 5000 + "]" * 5000
    assert json_shape(deep, 32, None) == "JSON deeper than 32"
    assert json_shape('{"a": "{{{{{{{{{{", "b": 1}', 3, None) is None  # braces inside strings do not count
    assert json_shape(json.dumps({str(i): i for i in range(50)}), None, 10) == "more than 10 JSON keys"
    limits = PayloadLimits(max_body_bytes=100, max_batch=2)
    assert "body of" in check_event({"body": "x" * 101}, limits)
    assert check_event({"body": "x" * 99}, limits) is None
    assert "batch of 3" in check_event({"Records": [{}, {}, {}]}, limits)


def test_caller_key_uses_the_platform_ip_not_a_spoofable_header():
    event = sample("apiGatewayProxyEvent.json")
    event["headers"]["X-Forwarded-For"] = "6.6.6.6"
    event["multiValueHeaders"] = {"X-Forwarded-For": ["6.6.6.6"]}
    envelope = open_event(event)
    key = caller_key("source_ip", envelope, event)
    assert key == event["requestContext"]["identity"]["sourceIp"] and key != "6.6.6.6"
    v2 = sample("apiGatewayProxyV2Event.json")
    assert caller_key("source_ip", open_event(v2), v2) == v2["requestContext"]["http"]["sourceIp"]
    assert caller_key("field:requestContext.accountId", envelope, event) == event["requestContext"]["accountId"]
    with pytest.raises(ValueError):
        caller_key("x-forwarded-for", envelope, event)


def test_spend_meter_matches_the_price_model_and_flags_budgets():
    clock = Clock(1_700_000_000)
    meter = SpendMeter("fn", hourly_usd=0.001, daily_usd=None, clock=clock)
    meter.arch = "x86_64"
    one = invocation_cost(1024, 0.1, meter.prices, "x86_64")
    assert one == pytest.approx(0.2e-6 + 0.1 * 0.0000166667)
    status = None
    count = 0
    while status is None or status.over is None:
        status = meter.record(1024, 0.1)
        count += 1
    assert status.over == "hourly" and count == int(0.001 / one) + 1
    clock.now += 3600  # a new hour starts from zero
    assert meter.current().hour_usd == 0.0 and meter.current().day_usd > 0.001


def test_spike_detector_alarms_on_a_burst_after_a_baseline():
    clock = Clock(0.0)
    detector = SpikeDetector("fn:http", interval_s=10, sigma=4, min_rate=2, clock=clock)
    spikes = []
    for second in range(0, 120):  # one call a second: a calm baseline
        clock.now = float(second)
        spikes.append(detector.observe())
    assert not any(spikes)
    for tick in range(400):  # 40 calls a second for 10 s
        clock.now = 120.0 + tick * 0.025
        assert detector.observe() is None
    clock.now = 131.0
    spike = detector.observe()
    assert spike is not None and spike.rate == pytest.approx(40.0, rel=0.05) and spike.mean < 5


def test_spike_baseline_is_seasonal_once_a_day_of_history_exists():
    clock = Clock(0.0)
    detector = SpikeDetector("fn:http", interval_s=60, sigma=4, min_rate=2, clock=clock)

    def rate_at(hour: int) -> int:
        return 50 if hour == 12 else 1  # a daily lunchtime peak

    spikes_by_hour: dict[int, int] = {}
    minute = 0
    for minute in range(2 * 24 * 60):  # two ordinary days
        clock.now = minute * 60 + 1
        hour_closed = ((minute - 1) // 60) % 24
        if detector.observe(rate_at((minute // 60) % 24) * 60) is not None:
            spikes_by_hour[hour_closed] = spikes_by_hour.get(hour_closed, 0) + 1
    # On day two the peak is expected: at most its first minutes (the first day taught it) alarm.
    assert spikes_by_hour.get(12, 0) <= 5
    # Day three: the same 50/s at noon is normal, at 3 a.m. it is an attack.
    day3 = 2 * 24 * 60
    results = {}
    for hour in (3, 12):
        start = day3 + hour * 60
        clock.now = start * 60 + 1
        detector.observe(1)  # leave the previous interval
        clock.now = (start + 1) * 60 + 1
        detector.observe(50 * 60)
        clock.now = (start + 2) * 60 + 1
        results[hour] = detector.observe(1)
    assert results[3] is not None and results[3].rate == 50
    assert results[12] is None
