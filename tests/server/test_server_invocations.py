"""Invocation rates come from the guard's ``invocations`` counts; request ids stand in without them."""

from __future__ import annotations

import datetime as dt
import uuid

from server_helpers import Server, waf_event

from fnguard.server import queries


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _counted(function: str, count: int) -> dict:
    return {"id": uuid.uuid4().hex, "type": "invocations", "action": "counted", "function": function,
            "trigger": "http", "count": count, "window_s": 60.0, "window_start": _now(), "time": _now()}


def test_invocation_series_sums_counts_and_falls_back_to_request_ids(server: Server) -> None:
    events = [_counted("createOrder", 120), _counted("createOrder", 30),
              waf_event(function="createOrder", time=_now()),  # counted already: not added again
              waf_event(function="getOrder", time=_now(), request_id="r-1"),
              waf_event(function="getOrder", time=_now(), request_id="r-1"),
              waf_event(function="getOrder", time=_now(), request_id="r-2")]
    assert server.post_events(events).status_code in (200, 201, 202)
    with server.db() as db:
        labels, series = queries.invocation_series(db, queries.EventFilter(), "hour", 24)
    assert sum(series["createOrder"]) == 150
    assert sum(series["getOrder"]) == 2  # no counts from that guard: distinct request ids
    assert len(series["createOrder"]) == len(labels) == 24
