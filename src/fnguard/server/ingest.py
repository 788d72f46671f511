"""Ingest: guard event batches and scan reports, validated whole before anything is written.

A batch is all or nothing: one bad event refuses the batch with its position and reason, and
what is already stored is never touched. Events are idempotent by the guard's ``id`` (the sink
retries), so a retried batch adds nothing twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fnguard.server.models import AppRow, EventRow, FindingRow, FunctionRow, Report, utcnow
from fnguard.server.settings import Limits

Severity = Literal["critical", "high", "medium", "low", "info"]
Risk = Literal["perimeter", "permissions", "dependencies", "code", "wallet", "reuse"]
_NAME = r"^[A-Za-z0-9_.:\-]+$"


class IngestError(Exception):
    """A request we refuse: HTTP status, one-line reason, and where in the document."""

    def __init__(self, status: int, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or []


# -- the API edge: what an event and a report must look like ----------------------------------------

class EventIn(BaseModel):
    """One guard event (see fnguard.guard.events); fields we do not index are kept as sent."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, strict=True)
    id: str = Field(min_length=1, max_length=128, pattern=_NAME)
    type: str = Field(min_length=1, max_length=64, pattern=_NAME)
    time: str = Field(max_length=40, description="ISO 8601 date-time")
    function: str | None = Field(default=None, max_length=256)
    trigger: str | None = Field(default=None, max_length=64)
    action: str | None = Field(default=None, max_length=32)
    severity: Severity | None = None
    attack_class: str | None = Field(default=None, alias="class", max_length=64)
    rule_id: str | None = Field(default=None, max_length=64)
    request_id: str | None = Field(default=None, max_length=128)

    @field_validator("rule_id", mode="before")
    @classmethod
    def _rule_id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("time")
    @classmethod
    def _iso_time(cls, value: str) -> str:
        parse_time(value)
        return value


def parse_time(text: str) -> dt.datetime:
    """An ISO 8601 date-time (``Z`` or an offset, else UTC) as naive UTC; dates alone are refused."""
    if len(text) < 16 or text[10] not in "Tt ":
        raise ValueError("expected an ISO 8601 date-time such as 2026-11-28T12:00:00.000Z")
    try:
        moment = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text[-1] in "Zz" else text)
    except ValueError as exc:
        raise ValueError(f"not an ISO 8601 date-time: {exc}") from exc
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment


class EventBatch(BaseModel):
    """What the guard's HTTP sink posts (optionally gzip-encoded)."""

    events: list[dict[str, Any]] = Field(min_length=1, max_length=1000)


