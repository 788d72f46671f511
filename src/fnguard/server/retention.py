"""Retention: old events, old reports and old deliveries go, so the store does not grow forever."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session as DbSession

from fnguard.server.models import AlertDelivery, AppRow, EventRow, Report, Session, utcnow
from fnguard.server.settings import Retention


def purge(db: DbSession, retention: Retention) -> dict[str, int]:
    """Delete what is past retention; return how many rows of each kind went."""
    now = utcnow()
    removed = {"events": 0, "reports": 0, "deliveries": 0, "sessions": 0}
    if retention.events_days > 0:
        cutoff = now - dt.timedelta(days=retention.events_days)
        removed["events"] = db.execute(delete(EventRow).where(EventRow.time < cutoff)).rowcount or 0
    if retention.reports_per_app > 0:
        for app_id in db.scalars(select(AppRow.id)):
            keep = select(Report.id).where(Report.app_id == app_id).order_by(Report.id.desc()).limit(retention.reports_per_app)
            kept = list(db.scalars(keep))
            if kept:
                removed["reports"] += db.execute(delete(Report).where(Report.app_id == app_id, Report.id < min(kept))).rowcount or 0
    if retention.deliveries_days > 0:
        cutoff = now - dt.timedelta(days=retention.deliveries_days)
        removed["deliveries"] = db.execute(delete(AlertDelivery).where(AlertDelivery.created_at < cutoff,
                                                                       AlertDelivery.status != "pending")).rowcount or 0
    removed["sessions"] = db.execute(delete(Session).where(Session.expires_at < now)).rowcount or 0
    db.commit()
    return removed
