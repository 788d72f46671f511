"""Credentials: API tokens (ingest, read, admin), the admin password, dashboard sessions, CSRF.

Tokens are 32 random bytes, so a plain SHA-256 is a safe way to store them (no dictionary to
guess from) and lets a lookup go by an index; the final comparison still goes through
``hmac.compare_digest`` so its timing tells nothing. The password is a human secret: scrypt.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from fnguard.model import InputError
from fnguard.server.models import Session, Setting, Token, utcnow

SCOPES = ("ingest", "read", "admin")
"""``ingest`` may only post events and reports; ``read`` may query; ``admin`` may also change state."""
TOKEN_PREFIX = "fgs_"
SESSION_COOKIE = "fnguard_session"
LOGIN_CSRF_COOKIE = "fnguard_login_csrf"
SESSION_HOURS = 12
_PASSWORD_KEY = "admin_password"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(db: DbSession, name: str, scope: str = "ingest") -> str:
    """Create a token and return it: the only time it is ever seen in clear."""
    if scope not in SCOPES:
        raise InputError(f"token scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    if not name or len(name) > 128:
        raise InputError("a token needs a name of 1 to 128 characters")
    if db.scalar(select(Token).where(Token.name == name)) is not None:
        raise InputError(f"a token named {name!r} exists already (revoke it or choose another name)")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.add(Token(name=name, scope=scope, token_hash=digest(secret), prefix=secret[:10]))
    db.commit()
    return secret


def revoke_token(db: DbSession, name: str) -> None:
    token = db.scalar(select(Token).where(Token.name == name))
    if token is None:
        raise InputError(f"no token named {name!r}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    # The name is freed so the source can get a new token under the same name.
    token.name = f"{name}#revoked-{token.id}"
    db.commit()


def find_token(db: DbSession, presented: str) -> Token | None:
    """The live token matching ``presented``, compared in constant time."""
    if not presented or len(presented) > 256:
        return None
    wanted = digest(presented)
    token = db.scalar(select(Token).where(Token.token_hash == wanted))
    # compare_digest even after the indexed lookup: equal-length hex, constant time.
    if token is None or not hmac.compare_digest(token.token_hash, wanted) or token.revoked_at is not None:
        return None
    return token


def scope_allows(scope: str, needed: str) -> bool:
    if scope == "admin":
        return True
    if needed == "read":
        return scope == "read"
    return scope == needed


# -- admin password ------------------------------------------------------------------------------

def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(key).decode()


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_b64, key_b64 = stored.split("$")
        salt, key = base64.b64decode(salt_b64), base64.b64decode(key_b64)
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return hmac.compare_digest(candidate, key)


def set_admin_password(db: DbSession, password: str) -> None:
    if len(password) < 8:
        raise InputError("the admin password needs at least 8 characters")
    row = db.get(Setting, _PASSWORD_KEY)
    if row is None:
        db.add(Setting(key=_PASSWORD_KEY, value=hash_password(password)))
    else:
        row.value = hash_password(password)
    db.commit()


def check_admin_password(db: DbSession, password: str, env_password: str | None) -> bool:
    """The environment's password wins when set (containers); else the stored scrypt hash."""
    if env_password:
        return hmac.compare_digest(digest(password), digest(env_password))
    row = db.get(Setting, _PASSWORD_KEY)
    return row is not None and verify_password(password, row.value)


def admin_password_configured(db: DbSession, env_password: str | None) -> bool:
    return bool(env_password) or db.get(Setting, _PASSWORD_KEY) is not None


# -- sessions ------------------------------------------------------------------------------------

def open_session(db: DbSession) -> tuple[str, str]:
    """A new session: (cookie value, CSRF token)."""
    cookie = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = utcnow()
    db.add(Session(id_hash=digest(cookie), csrf=csrf, created_at=now, expires_at=now + dt.timedelta(hours=SESSION_HOURS)))
    db.commit()
    return cookie, csrf


def find_session(db: DbSession, cookie: str | None) -> Session | None:
    if not cookie or len(cookie) > 128:
        return None
    session = db.get(Session, digest(cookie))
    if session is None or session.expires_at < utcnow():
        return None
    return session


def close_session(db: DbSession, cookie: str | None) -> None:
    if cookie:
        session = db.get(Session, digest(cookie))
        if session is not None:
            db.delete(session)
            db.commit()


def csrf_ok(expected: str | None, presented: str | None) -> bool:
    return bool(expected) and bool(presented) and hmac.compare_digest(str(expected), str(presented))
