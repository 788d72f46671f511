"""The store's tables (SQLAlchemy 2.0 declarative). Alembic migrations create them; never create_all.

Times are naive UTC everywhere: SQLite has no time zones and one convention beats two.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JsonType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Token(Base):
    """An API token; only its SHA-256 is kept, so a stolen database yields no usable token."""

    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    scope: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class Setting(Base):
    """Small server-wide values (the admin password hash)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Session(Base):
    """A dashboard login; the cookie holds a random id, the table its hash and the CSRF token."""

    __tablename__ = "sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class AppRow(Base):
    """An app is its name and the template it was read from: one report may hold two ``orders-api``."""

    __tablename__ = "apps"
    __table_args__ = (UniqueConstraint("name", "source"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(256), index=True)
    source: Mapped[str] = mapped_column(String(1024), default="")
    format: Mapped[str | None] = mapped_column(String(32), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class FunctionRow(Base):
    """A function as its app's latest scan report describes it."""

    __tablename__ = "functions"
    __table_args__ = (UniqueConstraint("app_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(256), index=True)
    runtime: Mapped[str | None] = mapped_column(String(64), nullable=True)
    handler: Mapped[str | None] = mapped_column(String(512), nullable=True)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Report(Base):
    """One scan report of one app; its public entry points are kept to diff against the next."""

    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    source: Mapped[str] = mapped_column(String(128))
    fnguard_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    finding_count: Mapped[int] = mapped_column(Integer, default=0)
    entry_points: Mapped[list[Any]] = mapped_column(JsonType, default=list)
    document: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)


class FindingRow(Base):
    """A finding tracked across reports by fingerprint, with its triage state."""

    __tablename__ = "findings"
    __table_args__ = (UniqueConstraint("app_id", "fingerprint"), Index("ix_findings_state_risk", "state", "risk"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    rule_id: Mapped[str] = mapped_column(String(32), index=True)
    risk: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    function: Mapped[str | None] = mapped_column(String(256), nullable=True, index=True)
    file: Mapped[str | None] = mapped_column(Text, nullable=True)
    line: Mapped[int | None] = mapped_column(Integer, nullable=True)
    message: Mapped[str] = mapped_column(Text)
    remediation: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="open")
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class EventRow(Base):
    """One runtime security event; ``event_id`` (the guard's id) makes retried deliveries harmless."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_function_time", "function", "time"), Index("ix_events_type_time", "type", "time"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), unique=True)
    source: Mapped[str] = mapped_column(String(128))
    type: Mapped[str] = mapped_column(String(64))
    function: Mapped[str | None] = mapped_column(String(256), nullable=True)
    trigger: Mapped[str | None] = mapped_column(String(64), nullable=True)
    action: Mapped[str | None] = mapped_column(String(32), nullable=True)
    severity: Mapped[str | None] = mapped_column(String(16), nullable=True)
    attack_class: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rule_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    time: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)


class AlertRule(Base):
    """When to alert and where: ``kind`` is severity, event_type, rate or new_public_entry."""

    __tablename__ = "alert_rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    min_severity: Mapped[str | None] = mapped_column(String(16), nullable=True)
    event_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    function: Mapped[str | None] = mapped_column(String(256), nullable=True)
    threshold: Mapped[int | None] = mapped_column(Integer, nullable=True)
    window_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    webhook_url: Mapped[str] = mapped_column(Text)
    webhook_format: Mapped[str] = mapped_column(String(16), default="json")
    cooldown_s: Mapped[int] = mapped_column(Integer, default=300)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class AlertDelivery(Base):
    """One alert for one rule: the delivery log and the retry queue at once."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (Index("ix_deliveries_due", "status", "next_attempt_at"),
                      Index("ix_deliveries_dedupe", "rule_id", "dedupe_key"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"))
    dedupe_key: Mapped[str] = mapped_column(String(256))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    """How many later matches this alert stood for (de-duplicated within the rule's cooldown)."""
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    latency_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
