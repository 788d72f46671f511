"""Query API: filters, function detail, triage, trends, alert rules; and who may call what."""

from __future__ import annotations

from fastapi.routing import APIRoute
from server_helpers import Server, sample_report, waf_event

from fnguard.server import auth


def test_findings_filters(server: Server) -> None:
    report = sample_report()
    server.post_report(report)
    get = lambda query: server.client.get(f"/api/v1/findings?limit=1000&{query}", headers=server.headers()).json()  # noqa: E731
    everything = get("")
    assert len(everything) == len(report["findings"])
    assert {f["risk"] for f in get("risk=dependencies")} == {"dependencies"}
    assert {f["severity"] for f in get("severity=critical")} == {"critical"}
    assert {f["rule_id"] for f in get("rule=FG401")} == {"FG401"}
    assert {f["function"] for f in get("function=exportReport")} == {"exportReport"}
    assert get("state=fixed") == []
    expected = sum(1 for f in report["findings"] if f["risk"] == "code" and f["severity"] == "critical")
    assert len(get("risk=code&severity=critical")) == expected > 0
    assert server.client.get("/api/v1/findings?risk=nope", headers=server.headers()).status_code == 422


def test_apps_functions_and_function_detail(server: Server) -> None:
    server.post_report(sample_report())
    server.post_events([waf_event(function="orders-api-dev-exportReport"), waf_event(function="other")])
    apps = server.client.get("/api/v1/apps", headers=server.headers()).json()
    assert sorted(a["name"] for a in apps) == ["orders-api", "orders-api", "sam-vulnerable"]
    functions = server.client.get("/api/v1/functions?app=sam-vulnerable", headers=server.headers()).json()
    export = next(f for f in functions if f["name"] == "exportReport")
    detail = server.client.get(f"/api/v1/functions/{export['id']}", headers=server.headers()).json()
    assert detail["skeleton"]["triggers"][0]["public"] is True
    assert detail["skeleton"]["resources"], "permissions reach resources"
    assert all(not f["rule_id"].startswith("FG3") for f in detail["findings"])
    assert detail["findings"] and all(f["file"].startswith("sam-vulnerable/") for f in detail["findings"])
    assert all(f["rule_id"].startswith("FG3") for f in detail["dependency_findings"])
    # the deployed name <service>-<stage>-<function> is recognised; another function's events are not shown
    assert [e["function"] for e in detail["events"]] == ["orders-api-dev-exportReport"]
    assert server.client.get("/api/v1/functions/999999", headers=server.headers()).status_code == 404


def test_events_filters(server: Server) -> None:
    server.post_events([waf_event(time="2026-11-01T10:00:00Z"), waf_event(type="sandbox", time="2026-11-02T10:00:00Z"),
                        waf_event(function="b", time="2026-11-03T10:00:00Z")])
    get = lambda query: server.client.get(f"/api/v1/events?{query}", headers=server.headers()).json()  # noqa: E731
    assert [e["type"] for e in get("type=sandbox")] == ["sandbox"]
    assert {e["function"] for e in get("function=b")} == {"b"}
    assert len(get("since=2026-11-02T00:00:00Z")) == 2
    assert len(get("since=2026-11-02T00:00:00Z&until=2026-11-03T00:00:00Z")) == 1
    assert [e["time"][:10] for e in get("")] == ["2026-11-03", "2026-11-02", "2026-11-01"]  # newest first


def test_triage_needs_a_reason_to_accept_and_admin_scope(server: Server) -> None:
    server.post_report(sample_report())
    finding = server.client.get("/api/v1/findings?limit=1", headers=server.headers()).json()[0]
    url = f"/api/v1/findings/{finding['id']}"
    assert server.client.patch(url, json={"state": "accepted"}, headers=server.headers("admin")).status_code == 422
    assert server.client.patch(url, json={"state": "fixed"}, headers=server.headers("read")).status_code == 403
    done = server.client.patch(url, json={"state": "fixed"}, headers=server.headers("admin")).json()
    assert done["state"] == "fixed" and done["resolved_at"]
    reopened = server.client.patch(url, json={"state": "open"}, headers=server.headers("admin")).json()
    assert reopened["state"] == "open" and reopened["resolved_at"] is None


def test_trends_count_open_findings_and_events(server: Server) -> None:
    from fnguard.server.models import utcnow

    server.post_report(sample_report())
    today = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
    server.post_events([waf_event(time=today), waf_event(time=today, **{"class": "xss"}), waf_event(time=today, action="alerted")])
    trends = server.client.get("/api/v1/trends?days=7", headers=server.headers()).json()
    assert len(trends["days"]) == 7
    assert sum(trends["open_findings_by_risk"][risk][-1] for risk in trends["open_findings_by_risk"]) == len(
        sample_report()["findings"])
    assert trends["events_by_type"]["waf"][-1] == 3
    assert trends["blocked_by_class"] == {"sqli": [0] * 6 + [1], "xss": [0] * 6 + [1]}


