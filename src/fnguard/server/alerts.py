"""Alerts: rules matched against new events and new reports, delivered to webhooks.

The ``alert_deliveries`` table is both the queue and the delivery log: matching writes a
pending row (unless an alert with the same de-duplication key went out within the rule's
cooldown, which then only counts a duplicate), and the delivery worker posts due rows with
exponential backoff until they succeed or run out of attempts.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fnguard.model import SEVERITY_RANK
from fnguard.server.models import AlertDelivery, AlertRule, EventRow, utcnow

KINDS = ("severity", "event_type", "rate", "new_public_entry")
FORMATS = ("json", "slack")
MAX_ATTEMPTS = 6
BASE_BACKOFF_S = 1.0
MAX_BACKOFF_S = 300.0


def _matches(rule: AlertRule, event: EventRow) -> bool:
    if rule.function and event.function != rule.function:
        return False
    if rule.kind == "severity":
        return event.severity is not None and SEVERITY_RANK.get(event.severity, -1) >= SEVERITY_RANK[rule.min_severity or "high"]
    if rule.kind in ("event_type", "rate"):
        return rule.event_type is None or event.type == rule.event_type
    return False


def _event_summary(event: EventRow) -> dict[str, Any]:
    return {"id": event.event_id, "type": event.type, "function": event.function, "trigger": event.trigger,
            "action": event.action, "severity": event.severity, "class": event.attack_class,
            "rule_id": event.rule_id, "time": event.time.isoformat() + "Z"}


def _enqueue(db: Session, rule: AlertRule, key: str, payload: dict[str, Any], now: dt.datetime) -> bool:
    """A pending delivery, unless one with this key went out within the cooldown (then count it)."""
    since = now - dt.timedelta(seconds=rule.cooldown_s)
    recent = db.scalar(select(AlertDelivery).where(AlertDelivery.rule_id == rule.id, AlertDelivery.dedupe_key == key,
                                                   AlertDelivery.created_at >= since).limit(1))
    if recent is not None:
        recent.duplicates += 1
        return False
    db.add(AlertDelivery(rule_id=rule.id, dedupe_key=key[:256], status="pending", next_attempt_at=now,
                         payload=payload, created_at=now))
    return True


def evaluate_events(db: Session, event_ids: Iterable[int]) -> int:
    """Match the events a batch added against every enabled rule; return deliveries queued."""
    ids = list(event_ids)
    rules = list(db.scalars(select(AlertRule).where(AlertRule.enabled.is_(True), AlertRule.kind != "new_public_entry")))
    if not ids or not rules:
        return 0
    events = list(db.scalars(select(EventRow).where(EventRow.id.in_(ids))))
    now = utcnow()
    queued = 0
    for rule in rules:
        hits = [e for e in events if _matches(rule, e)]
        if not hits:
            continue
        if rule.kind == "rate":
            window = rule.window_s or 60
            since = now - dt.timedelta(seconds=window)
            query = select(func.count(EventRow.id)).where(EventRow.received_at >= since)
            if rule.event_type:
                query = query.where(EventRow.type == rule.event_type)
            if rule.function:
                query = query.where(EventRow.function == rule.function)
            count = db.scalar(query) or 0
            if count >= (rule.threshold or 1):
                bucket = int(now.timestamp()) // window
                payload = _payload(rule, f"{count} {rule.event_type or 'events'} in {window}s "
                                         f"(threshold {rule.threshold})", [_event_summary(e) for e in hits[:5]])
                queued += _enqueue(db, rule, f"rate:{bucket}", payload, now)
            continue
        for event in hits:
            key = f"{event.type}|{event.function}|{event.rule_id or ''}|{event.attack_class or ''}"
            title = f"{event.severity or ''} {event.type} on {event.function or 'unknown function'}: {event.action or ''}"
            queued += _enqueue(db, rule, key, _payload(rule, " ".join(title.split()), [_event_summary(event)]), now)
    db.commit()
    return queued


def evaluate_report(db: Session, app: str, new_entry_points: Iterable[str]) -> int:
    """A scan diff that opened new public entry points alerts every new_public_entry rule."""
    points = list(new_entry_points)
    if not points:
        return 0
    now = utcnow()
    queued = 0
    for rule in db.scalars(select(AlertRule).where(AlertRule.enabled.is_(True), AlertRule.kind == "new_public_entry")):
        for point in points:
            if rule.function and not point.startswith(rule.function + ":"):
                continue
            payload = _payload(rule, f"new public entry point in {app}: {point}", [], app=app, entry_point=point)
            queued += _enqueue(db, rule, f"{app}|{point}", payload, now)
    db.commit()
    return queued


def _payload(rule: AlertRule, title: str, events: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"rule": {"id": rule.id, "name": rule.name, "kind": rule.kind}, "title": title, "events": events, **extra}


def render_body(rule_format: str, payload: dict[str, Any], delivery_id: int) -> dict[str, Any]:
    """The webhook's JSON: ours (``json``) or Slack's incoming-webhook shape (``slack``)."""
    if rule_format == "slack":
        lines = [f"*fnguard alert* — {payload['title']}"]
        for event in payload.get("events", [])[:5]:
            lines.append(f"• {event.get('type')} {event.get('class') or ''} on {event.get('function')} "
                         f"({event.get('action')}) at {event.get('time')}")
        text = "\n".join(" ".join(line.split()) for line in lines)
        return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
    return {"fnguard_alert": {"delivery_id": delivery_id, **payload}}


def backoff_s(attempts: int) -> float:
    return min(MAX_BACKOFF_S, BASE_BACKOFF_S * 2 ** max(0, attempts - 1))


def deliver_due(db: Session, client: httpx.Client, limit: int = 50) -> int:
    """Post every due delivery once; return how many were delivered."""
    now = utcnow()
    query = (select(AlertDelivery).where(AlertDelivery.status == "pending", AlertDelivery.next_attempt_at <= now)
             .order_by(AlertDelivery.id).limit(limit))
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)  # several workers never post the same alert
    delivered = 0
    for delivery in db.scalars(query).all():
        rule = db.get(AlertRule, delivery.rule_id)
        if rule is None:
            delivery.status, delivery.last_error = "failed", "rule deleted"
            continue
        delivery.attempts += 1
        started = time.perf_counter()
        try:
            response = client.post(rule.webhook_url, json=render_body(rule.webhook_format, delivery.payload, delivery.id),
                                   headers={"User-Agent": "fnguard-serve"})
            delivery.last_status_code = response.status_code
            ok = 200 <= response.status_code < 300
            error = None if ok else f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            ok, error = False, f"{type(exc).__name__}: {exc}"[:500]
        delivery.latency_ms = (time.perf_counter() - started) * 1000
        if ok:
            delivery.status, delivery.delivered_at, delivery.last_error = "delivered", utcnow(), None
            delivered += 1
        else:
            delivery.last_error = error
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = "failed"
            else:
                delivery.next_attempt_at = utcnow() + dt.timedelta(seconds=backoff_s(delivery.attempts))
    db.commit()
    return delivered
