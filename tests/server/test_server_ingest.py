"""Ingest: event batches (gzip, idempotent, bounded, all-or-nothing) and scan reports."""

from __future__ import annotations

import gzip
import json

from server_helpers import Server, make_server, sample_report, waf_event
from sqlalchemy import func, select

from fnguard.server.models import AppRow, EventRow, FindingRow, FunctionRow


def _count(server: Server) -> int:
    with server.db() as db:
        return db.scalar(select(func.count(EventRow.id)))


def test_batch_is_stored_with_its_fields(server: Server) -> None:
    events = [waf_event(), waf_event(type="sandbox", severity="critical", operation="connect", target="1.2.3.4:443")]
    response = server.post_events(events)
    assert response.status_code == 200, response.text
    assert response.json() == {"received": 2, "stored": 2, "duplicates": 0}
    stored = server.client.get("/api/v1/events", headers=server.headers()).json()
    assert {e["event_id"] for e in stored} == {e["id"] for e in events}
    sandbox = next(e for e in stored if e["type"] == "sandbox")
    assert sandbox["data"]["target"] == "1.2.3.4:443" and sandbox["severity"] == "critical"
    assert sandbox["source"] == "test-ingest"


def test_gzip_batch_as_the_sink_sends_it(server: Server) -> None:
    body = gzip.compress(json.dumps({"events": [waf_event()]}, separators=(",", ":")).encode(), compresslevel=5)
    response = server.client.post("/api/v1/events", content=body, headers={
        **server.headers("ingest"), "Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert response.status_code == 200, response.text
    assert response.json()["stored"] == 1


def test_retried_batch_is_idempotent(server: Server) -> None:
    events = [waf_event() for _ in range(5)]
    assert server.post_events(events).json()["stored"] == 5
    again = server.post_events(events + [waf_event()]).json()
    assert again == {"received": 6, "stored": 1, "duplicates": 5}
    assert _count(server) == 6


def test_duplicate_ids_inside_one_batch_count_once(server: Server) -> None:
    event = waf_event()
    assert server.post_events([event, dict(event)]).json()["stored"] == 1
    assert _count(server) == 1


def test_malformed_batch_is_refused_precisely_and_loses_nothing(server: Server) -> None:
    server.post_events([waf_event() for _ in range(3)])
    bad = [waf_event(), waf_event(), {**waf_event(), "time": "yesterday"}]
    response = server.post_events(bad)
    assert response.status_code == 422
    assert response.json()["detail"].startswith("events[2].time:")
    assert response.json()["errors"][0]["loc"] == ["events", 2, "time"]
    assert _count(server) == 3  # neither the good events of the bad batch nor the old ones changed


def test_refusals_name_their_cause(server: Server) -> None:
    headers = {**server.headers("ingest"), "Content-Type": "application/json"}
    post = server.client.post
    assert post("/api/v1/events", content=b"{not json", headers=headers).status_code == 400
    assert post("/api/v1/events", content=b"[]", headers=headers).status_code == 422
    assert post("/api/v1/events", content=b'{"events": []}', headers=headers).status_code == 422
    assert post("/api/v1/events", content=b'{"events": [NaN]}', headers=headers).status_code == 400
    missing = post("/api/v1/events", json={"events": [{"type": "waf", "time": "2026-01-01T00:00:00Z"}]}, headers=headers)
    assert missing.status_code == 422 and missing.json()["detail"].startswith("events[0].id:")
    bad_severity = server.post_events([waf_event(severity="apocalyptic")])
    assert bad_severity.status_code == 422 and "events[0].severity" in bad_severity.json()["detail"]
    assert post("/api/v1/events", content=b"x", headers={**headers, "Content-Encoding": "br"}).status_code == 415
    assert post("/api/v1/events", content=b"not gzip", headers={**headers, "Content-Encoding": "gzip"}).status_code == 400
    assert _count(server) == 0


def test_sizes_are_bounded(db_url: str) -> None:
    server = make_server(db_url, max_body_bytes=50_000, max_decoded_bytes=100_000, max_events_per_batch=10,
                         max_event_bytes=2_000)
    with server.client:
        too_many = server.post_events([waf_event() for _ in range(11)])
        assert too_many.status_code == 413 and "limit of 10" in too_many.json()["detail"]
        big_event = server.post_events([waf_event(excerpt="A" * 3000)])
        assert big_event.status_code == 413 and big_event.json()["detail"].startswith("events[0]:")
        big_body = server.client.post("/api/v1/events", content=b" " * 60_000, headers=server.headers("ingest"))
        assert big_body.status_code == 413
        bomb = gzip.compress(b'{"events": [' + b" " * 500_000 + b"]}")
        assert len(bomb) < 50_000
        response = server.client.post("/api/v1/events", content=bomb,
                                      headers={**server.headers("ingest"), "Content-Encoding": "gzip"})
        assert response.status_code == 413 and "decoded" in response.json()["detail"]
        assert _count(server) == 0
    server.app.state.engine.dispose()


def test_rate_is_bounded_per_token(db_url: str) -> None:
    server = make_server(db_url, requests_per_second=0.001, burst=3)
    with server.client:
        codes = [server.post_events([waf_event()]).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
        refused = server.post_events([waf_event()])
        assert int(refused.headers["Retry-After"]) >= 1
        assert _count(server) == 3
    server.app.state.engine.dispose()


def test_tokens_of_other_scopes_and_revoked_tokens_cannot_ingest(server: Server) -> None:
    from fnguard.server import auth

    assert server.post_events([waf_event()], scope="read").status_code == 403
    bad = server.client.post("/api/v1/events", json={"events": [waf_event()]},
                             headers={"Authorization": "Bearer fgs_" + "x" * 43})
    assert bad.status_code == 401
    with server.db() as db:
        auth.revoke_token(db, "test-ingest")
    assert server.post_events([waf_event()]).status_code == 401
    assert _count(server) == 0


def test_scan_report_builds_apps_functions_and_findings(server: Server) -> None:
    report = sample_report()
    response = server.post_report(report)
    assert response.status_code == 200, response.text
    results = response.json()
    assert [r["app"] for r in results] == [a["name"] for a in report["apps"]]
    assert sum(r["findings"] for r in results) == len(report["findings"])
    with server.db() as db:
        assert db.scalar(select(func.count(AppRow.id))) == 3  # two apps named orders-api, told apart by source
        assert db.scalar(select(func.count(FunctionRow.id))) == 15
        # the 'fixed' variant is clean of what the 'vulnerable' one has: findings went to the right app
        fixed_app = db.scalar(select(AppRow).where(AppRow.source.like("%/fixed/%")))
        vulnerable = db.scalar(select(AppRow).where(AppRow.source.like("%/vulnerable/serverless.yml")))
        fixed_count = db.scalar(select(func.count(FindingRow.id)).where(FindingRow.app_id == fixed_app.id))
        vulnerable_count = db.scalar(select(func.count(FindingRow.id)).where(FindingRow.app_id == vulnerable.id))
        assert vulnerable_count > fixed_count
        files = set(db.scalars(select(FindingRow.file).where(FindingRow.app_id == vulnerable.id)))
        assert all(f is None or not f.startswith(("fixed/", "sam-vulnerable/")) for f in files)


def test_a_second_report_fixes_what_disappeared_and_keeps_triage(server: Server) -> None:
    report = sample_report()
    server.post_report(report)
    findings = server.client.get("/api/v1/findings?limit=1000", headers=server.headers()).json()
    accepted = findings[0]
    change = server.client.patch(f"/api/v1/findings/{accepted['id']}", json={"state": "accepted", "reason": "by design"},
                                 headers=server.headers("admin"))
    assert change.status_code == 200
    dropped = findings[1]
    report["findings"] = [f for f in report["findings"]
                          if not (f["rule_id"] == dropped["rule_id"] and f["message"] == dropped["message"]
                                  and f["function"] == dropped["function"] and f["file"] == dropped["file"])]
    results = server.post_report(report).json()
    assert sum(r["fixed_findings"] for r in results) == 1
    assert sum(r["new_findings"] for r in results) == 0
    after = {f["id"]: f for f in server.client.get("/api/v1/findings?limit=1000", headers=server.headers()).json()}
    assert after[dropped["id"]]["state"] == "fixed"
    assert after[accepted["id"]]["state"] == "accepted" and after[accepted["id"]]["reason"] == "by design"


def test_malformed_report_is_refused_and_loses_nothing(server: Server) -> None:
    server.post_report(sample_report())
    broken = sample_report()
    broken["findings"][5]["severity"] = "catastrophic"
    response = server.post_report(broken)
    assert response.status_code == 422
    assert response.json()["detail"].startswith("findings[5].severity:")
    with server.db() as db:
        assert db.scalar(select(func.count(FindingRow.id))) > 0
        assert db.scalar(select(func.count(FindingRow.id)).where(FindingRow.state == "fixed")) == 0
