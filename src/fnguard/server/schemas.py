"""Pydantic models of the query API: what the OpenAPI document promises, field for field."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field, HttpUrl

State = Literal["open", "accepted", "fixed"]
Severity = Literal["critical", "high", "medium", "low", "info"]
Risk = Literal["perimeter", "permissions", "dependencies", "code", "wallet", "reuse"]


class Health(BaseModel):
    status: Literal["ok"]
    database: str


class EventsAccepted(BaseModel):
    received: int = Field(description="distinct events in the batch")
    stored: int = Field(description="events not seen before")
    duplicates: int = Field(description="events already stored (a retried delivery)")


class ReportAccepted(BaseModel):
    app: str
    report_id: int
    findings: int
    new_findings: int
    fixed_findings: int
    new_entry_points: list[str]


class Problem(BaseModel):
    """Every refusal: one line, and for a bad document where in it."""

    detail: str
    errors: list[dict[str, Any]] = Field(default_factory=list)


class AppOut(BaseModel):
    id: int
    name: str
    source: str | None
    format: str | None
    updated_at: dt.datetime
    functions: int
    open_findings: int


class FunctionOut(BaseModel):
    id: int
    app: str
    name: str
    runtime: str | None
    handler: str | None
    public: bool
    triggers: list[dict[str, Any]]
    permissions: list[dict[str, Any]]
    open_findings: int


class FindingOut(BaseModel):
    id: int
    app: str
    rule_id: str
    risk: str
    severity: str
    function: str | None
    file: str | None
    line: int | None
    message: str
    remediation: str
    details: dict[str, Any]
    state: State
    reason: str | None
    first_seen: dt.datetime
    last_seen: dt.datetime
    resolved_at: dt.datetime | None


class Triage(BaseModel):
    state: State
    reason: str | None = Field(default=None, max_length=2000, description="required when accepting a risk")


class EventOut(BaseModel):
    id: int
    event_id: str
    source: str
    type: str
    function: str | None
    trigger: str | None
    action: str | None
    severity: str | None
    attack_class: str | None
    rule_id: str | None
    request_id: str | None
    time: dt.datetime
    received_at: dt.datetime
    data: dict[str, Any]


class Skeleton(BaseModel):
    """Triggers → function → the resources its permissions reach."""

    triggers: list[dict[str, Any]]
    resources: list[dict[str, Any]]


class FunctionDetail(FunctionOut):
    skeleton: Skeleton
    findings: list[FindingOut]
    dependency_findings: list[FindingOut]
    events: list[EventOut]


class Trends(BaseModel):
    days: list[str]
    open_findings_by_risk: dict[str, list[int]]
    events_by_type: dict[str, list[int]]
    blocked_by_class: dict[str, list[int]]


class AlertRuleIn(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    kind: Literal["severity", "event_type", "rate", "new_public_entry"]
    min_severity: Severity | None = None
    event_type: str | None = Field(default=None, max_length=64)
    function: str | None = Field(default=None, max_length=256)
    threshold: int | None = Field(default=None, ge=1, le=1_000_000)
    window_s: int | None = Field(default=None, ge=1, le=86_400)
    webhook_url: HttpUrl
    webhook_format: Literal["json", "slack"] = "json"
    cooldown_s: int = Field(default=300, ge=0, le=604_800)
    enabled: bool = True


class AlertRuleOut(BaseModel):
    id: int
    name: str
    kind: str
    min_severity: str | None
    event_type: str | None
    function: str | None
    threshold: int | None
    window_s: int | None
    webhook_url: str
    webhook_format: str
    cooldown_s: int
    enabled: bool
    created_at: dt.datetime


class DeliveryOut(BaseModel):
    id: int
    rule_id: int
    dedupe_key: str
    status: str
    attempts: int
    duplicates: int
    next_attempt_at: dt.datetime
    last_error: str | None
    last_status_code: int | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    payload: dict[str, Any]
