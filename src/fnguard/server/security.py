"""Who is asking: a Bearer token (ingest, read or admin scope) or the admin's dashboard session.

Every route but ``/health`` depends on one of these; a request with neither is refused before
any query runs. Sessions changing state must also present their CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session as DbSession

from fnguard.server import auth
from fnguard.server.models import utcnow

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Principal:
    kind: str
    """``token`` or ``session``."""
    name: str
    scope: str
    csrf: str | None = None


def get_db(request: Request) -> Iterator[DbSession]:
    with request.app.state.sessions() as db:
        yield db


Db = Annotated[DbSession, Depends(get_db)]


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def identify(request: Request, db: DbSession) -> Principal | None:
    presented = bearer(request)
    if presented is not None:
        token = auth.find_token(db, presented)
        if token is None:
            return None
        if token.last_used_at is None or (utcnow() - token.last_used_at).total_seconds() > 60:
            token.last_used_at = utcnow()  # at most once a minute: no write per request
            db.commit()
        return Principal("token", token.name, token.scope)
    session = auth.find_session(db, request.cookies.get(auth.SESSION_COOKIE))
    if session is not None:
        return Principal("session", "admin", "admin", session.csrf)
    return None


def require(scope: str) -> Callable[..., Principal]:
    """A dependency refusing requests without a credential allowing ``scope``."""

    def dependency(request: Request, db: Db) -> Principal:
        principal = identify(request, db)
        if principal is None:
            raise HTTPException(401, "authentication required: a Bearer token or an admin session",
                                headers={"WWW-Authenticate": "Bearer"})
        if not auth.scope_allows(principal.scope, scope):
            raise HTTPException(403, f"this token's scope ({principal.scope}) does not allow {scope}")
        if principal.kind == "session" and request.method in UNSAFE_METHODS and not auth.csrf_ok(
                principal.csrf, request.headers.get("x-csrf-token")):
            raise HTTPException(403, "missing or wrong X-CSRF-Token for a session request")
        return principal

    return dependency
