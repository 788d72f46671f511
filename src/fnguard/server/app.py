"""The ASGI application: routers, security headers, login redirects and background workers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from fastapi import Depends, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from fnguard import __version__
from fnguard.server import alerts, api, dashboard, retention
from fnguard.server.ratelimit import Buckets
from fnguard.server.schemas import Health
from fnguard.server.security import require
from fnguard.server.settings import Settings
from fnguard.server.store import make_engine, migrate, session_factory

log = logging.getLogger("fnguard.serve")
STATIC = Path(__file__).parent / "static"
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class SecurityHeaders:
    """Pure ASGI middleware (BaseHTTPMiddleware costs a task and a copy per request)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _alert_worker(app: FastAPI) -> None:
    """Deliver due alerts whenever ingest wakes us, and at least every ``alert_poll_s``."""
    settings: Settings = app.state.settings
    with httpx.Client(timeout=5.0, follow_redirects=False) as client:
        while True:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(app.state.alert_wakeup.wait(), settings.alert_poll_s)
            app.state.alert_wakeup.clear()
            try:
                def run() -> int:
                    with app.state.sessions() as db:
                        return alerts.deliver_due(db, client)

                await run_in_threadpool(run)
            except Exception:  # noqa: BLE001 - one bad round must not stop alerting
                log.exception("alert delivery round failed")


async def _retention_worker(app: FastAPI) -> None:
    while True:
        try:
            def run() -> dict[str, int]:
                with app.state.sessions() as db:
                    return retention.purge(db, app.state.settings.retention)

            await run_in_threadpool(run)
        except Exception:  # noqa: BLE001
            log.exception("retention round failed")
        await asyncio.sleep(3600)


def create_app(settings: Settings | None = None, *, migrate_db: bool = True) -> FastAPI:
    """The app for ``settings``; migrations are applied here so every entry point gets them."""
    settings = settings or Settings.from_env()
    engine = make_engine(settings.db_url)
    if migrate_db:
        migrate(engine)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.alert_wakeup = asyncio.Event()
        loop = asyncio.get_running_loop()
        app.state.wake_alerts = lambda: loop.call_soon_threadsafe(app.state.alert_wakeup.set)
        tasks = []
        if settings.run_workers:
            tasks = [asyncio.create_task(_alert_worker(app)), asyncio.create_task(_retention_worker(app))]
        yield
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        engine.dispose()

    app = FastAPI(title="fnguard serve", version=__version__, lifespan=lifespan, openapi_url=None, docs_url=None,
                  redoc_url=None, description="The fnguard control plane: ingest guard events and scan reports, "
                  "query apps, functions, findings, events and trends, manage alerts. Every route but /health "
                  "needs `Authorization: Bearer <token>` (or the dashboard's admin session).")
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.ingest_buckets = Buckets(settings.limits.requests_per_second, settings.limits.burst)
    app.state.login_buckets = Buckets(settings.limits.login_attempts_per_minute / 60.0,
                                      settings.limits.login_attempts_per_minute)
    app.state.wake_alerts = lambda: None

    app.add_middleware(SecurityHeaders)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        """One line naming the place, as ingest does, plus the structured errors."""
        errors = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
                  for e in exc.errors()[:20]]
        first = errors[0] if errors else {"loc": ["request"], "msg": "invalid"}
        where = ".".join(str(part) for part in first["loc"])
        return JSONResponse({"detail": f"{where}: {first['msg']}", "errors": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code != 405:
            return await http_exception_handler(request, exc)
        # GET and POST /api/v1/events are two routes: Allow must name the methods of both.
        path = request.url.path
        allowed = sorted({method for route in (*api.router.routes, *dashboard.router.routes, *dashboard.public.routes)
                          if getattr(route, "path_regex", None) is not None and route.path_regex.match(path)
                          for method in (getattr(route, "methods", None) or ())})
        return JSONResponse({"detail": "Method Not Allowed"}, status_code=405, headers={"Allow": ", ".join(allowed)})

    @app.exception_handler(dashboard.LoginRequired)
    async def to_login(request: Request, exc: dashboard.LoginRequired) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.get("/health", response_model=Health, tags=["health"], summary="Liveness and database reachability")
    def health() -> Any:
        with app.state.sessions() as db:
            db.execute(text("SELECT 1"))
        return {"status": "ok", "database": engine.dialect.name}

    @app.get("/api/v1/openapi.json", include_in_schema=False, dependencies=[Depends(require("read"))])
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/static/style.css", include_in_schema=False)
    def stylesheet() -> FileResponse:
        # Public like /login: the login page needs it, and it holds no data.
        return FileResponse(STATIC / "style.css", media_type="text/css")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")

    app.include_router(api.router)
    app.include_router(dashboard.public)
    app.include_router(dashboard.router)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` and multi-worker serving: settings from FNGUARD_* alone."""
    return create_app(Settings.from_env())
