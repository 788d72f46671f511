"""Settings of one ``fnguard serve`` process: where the database is, limits and retention.

Every value has a default that works on a laptop with nothing installed; the environment
(``FNGUARD_*``) and the command line override them, so a container needs no config file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def data_dir() -> Path:
    """The user data directory: $FNGUARD_DATA_DIR, $XDG_DATA_HOME/fnguard or ~/.local/share/fnguard."""
    explicit = os.environ.get("FNGUARD_DATA_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "fnguard"


def default_db_url() -> str:
    """$FNGUARD_DB_URL, else an SQLite file in the user data directory (nothing to install)."""
    explicit = os.environ.get("FNGUARD_DB_URL")
    if explicit:
        return explicit
    return f"sqlite:///{data_dir() / 'fnguard.db'}"


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value and value.strip().isdigit() else default


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    try:
        return float(value) if value else default
    except ValueError:
        return default


@dataclass(frozen=True)
class Limits:
    """Bounds on what one client may send: a hostile or broken sender must not sink the server."""

    max_body_bytes: int = 5 * 1024 * 1024
    """Largest request body as sent (compressed or not)."""
    max_decoded_bytes: int = 20 * 1024 * 1024
    """Largest body after gzip decoding: a gzip bomb stops here."""
    max_events_per_batch: int = 1000
    max_event_bytes: int = 64 * 1024
    """Largest single event, as JSON."""
    max_report_bytes: int = 20 * 1024 * 1024
    requests_per_second: float = 50.0
    """Sustained ingest requests per token; bursts up to ``burst`` are let through."""
    burst: int = 200
    login_attempts_per_minute: int = 10


@dataclass(frozen=True)
class Retention:
    """How long things are kept; ``0`` keeps them forever."""

    events_days: int = 90
    reports_per_app: int = 50
    deliveries_days: int = 30


@dataclass(frozen=True)
class Settings:
    db_url: str = field(default_factory=default_db_url)
    limits: Limits = field(default_factory=Limits)
    retention: Retention = field(default_factory=Retention)
    admin_password: str | None = None
    """From $FNGUARD_ADMIN_PASSWORD: when set it wins over the stored password hash."""
    secure_cookies: bool = False
    """Mark cookies Secure; set when the dashboard is served over HTTPS (FNGUARD_SECURE_COOKIES=1)."""
    alert_poll_s: float = 2.0
    """How often the delivery worker looks for due webhook deliveries."""
    run_workers: bool = True
    """Run the background alert delivery and retention tasks in this process."""

    @classmethod
    def from_env(cls, db_url: str | None = None) -> Settings:
        return cls(
            db_url=db_url or default_db_url(),
            limits=Limits(
                requests_per_second=_env_float("FNGUARD_INGEST_RPS", Limits.requests_per_second),
                burst=_env_int("FNGUARD_INGEST_BURST", Limits.burst),
                max_events_per_batch=_env_int("FNGUARD_MAX_EVENTS_PER_BATCH", Limits.max_events_per_batch),
            ),
            retention=Retention(
                events_days=_env_int("FNGUARD_RETENTION_EVENTS_DAYS", Retention.events_days),
                reports_per_app=_env_int("FNGUARD_RETENTION_REPORTS", Retention.reports_per_app),
                deliveries_days=_env_int("FNGUARD_RETENTION_DELIVERIES_DAYS", Retention.deliveries_days),
            ),
            admin_password=os.environ.get("FNGUARD_ADMIN_PASSWORD") or None,
            secure_cookies=os.environ.get("FNGUARD_SECURE_COOKIES", "") in ("1", "true", "yes"),
        )
