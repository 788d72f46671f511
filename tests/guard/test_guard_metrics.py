"""Invocation counts reach the event stream periodically, never on the first invocation."""

from __future__ import annotations

from guard_helpers import sample

from fnguard import protect
from fnguard.guard.metrics import InvocationCounter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_counts_per_trigger_after_the_interval(event_lines):
    guard = protect(mode="alert", config={"function": "orders", "events": {"invocations_every_s": 60}})(
        lambda event, context: {"statusCode": 200})
    counter = next(stage for stage in guard.stages if isinstance(stage, InvocationCounter))
    clock = Clock()
    counter.clock = clock
    counter.since = clock.now
    http, sqs = sample("apiGatewayProxyEvent.json"), sample("sqsEvent.json")
    for _ in range(3):
        guard(http, None)
    guard(sqs, None)
    assert event_lines.of_type("invocations") == []
    clock.now += 61
    guard(http, None)
    counted = {e["trigger"]: e["count"] for e in event_lines.of_type("invocations")}
    assert counted == {"http": 4, "sqs": 1}
    assert all(e["function"] == "orders" and e["window_s"] >= 60 for e in event_lines.of_type("invocations"))
    guard(http, None)
    assert len(event_lines.of_type("invocations")) == 2  # the window restarted


def test_zero_turns_counting_off():
    guard = protect(mode="alert", config={"events": {"invocations_every_s": 0}})(lambda event, context: None)
    assert not any(isinstance(stage, InvocationCounter) for stage in guard.stages)
