"""Pydantic models of the query API: what the OpenAPI document promises, field for field."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    StrictBool,
    StrictInt,
)


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment


Utc = Annotated[dt.datetime, AfterValidator(_utc)]


def _whole(value: object) -> object:
    return int(value) if isinstance(value, float) and value.is_integer() else value


Whole = Annotated[StrictInt, BeforeValidator(_whole)]
"""An integer as JSON Schema means it: 5 and 5.0, never "5" or true."""
"""The store keeps naive UTC; the API says so (RFC 3339 needs the offset)."""

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
    updated_at: Utc
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
    first_seen: Utc
    last_seen: Utc
    resolved_at: Utc | None


class TriageOpenOrFixed(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: Literal["open", "fixed"]
    reason: str | None = Field(default=None, max_length=2000)


class TriageAccepted(BaseModel):
    """Accepting a risk needs a reason: the next reader must know why it was left."""

    model_config = ConfigDict(extra="forbid")
    state: Literal["accepted"]
    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S")


Triage = Annotated[TriageOpenOrFixed | TriageAccepted, Field(discriminator="state")]


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
    time: Utc
    received_at: Utc
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


class _RuleBase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=128)
    function: str | None = Field(default=None, max_length=256, description="only this function's events")
    webhook_url: HttpUrl
    webhook_format: Literal["json", "slack"] = "json"
    cooldown_s: Whole = Field(default=300, ge=0, le=604_800, description="the same alert is sent once per cooldown")
    enabled: StrictBool = True


class SeverityRule(_RuleBase):
    kind: Literal["severity"]
    min_severity: Severity


class EventTypeRule(_RuleBase):
    kind: Literal["event_type"]
    event_type: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")


class RateRule(_RuleBase):
    kind: Literal["rate"]
    event_type: str | None = Field(default=None, max_length=64, description="count only this type (all when absent)")
    threshold: Whole = Field(ge=1, le=1_000_000)
    window_s: Whole = Field(ge=1, le=86_400)


class NewPublicEntryRule(_RuleBase):
    kind: Literal["new_public_entry"]


AlertRuleIn = Annotated[SeverityRule | EventTypeRule | RateRule | NewPublicEntryRule, Field(discriminator="kind")]


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
    created_at: Utc


class DeliveryOut(BaseModel):
    id: int
    rule_id: int
    dedupe_key: str
    status: str
    attempts: int
    duplicates: int
    next_attempt_at: Utc
    last_error: str | None
    last_status_code: int | None
    created_at: Utc
    delivered_at: Utc | None
    payload: dict[str, Any]