class TriggerIn(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    type: str = Field(max_length=64)
    public: bool = False
    auth: str = Field(default="none", max_length=32)


class FunctionIn(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    name: str = Field(min_length=1, max_length=256)
    runtime: str | None = Field(default=None, max_length=64)
    handler: str | None = Field(default=None, max_length=512)
    triggers: list[TriggerIn] = Field(default_factory=list)
    permissions: list[dict[str, Any]] = Field(default_factory=list)


class AppIn(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    name: str = Field(min_length=1, max_length=256)
    source: str | None = None
    format: str | None = Field(default=None, max_length=32)
    functions: list[FunctionIn] = Field(default_factory=list)


class FindingIn(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    rule_id: str = Field(min_length=1, max_length=32)
    risk: Risk
    severity: Severity
    function: str | None = Field(default=None, max_length=256)
    file: str | None = None
    line: int | None = Field(default=None, ge=0, le=2**31 - 1)
    message: str
    remediation: str = ""
    details: dict[str, Any] = Field(default_factory=dict)

    @field_validator("line", mode="before")
    @classmethod
    def _whole_number(cls, value: Any) -> Any:
        return int(value) if isinstance(value, float) and value.is_integer() else value


class ReportIn(BaseModel):
    """The ``fnguard scan --format json`` document."""

    model_config = ConfigDict(extra="allow", strict=True)
    fnguard: str = Field(max_length=32)
    apps: list[AppIn] = Field(min_length=1)
    findings: list[FindingIn] = Field(default_factory=list)


# -- decoding ----------------------------------------------------------------------------------------

def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def decode_body(body: bytes, content_encoding: str | None, limits: Limits, max_bytes: int) -> Any:
    """JSON from a (possibly gzip) body, never decompressing past the limit."""
    if len(body) > max_bytes:
        raise IngestError(413, f"body of {len(body)} bytes is over the limit of {max_bytes}")
    encoding = (content_encoding or "identity").strip().lower()
    if encoding == "gzip":
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            raw = decompressor.decompress(body, limits.max_decoded_bytes + 1)
        except zlib.error as exc:
            raise IngestError(400, f"body is not valid gzip: {exc}") from exc
        if len(raw) > limits.max_decoded_bytes:
            raise IngestError(413, f"decoded body is over the limit of {limits.max_decoded_bytes} bytes")
        if not decompressor.eof:
            raise IngestError(400, "body is not valid gzip: truncated stream")
    elif encoding == "identity":
        raw = body
    else:
        raise IngestError(415, f"Content-Encoding {encoding!r} is not supported (use gzip or none)")
    if not raw:
        raise IngestError(400, "empty body: expected a JSON object")
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise IngestError(400, f"body is not valid JSON: {exc}") from exc


def _where(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def _refuse(exc: ValidationError, prefix: tuple[Any, ...] = ()) -> IngestError:
    errors = [{"loc": list(prefix + tuple(e["loc"])), "msg": e["msg"], "type": e["type"]} for e in exc.errors()[:20]]
    first = errors[0]
    return IngestError(422, f"{_where(tuple(first['loc']))}: {first['msg']}", errors)


def _clean(value: Any) -> Any:
    """NUL characters cannot be stored by PostgreSQL (text or JSONB); an excerpt may hold them."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


# -- events ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EventsResult:
    received: int
    stored: int
    duplicates: int
    new_ids: tuple[int, ...]
    """Row ids of the events this batch added (alerts look at these alone)."""


def parse_events(document: Any, limits: Limits) -> list[dict[str, Any]]:
    """Validated rows for the events table, or IngestError naming the first bad event."""
    if not isinstance(document, dict):
        raise IngestError(422, 'body: expected a JSON object {"events": [...]}')
    try:
        batch = EventBatch.model_validate(document)
    except ValidationError as exc:
        raise _refuse(exc) from exc
    if len(batch.events) > limits.max_events_per_batch:
        raise IngestError(413, f"events: {len(batch.events)} events is over the limit of {limits.max_events_per_batch}")
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    now = utcnow()
    for index, raw in enumerate(batch.events):
        size = len(json.dumps(raw, separators=(",", ":"), default=str))
        if size > limits.max_event_bytes:
            raise IngestError(413, f"events[{index}]: {size} bytes is over the limit of {limits.max_event_bytes} per event")
        try:
            event = EventIn.model_validate(raw)
        except ValidationError as exc:
            raise _refuse(exc, ("events", index)) from exc
        if event.id in seen:
            continue
        seen.add(event.id)
        rows.append({
            "event_id": event.id, "type": event.type, "function": _clean(event.function),
            "trigger": _clean(event.trigger), "action": _clean(event.action), "severity": event.severity,
            "attack_class": _clean(event.attack_class), "rule_id": _clean(event.rule_id),
            "request_id": _clean(event.request_id), "time": parse_time(event.time), "received_at": now,
            "data": _clean(raw),
        })
    return rows


def store_events(db: Session, rows: list[dict[str, Any]], source: str) -> EventsResult:
    """Insert, skipping ids already stored; one transaction."""
    for row in rows:
        row["source"] = source
    dialect = db.get_bind().dialect.name
    new_ids: list[int] = []
    if rows:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(EventRow).on_conflict_do_nothing(index_elements=["event_id"]).returning(EventRow.id)
        new_ids = list(db.scalars(statement, rows))
    db.commit()
    return EventsResult(received=len(rows), stored=len(new_ids), duplicates=len(rows) - len(new_ids),
                        new_ids=tuple(new_ids))


# -- scan reports ------------------------------------------------------------------------------------

def fingerprint(finding: FindingIn) -> str:
    """Identity across reports, as fnguard.model.Finding.fingerprint: survives line moves."""
    subject = finding.details.get("subject") if isinstance(finding.details, dict) else None
    text = f"{finding.rule_id}|{finding.function or ''}|{finding.file or ''}|{subject or finding.message}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_points(app: AppIn) -> list[str]:
    """Public entry points of an app, one stable string each, for diffs between reports."""
    points = set()
    for function in app.functions:
        for trigger in function.triggers:
            if trigger.public:
                extra = trigger.model_extra or {}
                where = " ".join(str(extra[k]) for k in ("method", "path", "source") if extra.get(k))
                points.add(f"{function.name}: {trigger.type} {where} (auth {trigger.auth})".replace("  ", " "))
    return sorted(points)


@dataclass(frozen=True)
class ReportResult:
    app: str
    report_id: int
    findings: int
    new_findings: int
    fixed_findings: int
    new_entry_points: tuple[str, ...]


def parse_report(document: Any) -> ReportIn:
    if not isinstance(document, dict):
        raise IngestError(422, "body: expected the JSON object of `fnguard scan --format json`")
    try:
        report = ReportIn.model_validate(_clean(document))
    except ValidationError as exc:
        raise _refuse(exc) from exc
    apps: dict[tuple[str, str], int] = {}
    for i, app in enumerate(report.apps):
        key = (app.name, app.source or "")
        if key in apps:
            raise IngestError(409, f"apps[{i}]: same name and source as apps[{apps[key]}]")
        apps[key] = i
        names: dict[str, int] = {}
        for j, function in enumerate(app.functions):
            if function.name in names:
                raise IngestError(409, f"apps[{i}].functions[{j}].name: {function.name!r} repeats functions[{names[function.name]}]")
            names[function.name] = j
    return report


def _app_dir_parts(app: AppIn) -> list[str]:
    return [p for p in (app.source or "").replace("\\", "/").split("/")[:-1] if p not in ("", ".")]


def _app_of(finding: FindingIn, report: AppIn | ReportIn) -> int:
    """Index of the app a finding belongs to: by function name, then by where its file lies.

    Finding files are relative to the scanned path and app sources to the scan's directory, so
    ``vulnerable/serverless.yml`` belongs to the app read from ``examples/orders-api/vulnerable/``.
    """
    apps = report.apps if isinstance(report, ReportIn) else [report]
    candidates = [i for i, app in enumerate(apps) if finding.function and any(f.name == finding.function for f in app.functions)]
    candidates = candidates or list(range(len(apps)))
    if len(candidates) == 1 or not finding.file:
        return candidates[0]
    file_parts = [p for p in finding.file.replace("\\", "/").split("/") if p not in ("", ".")]
    best, best_score = candidates[0], -1
    for i in candidates:
        parts = _app_dir_parts(apps[i])
        score = 0
        for k in range(min(len(parts), len(file_parts) - 1), 0, -1):
            if parts[-k:] == file_parts[:k] or file_parts[:len(parts)] == parts:
                score = k
                break
        if score > best_score:
            best, best_score = i, score
    return best


def store_report(db: Session, report: ReportIn, source: str) -> list[ReportResult]:
    """Upsert apps, functions and findings; findings absent from the new report become fixed."""
    results = []
    now = utcnow()
    by_app: list[list[FindingIn]] = [[] for _ in report.apps]
    for finding in report.findings:
        by_app[_app_of(finding, report)].append(finding)
    for index, app_in in enumerate(report.apps):
        source = (app_in.source or "")[:1024]
        app = db.scalar(select(AppRow).where(AppRow.name == app_in.name, AppRow.source == source))
        if app is None:
            app = AppRow(name=app_in.name, source=source)
            db.add(app)
        app.format, app.updated_at = app_in.format, now
        db.flush()
        previous = db.scalar(select(Report).where(Report.app_id == app.id).order_by(Report.id.desc()).limit(1))
        points = entry_points(app_in)
        new_points = tuple(p for p in points if previous is not None and p not in set(previous.entry_points or []))
        findings = by_app[index]
        row = Report(app_id=app.id, received_at=now, source=source, fnguard_version=report.fnguard,
                     finding_count=len(findings), entry_points=points,
                     document={"fnguard": report.fnguard, "app": app_in.model_dump(mode="json"),
                               "findings": [f.model_dump(mode="json") for f in findings]})
        db.add(row)
        existing = {f.name: f for f in db.scalars(select(FunctionRow).where(FunctionRow.app_id == app.id))}
        for function in app_in.functions:
            stored = existing.pop(function.name, None) or FunctionRow(app_id=app.id, name=function.name)
            stored.runtime, stored.handler = function.runtime, function.handler
            stored.public = any(t.public for t in function.triggers)
            stored.data = function.model_dump(mode="json")
            stored.updated_at = now
            db.add(stored)
        for gone in existing.values():
            db.delete(gone)
        new, fixed = _merge_findings(db, app.id, findings, now)
        db.flush()
        results.append(ReportResult(app=app.name, report_id=row.id, findings=len(findings), new_findings=new,
                                    fixed_findings=fixed, new_entry_points=new_points))
    db.commit()
    return results


def _merge_findings(db: Session, app_id: int, findings: list[FindingIn], now: dt.datetime) -> tuple[int, int]:
    current = {f.fingerprint: f for f in db.scalars(select(FindingRow).where(FindingRow.app_id == app_id))}
    seen: set[str] = set()
    new = 0
    for finding in findings:
        key = fingerprint(finding)
        if key in seen:
            continue
        seen.add(key)
        row = current.get(key)
        if row is None:
            row = FindingRow(app_id=app_id, fingerprint=key, first_seen=now, state="open")
            db.add(row)
            new += 1
        elif row.state == "fixed":  # it came back: a fix that did not hold is open again
            row.state, row.reason, row.resolved_at = "open", "reappeared in a later report", None
        row.rule_id, row.risk, row.severity = finding.rule_id, finding.risk, finding.severity
        row.function, row.file, row.line = finding.function, finding.file, finding.line
        row.message, row.remediation, row.details = finding.message, finding.remediation, finding.details
        row.last_seen = now
    fixed = 0
    for key, row in current.items():
        if key not in seen and row.state == "open":
            row.state, row.reason, row.resolved_at = "fixed", "absent from the latest report", now
            fixed += 1
    return new, fixed