def test_alert_rules_api(server: Server) -> None:
    rule = {"name": "criticals", "kind": "severity", "min_severity": "critical", "webhook_url": "http://127.0.0.1:9/hook"}
    assert server.client.post("/api/v1/alert-rules", json=rule, headers=server.headers("read")).status_code == 403
    created = server.client.post("/api/v1/alert-rules", json=rule, headers=server.headers("admin"))
    assert created.status_code == 201
    assert server.client.post("/api/v1/alert-rules", json={**rule, "min_severity": None},
                              headers=server.headers("admin")).status_code == 422
    assert [r["name"] for r in server.client.get("/api/v1/alert-rules", headers=server.headers()).json()] == ["criticals"]
    rule_id = created.json()["id"]
    assert server.client.delete(f"/api/v1/alert-rules/{rule_id}", headers=server.headers("admin")).status_code == 204
    assert server.client.get("/api/v1/alert-rules", headers=server.headers()).json() == []


def _concrete(path: str) -> str:
    return path.replace("{function_id}", "1").replace("{finding_id}", "1").replace("{rule_id}", "1")


def all_routes(app) -> list:  # noqa: ANN001
    """The app's own routes and its routers' (FastAPI keeps included routers as one entry)."""
    from fnguard.server import api, dashboard

    return [r for r in app.routes if getattr(r, "path", None)] + list(api.router.routes) + list(dashboard.public.routes) + list(dashboard.router.routes)


def test_every_route_but_health_refuses_unauthenticated_requests(server: Server) -> None:
    server.post_report(sample_report())
    checked = 0
    for route in all_routes(server.app):
        path = getattr(route, "path", "")
        methods = getattr(route, "methods", None) or {"GET"}
        for method in methods - {"HEAD"}:
            if path == "/health":
                assert server.client.request(method, path).status_code == 200
                continue
            if path in ("/login", "/static/style.css", "/favicon.ico"):
                continue  # the login form itself, its stylesheet and icon: no data
            for headers in ({}, {"Authorization": "Bearer fgs_wrong"}, {"Authorization": "Basic YWRtaW46YWRtaW4="}):
                response = server.client.request(method, _concrete(path), headers=headers, follow_redirects=False)
                if isinstance(route, APIRoute) and path.startswith("/api/"):
                    assert response.status_code == 401, (method, path, headers, response.status_code)
                else:  # dashboard pages send the browser to the login form, with no data
                    assert response.status_code in (303, 401, 403), (method, path, response.status_code)
                    if response.status_code == 303:
                        assert response.headers["location"] == "/login"
                    assert "orders-api" not in response.text
                checked += 1
    assert checked > 40
    # the login page posts only with its CSRF token, and a wrong password opens no session
    assert server.client.post("/login", data={"password": server.password}, follow_redirects=False).status_code in (403, 422)


def test_openapi_document_needs_read_and_describes_the_api(server: Server) -> None:
    assert server.client.get("/api/v1/openapi.json").status_code == 401
    document = server.client.get("/api/v1/openapi.json", headers=server.headers()).json()
    paths = document["paths"]
    for path in ("/api/v1/events", "/api/v1/reports", "/api/v1/apps", "/api/v1/functions", "/api/v1/findings",
                 "/api/v1/trends", "/api/v1/alert-rules", "/api/v1/alert-deliveries"):
        assert path in paths
    assert {p["name"] for p in paths["/api/v1/findings"]["get"]["parameters"]} >= {"risk", "severity", "rule", "function",
                                                                                    "state"}
    assert not any(path.startswith("/findings") for path in paths)  # dashboard pages are not API


def test_tokens_are_stored_hashed_and_compared_in_constant_time(server: Server, monkeypatch) -> None:  # noqa: ANN001
    from sqlalchemy import select

    from fnguard.server.models import Token

    with server.db() as db:
        stored = {t.token_hash for t in db.scalars(select(Token))}
    assert not any(secret in stored for secret in server.tokens.values())
    assert {auth.digest(secret) for secret in server.tokens.values()} <= stored
    calls = []
    real = auth.hmac.compare_digest
    monkeypatch.setattr(auth.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    assert server.client.get("/api/v1/apps", headers=server.headers()).status_code == 200
    assert calls and all(len(a) == len(b) for a, b in calls)


def test_session_api_calls_need_the_csrf_header(server: Server) -> None:
    server.post_report(sample_report())
    csrf = server.login()
    assert server.client.get("/api/v1/apps").status_code == 200  # reads with the session cookie
    finding = server.client.get("/api/v1/findings?limit=1").json()[0]
    url = f"/api/v1/findings/{finding['id']}"
    assert server.client.patch(url, json={"state": "fixed"}).status_code == 403
    assert server.client.patch(url, json={"state": "fixed"}, headers={"X-CSRF-Token": csrf}).status_code == 200
