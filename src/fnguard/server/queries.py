"""Reads shared by the query API and the dashboard, so both always show the same thing."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import Session

from fnguard.model import RISKS
from fnguard.server.models import AppRow, EventRow, FindingRow, FunctionRow, utcnow

BLOCKED_ACTIONS = ("blocked",)


@dataclass(frozen=True)
class FindingFilter:
    risk: str | None = None
    severity: str | None = None
    rule: str | None = None
    function: str | None = None
    state: str | None = None
    app: str | None = None
    app_id: int | None = None
    """Two apps may share a name (one report scanned two variants): a function page filters by id."""


def finding_query(filters: FindingFilter) -> Select[Any]:
    query = select(FindingRow, AppRow.name).join(AppRow, AppRow.id == FindingRow.app_id)
    if filters.risk:
        query = query.where(FindingRow.risk == filters.risk)
    if filters.severity:
        query = query.where(FindingRow.severity == filters.severity)
    if filters.rule:
        query = query.where(FindingRow.rule_id == filters.rule)
    if filters.function:
        query = query.where(FindingRow.function == filters.function)
    if filters.state:
        query = query.where(FindingRow.state == filters.state)
    if filters.app:
        query = query.where(AppRow.name == filters.app)
    if filters.app_id is not None:
        query = query.where(FindingRow.app_id == filters.app_id)
    severity_order = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
    return query.order_by(case(severity_order, value=FindingRow.severity, else_=5), FindingRow.id)


def finding_json(row: FindingRow, app: str) -> dict[str, Any]:
    return {"id": row.id, "app": app, "rule_id": row.rule_id, "risk": row.risk, "severity": row.severity,
            "function": row.function, "file": row.file, "line": row.line, "message": row.message,
            "remediation": row.remediation, "details": row.details or {}, "state": row.state, "reason": row.reason,
            "first_seen": row.first_seen, "last_seen": row.last_seen, "resolved_at": row.resolved_at}


def findings(db: Session, filters: FindingFilter, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    rows = db.execute(finding_query(filters).limit(limit).offset(offset)).all()
    return [finding_json(row, app) for row, app in rows]


def open_counts_by_function(db: Session) -> dict[tuple[int, str | None], int]:
    rows = db.execute(select(FindingRow.app_id, FindingRow.function, func.count()).where(FindingRow.state == "open")
                      .group_by(FindingRow.app_id, FindingRow.function)).all()
    return {(app_id, name): count for app_id, name, count in rows}


def apps(db: Session) -> list[dict[str, Any]]:
    functions = dict(db.execute(select(FunctionRow.app_id, func.count()).group_by(FunctionRow.app_id)).all())
    open_findings = dict(db.execute(select(FindingRow.app_id, func.count()).where(FindingRow.state == "open")
                                    .group_by(FindingRow.app_id)).all())
    return [{"id": a.id, "name": a.name, "source": a.source, "format": a.format, "updated_at": a.updated_at,
             "functions": functions.get(a.id, 0), "open_findings": open_findings.get(a.id, 0)}
            for a in db.scalars(select(AppRow).order_by(AppRow.name))]


def function_json(row: FunctionRow, app: str, open_counts: dict[tuple[int, str | None], int]) -> dict[str, Any]:
    data = row.data or {}
    return {"id": row.id, "app": app, "name": row.name, "runtime": row.runtime, "handler": row.handler,
            "public": row.public, "triggers": data.get("triggers", []), "permissions": data.get("permissions", []),
            "open_findings": open_counts.get((row.app_id, row.name), 0)}


def functions(db: Session, app: str | None = None, limit: int = 500, offset: int = 0) -> list[dict[str, Any]]:
    query = select(FunctionRow, AppRow.name).join(AppRow, AppRow.id == FunctionRow.app_id)
    if app:
        query = query.where(AppRow.name == app)
    counts = open_counts_by_function(db)
    rows = db.execute(query.order_by(AppRow.name, FunctionRow.name).limit(limit).offset(offset)).all()
    return [function_json(row, name, counts) for row, name in rows]


def function_events_filter(name: str) -> ColumnElement[bool]:
    """Events of a function: the guard names it by its deployed name, often ``<service>-<stage>-<name>``."""
    escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(EventRow.function == name, EventRow.function.like(f"%-{escaped}", escape="\\"))


def skeleton(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Triggers on the left, the resources each Allow statement reaches (with its actions) on the right."""
    triggers = []
    for trigger in data.get("triggers", []) or []:
        where = " ".join(str(trigger[k]) for k in ("method", "path") if trigger.get(k))
        triggers.append({"type": trigger.get("type"), "label": " ".join(f"{trigger.get('type')} {where}".split()),
                         "source": trigger.get("source"), "public": bool(trigger.get("public")),
                         "auth": trigger.get("auth")})
    reach: dict[str, set[str]] = defaultdict(set)
    for statement in data.get("permissions", []) or []:
        if not isinstance(statement, dict) or statement.get("Effect", "Allow") != "Allow":
            continue
        actions = statement.get("Action") or statement.get("NotAction") or []
        resources = statement.get("Resource") or statement.get("NotResource") or ["*"]
        actions = [actions] if isinstance(actions, str) else actions
        resources = [resources] if isinstance(resources, str) else resources
        for resource in resources:
            label = resource if isinstance(resource, str) else str(resource)
            reach[label].update(str(a) for a in actions)
    resources = [{"resource": r, "actions": sorted(a), "wildcard": "*" in r or any("*" in x for x in a)}
                 for r, a in sorted(reach.items())]
    return {"triggers": triggers, "resources": resources}


