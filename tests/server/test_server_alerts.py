"""Alerts: each rule kind, both webhook formats, retries with backoff, de-duplication, the log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from server_helpers import Server, sample_report, waf_event
from sqlalchemy import select, update
from webhook_receiver import Receiver

from fnguard.server import alerts
from fnguard.server.models import AlertDelivery, utcnow


def _rule(server: Server, url: str, **fields: Any) -> int:
    response = server.client.post("/api/v1/alert-rules", json={"name": "r", "webhook_url": url, **fields},
                                  headers=server.headers("admin"))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _deliver(server: Server) -> int:
    with server.db() as db, httpx.Client(timeout=5) as client:
        return alerts.deliver_due(db, client)


def _deliveries(server: Server) -> list[AlertDelivery]:
    with server.db() as db:
        return list(db.scalars(select(AlertDelivery).order_by(AlertDelivery.id)))


@pytest.fixture
def receiver() -> Any:
    with Receiver() as running:
        yield running


def test_severity_rule_posts_generic_json(server: Server, receiver: Receiver) -> None:
    _rule(server, receiver.url, kind="severity", min_severity="critical")
    server.post_events([waf_event(severity="high"), waf_event(severity="critical", function="pay")])
    assert _deliver(server) == 1
    [call] = receiver.received
    alert = call["body"]["fnguard_alert"]
    assert alert["rule"]["kind"] == "severity"
    assert [e["function"] for e in alert["events"]] == ["pay"] and alert["events"][0]["severity"] == "critical"
    [logged] = _deliveries(server)
    assert logged.status == "delivered" and logged.attempts == 1 and logged.last_status_code == 200


def test_slack_format(server: Server, receiver: Receiver) -> None:
    _rule(server, receiver.url, kind="event_type", event_type="sandbox", webhook_format="slack")
    server.post_events([waf_event(), waf_event(type="sandbox", function="exporter", action="blocked")])
    assert _deliver(server) == 1
    body = receiver.received[0]["body"]
    assert set(body) == {"text", "blocks"} and "sandbox" in body["text"] and "exporter" in body["text"]
    assert body["blocks"][0]["text"]["type"] == "mrkdwn"


def test_same_alert_within_cooldown_is_deduplicated(server: Server, receiver: Receiver) -> None:
    _rule(server, receiver.url, kind="severity", min_severity="high", cooldown_s=600)
    server.post_events([waf_event()])
    server.post_events([waf_event()])  # same type, function, rule and class: the same alert
    server.post_events([waf_event(function="another")])
    _deliver(server)
    assert len(receiver.received) == 2
    first, other = _deliveries(server)
    assert first.duplicates == 1 and other.duplicates == 0


def test_retried_event_batch_does_not_alert_twice(server: Server, receiver: Receiver) -> None:
    _rule(server, receiver.url, kind="severity", min_severity="high", cooldown_s=0)
    batch = [waf_event()]
    server.post_events(batch)
    server.post_events(batch)
    _deliver(server)
    assert len(receiver.received) == 1


def test_failed_delivery_is_retried_with_backoff_then_succeeds(server: Server) -> None:
    with Receiver(statuses=[500, 503]) as flaky:
        _rule(server, flaky.url, kind="severity", min_severity="high")
        server.post_events([waf_event()])
        assert _deliver(server) == 0
        [pending] = _deliveries(server)
        assert pending.status == "pending" and pending.attempts == 1 and pending.last_error == "HTTP 500"
        first_wait = (pending.next_attempt_at - utcnow()).total_seconds()
        assert _deliver(server) == 0  # not due yet: nothing posted
        assert len(flaky.received) == 1
        with server.db() as db:  # time passes
            db.execute(update(AlertDelivery).values(next_attempt_at=utcnow() - dt.timedelta(seconds=1)))
            db.commit()
        assert _deliver(server) == 0
        [again] = _deliveries(server)
        second_wait = (again.next_attempt_at - utcnow()).total_seconds()
        assert again.attempts == 2 and second_wait > first_wait  # exponential backoff
        with server.db() as db:
            db.execute(update(AlertDelivery).values(next_attempt_at=utcnow() - dt.timedelta(seconds=1)))
            db.commit()
        assert _deliver(server) == 1
        [done] = _deliveries(server)
        assert done.status == "delivered" and done.attempts == 3 and len(flaky.received) == 3


def test_unreachable_webhook_gives_up_after_max_attempts(server: Server) -> None:
    _rule(server, "http://127.0.0.1:9/nothing-listens", kind="severity", min_severity="high")
    server.post_events([waf_event()])
    for _ in range(alerts.MAX_ATTEMPTS):
        with server.db() as db:
            db.execute(update(AlertDelivery).values(next_attempt_at=utcnow() - dt.timedelta(seconds=1)))
            db.commit()
        _deliver(server)
    [failed] = _deliveries(server)
    assert failed.status == "failed" and failed.attempts == alerts.MAX_ATTEMPTS and "Connect" in failed.last_error
    log = server.client.get("/api/v1/alert-deliveries?status=failed", headers=server.headers()).json()
    assert [d["id"] for d in log] == [failed.id]


def test_rate_rule_fires_once_per_window(server: Server, receiver: Receiver) -> None:
    _rule(server, receiver.url, kind="rate", event_type="waf", threshold=3, window_s=600)
    server.post_events([waf_event(), waf_event()])
    assert _deliveries(server) == []
    server.post_events([waf_event(**{"class": "xss"})])
    server.post_events([waf_event(**{"class": "cmdi"})])
    _deliver(server)
    assert len(receiver.received) == 1
    assert "3 waf in 600s" in receiver.received[0]["body"]["fnguard_alert"]["title"]


def test_new_public_entry_point_from_a_scan_diff(server: Server, receiver: Receiver) -> None:
    _rule(server, receiver.url, kind="new_public_entry")
    report = sample_report()
    report["apps"] = [a for a in report["apps"] if "/fixed/" in a["source"]]
    report["findings"] = []
    first = server.post_report(report).json()
    assert first[0]["new_entry_points"] == []  # nothing to compare with
    server.post_report(report)
    assert _deliveries(server) == []  # same entry points: no alert
    webhook = next(f for f in report["apps"][0]["functions"] if f["name"] == "webhook")
    webhook["triggers"][0].update(public=True, auth="none")
    third = server.post_report(report).json()
    assert third[0]["new_entry_points"] == ["webhook: url WebhookLambdaFunctionUrl (auth none)"]
    _deliver(server)
    [call] = receiver.received
    assert call["body"]["fnguard_alert"]["entry_point"].startswith("webhook: url")
