"""The dashboard: server-rendered pages behind the admin login; forms carry a CSRF token.

Jinja2 autoescapes every value; charts are SVG built in fnguard.server.charts; no page runs
a script, so the Content-Security-Policy forbids them all.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select

from fnguard.model import RISKS, SEVERITIES
from fnguard.server import auth, charts, queries
from fnguard.server.api import create_rule, function_detail, triage
from fnguard.server.models import AlertDelivery, AlertRule, FunctionRow
from fnguard.server.schemas import AlertRuleIn, Triage
from fnguard.server.security import Db, Principal, identify

_env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                   autoescape=select_autoescape(default=True, default_for_string=True))
templates = Jinja2Templates(env=_env)
STATES = ("open", "accepted", "fixed")


class LoginRequired(Exception):
    """Raised by page handlers without a session; the app turns it into a redirect to /login."""


def _session(request: Request, db: Any) -> Principal:
    principal = identify(request, db)
    if principal is None or principal.kind != "session":
        raise LoginRequired()
    return principal


def _require_session(request: Request, db: Db) -> None:
    """Router-wide: refuse before any form or query parameter is even parsed."""
    _session(request, db)


public = APIRouter(include_in_schema=False)
router = APIRouter(include_in_schema=False, dependencies=[Depends(_require_session)])


def _check_csrf(principal: Principal, token: str) -> None:
    if not auth.csrf_ok(principal.csrf, token):
        raise HTTPException(403, "CSRF token missing or wrong: reload the page and try again")


def _page(request: Request, name: str, principal: Principal | None, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"csrf": principal.csrf if principal else None,
                                                      "logged_in": principal is not None, **context})


@public.get("/login", response_class=HTMLResponse)
def login_form(request: Request, db: Db, error: str | None = None) -> Response:
    token = secrets.token_urlsafe(24)
    configured = auth.admin_password_configured(db, request.app.state.settings.admin_password)
    response = _page(request, "login.html", None, login_csrf=token, error=error, configured=configured)
    response.set_cookie(auth.LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.app.state.settings.secure_cookies, path="/login")
    return response


@public.post("/login")
def login(request: Request, db: Db, password: Annotated[str, Form(max_length=1024)],
          csrf: Annotated[str, Form(max_length=128)]) -> Response:
    if not auth.csrf_ok(request.cookies.get(auth.LOGIN_CSRF_COOKIE), csrf):
        raise HTTPException(403, "CSRF token missing or wrong: reload the login page")
    client = request.client.host if request.client else "unknown"
    if request.app.state.login_buckets.take(client) > 0:
        raise HTTPException(429, "too many login attempts: wait a minute")
    if not auth.check_admin_password(db, password, request.app.state.settings.admin_password):
        return RedirectResponse("/login?" + urlencode({"error": "wrong password"}), status_code=303)
    cookie, _ = auth.open_session(db)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(auth.SESSION_COOKIE, cookie, httponly=True, samesite="strict",
                        secure=request.app.state.settings.secure_cookies, max_age=auth.SESSION_HOURS * 3600)
    response.delete_cookie(auth.LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, db: Db, csrf: Annotated[str, Form(max_length=128)]) -> Response:
    principal = _session(request, db)
    _check_csrf(principal, csrf)
    auth.close_session(db, request.cookies.get(auth.SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, db: Db) -> Response:
    principal = _session(request, db)
    risks = queries.risk_overview(db)
    for item in risks:
        item["spark"] = charts.sparkline(item["trend"])
    labels, blocked = queries.event_series(db, queries.EventFilter(), "attack_class", "day", 14, blocked_only=True)
    chart = charts.stacked_bars("Blocked attacks per class, last 14 days", labels, blocked)
    return _page(request, "overview.html", principal, risks=risks, apps=queries.apps(db),
                 totals=queries.event_totals(db), chart=chart)


@router.get("/functions", response_class=HTMLResponse)
def function_list(request: Request, db: Db) -> Response:
    principal = _session(request, db)
    return _page(request, "functions.html", principal, functions=queries.functions(db))


@router.get("/functions/{function_id}", response_class=HTMLResponse)
def function_page(request: Request, db: Db, function_id: int) -> Response:
    principal = _session(request, db)
    if db.get(FunctionRow, function_id) is None:
        raise HTTPException(404, "no such function")
    doc = function_detail(db, function_id)
    skeleton = charts.skeleton(doc["name"], doc["skeleton"]["triggers"], doc["skeleton"]["resources"])
    labels, series = queries.event_series(db, queries.EventFilter(function=doc["name"]), "kind", "hour", 24)
    chart = charts.stacked_bars("Events per hour by attack class or type, last 24 hours", labels, series)
    return _page(request, "function.html", principal, fn=doc, skeleton=skeleton, chart=chart)


@router.get("/findings", response_class=HTMLResponse)
def finding_list(request: Request, db: Db, risk: str | None = None, severity: str | None = None,
                 rule: str | None = None, function: str | None = None, state: str | None = None,
                 app: str | None = None) -> Response:
    principal = _session(request, db)
    filters = queries.FindingFilter(risk=risk or None, severity=severity or None, rule=rule or None,
                                    function=function or None, state=state or None, app=app or None)
    rows = queries.findings(db, filters, limit=500)
    return _page(request, "findings.html", principal, findings=rows, filters=filters, risks=RISKS,
                 severities=SEVERITIES, states=STATES)


@router.post("/findings/{finding_id}/triage")
def triage_form(request: Request, db: Db, finding_id: int, state: Annotated[str, Form(max_length=16)],
                csrf: Annotated[str, Form(max_length=128)],
                reason: Annotated[str, Form(max_length=2000)] = "",
                back: Annotated[str, Form(max_length=2000)] = "/findings") -> Response:
    principal = _session(request, db)
    _check_csrf(principal, csrf)
    try:
        change = TypeAdapter(Triage).validate_python({"state": state, "reason": reason or None})
    except ValidationError as exc:
        raise HTTPException(422, "state must be open, fixed, or accepted with a reason") from exc
    triage(db, finding_id, change)
    target = back if back.startswith("/") and not back.startswith("//") else "/findings"
    return RedirectResponse(target, status_code=303)


@router.get("/events", response_class=HTMLResponse)
def event_timeline(request: Request, db: Db, type: str | None = None, function: str | None = None,
                   hours: int = 24) -> Response:
    principal = _session(request, db)
    hours = max(1, min(hours, 24 * 14))
    filters = queries.EventFilter(type=type or None, function=function or None,
                                  since=queries.utcnow() - dt.timedelta(hours=hours))
    count = min(hours, 72)
    unit = "hour" if hours <= 72 else "day"
    count = count if unit == "hour" else max(1, hours // 24)
    labels, blocked = queries.event_series(db, filters, "attack_class", unit, count, blocked_only=True)
    ilabels, rates = queries.invocation_series(db, filters, unit, count)
    return _page(request, "events.html", principal, events=queries.events(db, filters, limit=200),
                 blocked_chart=charts.stacked_bars(f"Blocked attacks per class, per {unit}", labels, blocked),
                 rate_chart=charts.lines(f"Invocations per {unit}", ilabels, rates),
                 type=type or "", function=function or "", hours=hours)


@router.get("/alerts", response_class=HTMLResponse)
def alert_page(request: Request, db: Db, error: str | None = None) -> Response:
    principal = _session(request, db)
    rules = list(db.scalars(select(AlertRule).order_by(AlertRule.id)))
    deliveries = list(db.scalars(select(AlertDelivery).order_by(AlertDelivery.id.desc()).limit(100)))
    return _page(request, "alerts.html", principal, rules=rules, deliveries=deliveries, severities=SEVERITIES,
                 error=error)


def _number(text: str) -> int | str | None:
    """Form fields are text; the rule models take strict integers."""
    text = text.strip()
    return int(text) if text.isdigit() else (text or None)


@router.post("/alerts/rules")
def alert_create(request: Request, db: Db, csrf: Annotated[str, Form(max_length=128)],
                 name: Annotated[str, Form(max_length=128)], kind: Annotated[str, Form(max_length=32)],
                 webhook_url: Annotated[str, Form(max_length=2000)],
                 webhook_format: Annotated[str, Form(max_length=16)] = "json",
                 min_severity: Annotated[str, Form(max_length=16)] = "",
                 event_type: Annotated[str, Form(max_length=64)] = "",
                 function: Annotated[str, Form(max_length=256)] = "",
                 threshold: Annotated[str, Form(max_length=12)] = "",
                 window_s: Annotated[str, Form(max_length=12)] = "",
                 cooldown_s: Annotated[str, Form(max_length=12)] = "300") -> Response:
    principal = _session(request, db)
    _check_csrf(principal, csrf)
    try:
        fields = {"name": name, "kind": kind, "webhook_url": webhook_url, "webhook_format": webhook_format,
                  "min_severity": min_severity or None, "event_type": event_type or None, "function": function or None,
                  "threshold": _number(threshold), "window_s": _number(window_s), "cooldown_s": _number(cooldown_s)}
        # The form shows every kind's fields: send the rule only those it filled in.
        rule = TypeAdapter(AlertRuleIn).validate_python({k: v for k, v in fields.items() if v is not None})
        create_rule(db, rule)
    except (ValidationError, HTTPException) as exc:
        message = exc.detail if isinstance(exc, HTTPException) else exc.errors()[0]["msg"]
        return RedirectResponse("/alerts?" + urlencode({"error": str(message)}), status_code=303)
    return RedirectResponse("/alerts", status_code=303)


@router.post("/alerts/rules/{rule_id}/delete")
def alert_delete(request: Request, db: Db, rule_id: int, csrf: Annotated[str, Form(max_length=128)]) -> Response:
    principal = _session(request, db)
    _check_csrf(principal, csrf)
    row = db.get(AlertRule, rule_id)
    if row is not None:
        db.delete(row)
        db.commit()
    return RedirectResponse("/alerts", status_code=303)
