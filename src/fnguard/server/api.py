"""The HTTP API under /api/v1: ingest (events, reports) and queries, documented by OpenAPI."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from fnguard.server import alerts, ingest, queries
from fnguard.server.models import AlertDelivery, AlertRule, AppRow, FindingRow, FunctionRow, utcnow
from fnguard.server.schemas import (
    AlertRuleIn,
    AlertRuleOut,
    AppOut,
    DeliveryOut,
    EventOut,
    EventsAccepted,
    FindingOut,
    FunctionDetail,
    FunctionOut,
    Problem,
    ReportAccepted,
    Risk,
    Severity,
    State,
    Trends,
    Triage,
)
from fnguard.server.security import Db, Principal, require

router = APIRouter(prefix="/api/v1")
Reader = Annotated[Principal, Depends(require("read"))]
Admin = Annotated[Principal, Depends(require("admin"))]
Ingester = Annotated[Principal, Depends(require("ingest"))]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Name = Annotated[str | None, Query(max_length=256)]
Moment = Annotated[str | None, Query(max_length=40, json_schema_extra={"format": "date-time"},
                                     description="ISO 8601 date-time (UTC when it has no offset)")]

REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "not JSON, or not gzip"},
    401: {"model": Problem, "description": "no valid token"},
    403: {"model": Problem, "description": "token scope does not allow ingest"},
    413: {"model": Problem, "description": "body, batch or event over its limit"},
    415: {"model": Problem, "description": "Content-Encoding other than gzip"},
    409: {"model": Problem, "description": "two apps, or two functions of an app, with the same identity"},
    422: {"model": Problem, "description": "document invalid: errors name the place"},
    429: {"model": Problem, "description": "too many requests for this token: retry after Retry-After"},
}
READ_REFUSALS: dict[int | str, dict[str, Any]] = {400: {"model": Problem}, 401: {"model": Problem}, 403: {"model": Problem},
                                                  422: {"model": Problem}}

EVENTS_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["events"], "properties": {"events": {"type": "array", "minItems": 1, "maxItems": 1000,
    "items": {"type": "object", "required": ["id", "type", "time"], "properties": {
        "id": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[A-Za-z0-9_.:\\-]+$"},
        "type": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9_.:\\-]+$"},
        "time": {"type": "string", "format": "date-time"},
        "function": {"type": ["string", "null"], "maxLength": 256},
        "trigger": {"type": ["string", "null"], "maxLength": 64},
        "action": {"type": ["string", "null"], "maxLength": 32},
        "severity": {"enum": ["critical", "high", "medium", "low", "info", None]},
        "class": {"type": ["string", "null"], "maxLength": 64},
        "rule_id": {"type": ["string", "integer", "null"], "maxLength": 64},
        "request_id": {"type": ["string", "null"], "maxLength": 128}}}}}}}},
    "description": "A batch as the guard's HTTP sink posts it; `Content-Encoding: gzip` accepted."}}

def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    """Pydantic's JSON schema with its local $refs resolved, to sit inside an operation."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inline(defs[schema["$ref"].rsplit("/", 1)[1]], defs)
        return {k: _inline(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline(v, defs) for v in schema]
    return schema


def _report_schema() -> dict[str, Any]:
    schema = ingest.ReportIn.model_json_schema()
    inlined = _inline(schema, schema.get("$defs", {}))
    inlined["description"] = "the `fnguard scan --format json` document"
    return inlined


REPORT_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": _report_schema()}}}}


def _problem(error: ingest.IngestError) -> JSONResponse:
    return JSONResponse({"detail": error.message, "errors": error.errors}, status_code=error.status)


async def _read_body(request: Request, max_bytes: int) -> bytes:
    """The body, refused as soon as it passes ``max_bytes`` (no unbounded buffering)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise ingest.IngestError(413, f"body of {declared} bytes is over the limit of {max_bytes}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise ingest.IngestError(413, f"body is over the limit of {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _rate_limit(request: Request, principal: Principal) -> JSONResponse | None:
    wait = request.app.state.ingest_buckets.take(principal.name)
    if wait > 0:
        return JSONResponse({"detail": f"too many requests for token {principal.name!r}", "errors": []},
                            status_code=429, headers={"Retry-After": str(max(1, int(wait + 0.999)))})
    return None


@router.post("/events", response_model=EventsAccepted, responses=REFUSALS, openapi_extra=EVENTS_BODY,
             summary="Ingest a batch of guard events (idempotent by event id)")
async def post_events(request: Request, principal: Ingester) -> Any:
    refused = _rate_limit(request, principal)
    if refused is not None:
        return refused
    settings = request.app.state.settings
    try:
        body = await _read_body(request, settings.limits.max_body_bytes)
        document = ingest.decode_body(body, request.headers.get("content-encoding"), settings.limits,
                                      settings.limits.max_body_bytes)
        rows = ingest.parse_events(document, settings.limits)
    except ingest.IngestError as error:
        return _problem(error)

    def store() -> ingest.EventsResult:
        with request.app.state.sessions() as db:
            result = ingest.store_events(db, rows, principal.name)
            if result.new_ids:
                alerts.evaluate_events(db, result.new_ids)
            return result

    result = await run_in_threadpool(store)
    request.app.state.wake_alerts()
    return {"received": result.received, "stored": result.stored, "duplicates": result.duplicates}


@router.post("/reports", response_model=list[ReportAccepted], responses=REFUSALS, openapi_extra=REPORT_BODY,
             summary="Ingest a scan report (`fnguard scan --format json`)")
async def post_report(request: Request, principal: Ingester) -> Any:
    refused = _rate_limit(request, principal)
    if refused is not None:
        return refused
    settings = request.app.state.settings
    try:
        body = await _read_body(request, settings.limits.max_report_bytes)
        document = ingest.decode_body(body, request.headers.get("content-encoding"), settings.limits,
                                      settings.limits.max_report_bytes)
        report = ingest.parse_report(document)
    except ingest.IngestError as error:
        return _problem(error)

    def store() -> list[ingest.ReportResult]:
        with request.app.state.sessions() as db:
            results = ingest.store_report(db, report, principal.name)
            for result in results:
                alerts.evaluate_report(db, result.app, result.new_entry_points)
            return results

    results = await run_in_threadpool(store)
    request.app.state.wake_alerts()
    return [{"app": r.app, "report_id": r.report_id, "findings": r.findings, "new_findings": r.new_findings,
             "fixed_findings": r.fixed_findings, "new_entry_points": list(r.new_entry_points)} for r in results]


@router.get("/apps", response_model=list[AppOut], responses=READ_REFUSALS)
def get_apps(principal: Reader, db: Db) -> Any:
    return queries.apps(db)


@router.get("/functions", response_model=list[FunctionOut], responses=READ_REFUSALS)
def get_functions(principal: Reader, db: Db, app: Name = None, limit: Limit = 500, offset: Offset = 0) -> Any:
    return queries.functions(db, app, limit, offset)


def function_detail(db: Any, function_id: int, events_limit: int = 50) -> dict[str, Any]:
    row = db.get(FunctionRow, function_id)
    if row is None:
        raise HTTPException(404, f"no function with id {function_id}")
    app = db.get(AppRow, row.app_id)
    doc = queries.function_json(row, app.name, queries.open_counts_by_function(db))
    all_findings = queries.findings(db, queries.FindingFilter(function=row.name, app_id=app.id), limit=1000)
    doc["skeleton"] = queries.skeleton(row.data or {})
    doc["findings"] = [f for f in all_findings if not f["rule_id"].startswith("FG3")]
    doc["dependency_findings"] = [f for f in all_findings if f["rule_id"].startswith("FG3")]
    doc["events"] = queries.events(db, queries.EventFilter(function=row.name), limit=events_limit)
    return doc


@router.get("/functions/{function_id}", response_model=FunctionDetail, responses={**READ_REFUSALS, 404: {"model": Problem}})
def get_function(principal: Reader, db: Db, function_id: Annotated[int, Path(ge=1, le=2**31 - 1)]) -> Any:
    return function_detail(db, function_id)


@router.get("/findings", response_model=list[FindingOut], responses=READ_REFUSALS)
def get_findings(principal: Reader, db: Db, risk: Risk | None = None, severity: Severity | None = None,
                 rule: Annotated[str | None, Query(max_length=32)] = None, function: Name = None,
                 state: State | None = None, app: Name = None, limit: Limit = 100, offset: Offset = 0) -> Any:
    filters = queries.FindingFilter(risk=risk, severity=severity, rule=rule, function=function, state=state, app=app)
    return queries.findings(db, filters, limit, offset)


def triage(db: Any, finding_id: int, change: Any) -> dict[str, Any]:
    row = db.get(FindingRow, finding_id)
    if row is None:
        raise HTTPException(404, f"no finding with id {finding_id}")
    reason = (change.reason or "").strip() or None
    if change.state == "accepted" and not reason:
        raise HTTPException(422, "accepting a finding needs a reason")
    row.state, row.reason = change.state, reason
    row.resolved_at = None if change.state == "open" else utcnow()
    db.commit()
    app = db.get(AppRow, row.app_id)
    return queries.finding_json(row, app.name)


@router.patch("/findings/{finding_id}", response_model=FindingOut, responses={**READ_REFUSALS, 404: {"model": Problem}},
              summary="Triage a finding: open, accepted (with a reason) or fixed")
def patch_finding(principal: Admin, db: Db, finding_id: Annotated[int, Path(ge=1, le=2**31 - 1)], change: Triage) -> Any:
    return triage(db, finding_id, change)


@router.get("/events", response_model=list[EventOut], responses=READ_REFUSALS)
def get_events(principal: Reader, db: Db, type: Annotated[str | None, Query(max_length=64)] = None,
               function: Name = None, action: Annotated[str | None, Query(max_length=32)] = None,
               since: Moment = None, until: Moment = None,
               limit: Limit = 100, offset: Offset = 0) -> Any:
    filters = queries.EventFilter(type=type, function=function, action=action, since=_moment("since", since),
                                  until=_moment("until", until))
    return queries.events(db, filters, limit, offset)


def _moment(name: str, text: str | None) -> dt.datetime | None:
    """ISO 8601 only (no bare numbers), as naive UTC."""
    if text is None:
        return None
    try:
        return ingest.parse_time(text)
    except ValueError as exc:
        raise HTTPException(422, f"query.{name}: {exc}") from exc


@router.get("/trends", response_model=Trends, responses=READ_REFUSALS)
def get_trends(principal: Reader, db: Db, days: Annotated[int, Query(ge=1, le=90)] = 14) -> Any:
    return queries.trends(db, days)


@router.get("/alert-rules", response_model=list[AlertRuleOut], responses=READ_REFUSALS)
def get_alert_rules(principal: Reader, db: Db) -> Any:
    return list(db.scalars(select(AlertRule).order_by(AlertRule.id)))


def create_rule(db: Any, rule: Any) -> AlertRule:
    """``rule`` is one of the AlertRuleIn variants: each kind's required fields are enforced there."""
    row = AlertRule(**{**rule.model_dump(), "webhook_url": str(rule.webhook_url)})
    db.add(row)
    db.commit()
    return row


@router.post("/alert-rules", response_model=AlertRuleOut, status_code=201, responses=READ_REFUSALS)
def post_alert_rule(principal: Admin, db: Db, rule: AlertRuleIn) -> Any:
    return create_rule(db, rule)


@router.delete("/alert-rules/{rule_id}", status_code=204, responses={**READ_REFUSALS, 404: {"model": Problem}})
def delete_alert_rule(principal: Admin, db: Db, rule_id: Annotated[int, Path(ge=1, le=2**31 - 1)]) -> None:
    row = db.get(AlertRule, rule_id)
    if row is None:
        raise HTTPException(404, f"no alert rule with id {rule_id}")
    db.delete(row)
    db.commit()


@router.get("/alert-deliveries", response_model=list[DeliveryOut], responses=READ_REFUSALS,
            summary="The delivery log: every alert, its attempts and outcome")
def get_deliveries(principal: Reader, db: Db, status: Annotated[str | None, Query(max_length=16)] = None,
                   limit: Limit = 100, offset: Offset = 0) -> Any:
    query = select(AlertDelivery).order_by(AlertDelivery.id.desc())
    if status:
        query = query.where(AlertDelivery.status == status)
    return list(db.scalars(query.limit(limit).offset(offset)))