def event_json(row: EventRow) -> dict[str, Any]:
    return {"id": row.id, "event_id": row.event_id, "source": row.source, "type": row.type, "function": row.function,
            "trigger": row.trigger, "action": row.action, "severity": row.severity, "attack_class": row.attack_class,
            "rule_id": row.rule_id, "request_id": row.request_id, "time": row.time, "received_at": row.received_at,
            "data": row.data or {}}


@dataclass(frozen=True)
class EventFilter:
    type: str | None = None
    function: str | None = None
    action: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def _event_where(query: Select[Any], filters: EventFilter) -> Select[Any]:
    if filters.type:
        query = query.where(EventRow.type == filters.type)
    if filters.function:
        query = query.where(function_events_filter(filters.function))
    if filters.action:
        query = query.where(EventRow.action == filters.action)
    if filters.since:
        query = query.where(EventRow.time >= filters.since)
    if filters.until:
        query = query.where(EventRow.time < filters.until)
    return query


def events(db: Session, filters: EventFilter, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    query = _event_where(select(EventRow), filters).order_by(EventRow.time.desc(), EventRow.id.desc())
    return [event_json(row) for row in db.scalars(query.limit(limit).offset(offset))]


def _bucket(db: Session, unit: str) -> ColumnElement[Any]:
    if db.get_bind().dialect.name == "postgresql":
        return func.to_char(EventRow.time, "YYYY-MM-DD" if unit == "day" else "YYYY-MM-DD HH24")
    return func.strftime("%Y-%m-%d" if unit == "day" else "%Y-%m-%d %H", EventRow.time)


def bucket_labels(end: dt.datetime, count: int, unit: str) -> list[str]:
    step = dt.timedelta(days=1) if unit == "day" else dt.timedelta(hours=1)
    fmt = "%Y-%m-%d" if unit == "day" else "%Y-%m-%d %H"
    return [(end - step * (count - 1 - i)).strftime(fmt) for i in range(count)]


def event_series(db: Session, filters: EventFilter, group: str, unit: str, count: int,
                 blocked_only: bool = False) -> tuple[list[str], dict[str, list[int]]]:
    """Events per bucket (hour or day) for each value of ``group``.

    ``group`` is type, attack_class, function, or kind: the attack class of WAF events and the
    type of the others.
    """
    labels = bucket_labels(utcnow(), count, unit)
    start = dt.datetime.strptime(labels[0], "%Y-%m-%d" if unit == "day" else "%Y-%m-%d %H")
    column = {"type": EventRow.type, "attack_class": EventRow.attack_class, "function": EventRow.function,
              "kind": func.coalesce(EventRow.attack_class, EventRow.type)}[group]
    bucket = _bucket(db, unit)
    query = select(bucket, column, func.count()).where(EventRow.time >= start)
    if blocked_only:
        query = query.where(EventRow.action.in_(BLOCKED_ACTIONS))
    query = _event_where(query, filters).group_by(bucket, column)
    index = {label: i for i, label in enumerate(labels)}
    series: dict[str, list[int]] = {}
    for label, key, count_ in db.execute(query).all():
        if label in index:
            series.setdefault(str(key or "unknown"), [0] * count)[index[label]] += count_
    return labels, series


def invocation_series(db: Session, filters: EventFilter, unit: str, count: int) -> tuple[list[str], dict[str, list[int]]]:
    """Invocations per bucket and function.

    The guard reports ``invocations`` events (counts per container and trigger, every minute by
    default); they are summed. For a function that sent none (an older guard, or counting turned
    off), the distinct request ids among its events stand in: invocations that raised an event.
    """
    labels = bucket_labels(utcnow(), count, unit)
    start = dt.datetime.strptime(labels[0], "%Y-%m-%d" if unit == "day" else "%Y-%m-%d %H")
    bucket = _bucket(db, unit)
    index = {label: i for i, label in enumerate(labels)}
    series: dict[str, list[int]] = {}
    counted = (select(bucket, EventRow.function, EventRow.data)
               .where(EventRow.time >= start, EventRow.type == "invocations"))
    for label, key, data in db.execute(_event_where(counted, filters)).all():
        value = data.get("count") if isinstance(data, dict) else None
        if label in index and isinstance(value, int) and value >= 0:
            series.setdefault(str(key or "unknown"), [0] * count)[index[label]] += value
    proxy = (select(bucket, EventRow.function, func.count(func.distinct(EventRow.request_id)))
             .where(EventRow.time >= start, EventRow.request_id.is_not(None), EventRow.type != "invocations"))
    proxy = _event_where(proxy, filters).group_by(bucket, EventRow.function)
    counted_functions = set(series)
    for label, key, count_ in db.execute(proxy).all():
        name = str(key or "unknown")
        if label in index and name not in counted_functions:
            series.setdefault(name, [0] * count)[index[label]] += count_
    return labels, series


def open_findings_trend(db: Session, days: int) -> tuple[list[str], dict[str, list[int]]]:
    """Open findings per risk at the end of each of the last ``days`` days."""
    labels = bucket_labels(utcnow(), days, "day")
    ends = [dt.datetime.strptime(label, "%Y-%m-%d") + dt.timedelta(days=1) for label in labels]
    series = {risk: [0] * days for risk in RISKS}
    rows = db.execute(select(FindingRow.risk, FindingRow.first_seen, FindingRow.resolved_at)).all()
    for risk, first_seen, resolved_at in rows:
        line = series.setdefault(risk, [0] * days)
        for i, end in enumerate(ends):
            if first_seen < end and (resolved_at is None or resolved_at >= end):
                line[i] += 1
    return labels, series


def trends(db: Session, days: int) -> dict[str, Any]:
    labels, open_by_risk = open_findings_trend(db, days)
    _, by_type = event_series(db, EventFilter(), "type", "day", days)
    _, blocked = event_series(db, EventFilter(), "attack_class", "day", days, blocked_only=True)
    return {"days": labels, "open_findings_by_risk": open_by_risk, "events_by_type": by_type,
            "blocked_by_class": blocked}


def risk_overview(db: Session) -> list[dict[str, Any]]:
    """Per risk: open findings by severity and the open count over the last 14 days."""
    counts: dict[str, dict[str, int]] = {risk: {} for risk in RISKS}
    rows = db.execute(select(FindingRow.risk, FindingRow.severity, func.count()).where(FindingRow.state == "open")
                      .group_by(FindingRow.risk, FindingRow.severity)).all()
    for risk, severity, count in rows:
        counts.setdefault(risk, {})[severity] = count
    _, trend = open_findings_trend(db, 14)
    return [{"risk": risk, "open": sum(counts[risk].values()), "by_severity": counts[risk],
             "trend": trend.get(risk, [0] * 14)} for risk in counts]


def event_totals(db: Session, hours: int = 24) -> dict[str, int]:
    since = utcnow() - dt.timedelta(hours=hours)
    rows = db.execute(select(EventRow.action, func.count()).where(EventRow.time >= since).group_by(EventRow.action)).all()
    return {str(action or "none"): count for action, count in rows}
