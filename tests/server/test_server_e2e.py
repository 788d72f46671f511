"""End to end: a guarded handler is attacked, its event reaches serve through the guard's own
HTTP sink, shows on the function's page, and an alert reaches a local webhook receiver."""

from __future__ import annotations

import re
import time
from types import SimpleNamespace
from typing import Any

import httpx
from live_server import LiveServer
from server_helpers import sample_report
from webhook_receiver import Receiver

from fnguard import protect


def _http_event(month: str) -> dict[str, Any]:
    """An API Gateway HTTP API (v2) event, as Lambda delivers it."""
    return {"version": "2.0", "routeKey": "GET /reports", "rawPath": "/reports", "rawQueryString": f"month={month}",
            "headers": {"host": "api.example.com", "user-agent": "curl/8.0"},
            "queryStringParameters": {"month": month},
            "requestContext": {"accountId": "123456789012", "apiId": "abc123", "domainName": "api.example.com",
                               "http": {"method": "GET", "path": "/reports", "protocol": "HTTP/1.1",
                                        "sourceIp": "203.0.113.9", "userAgent": "curl/8.0"},
                               "requestId": "e2e-request-1", "routeKey": "GET /reports", "stage": "$default",
                               "time": "28/Nov/2026:12:00:00 +0000", "timeEpoch": 1795867200000},
            "isBase64Encoded": False}


def _context() -> Any:
    return SimpleNamespace(aws_request_id="e2e-request-1", function_name="orders-api-dev-exportReport",
                           memory_limit_in_mb=128, invoked_function_arn="arn:aws:lambda:us-east-1:1:function:x",
                           get_remaining_time_in_millis=lambda: 3000)


def _wait(condition: Any, seconds: float = 15.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    return condition()


def test_attack_event_reaches_function_page_and_webhook(db_url: str) -> None:
    with LiveServer(db_url) as serve, Receiver() as receiver:
        http = httpx.Client(base_url=serve.url, timeout=10)
        report = sample_report()
        report["apps"] = [a for a in report["apps"] if "sam-vulnerable" in a["source"]]
        report["findings"] = [f for f in report["findings"] if f["file"] and f["file"].startswith("sam-vulnerable/")]
        assert http.post("/api/v1/reports", json=report, headers=serve.headers("ingest")).status_code == 200
        rule = {"name": "high and worse", "kind": "severity", "min_severity": "high", "webhook_url": receiver.url}
        assert http.post("/api/v1/alert-rules", json=rule, headers=serve.headers("admin")).status_code == 201

        @protect(mode="block", config={"events": {"stdout": False, "serve": {
            "url": serve.url, "token": serve.tokens["ingest"], "flush_ms": 3000}}})
        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            return {"statusCode": 200, "body": "report for " + event["queryStringParameters"]["month"]}

        response = handler(_http_event("1; cat /etc/passwd"), _context())
        assert response["statusCode"] == 403, response

        events = _wait(lambda: http.get("/api/v1/events", headers=serve.headers()).json())
        assert events, "the guard's event never reached serve"
        assert {e["type"] for e in events} == {"waf"} and {e["action"] for e in events} == {"blocked"}
        assert {e["function"] for e in events} == {"orders-api-dev-exportReport"}
        assert {e["source"] for e in events} == {"live-ingest"}
        event = events[0]

        # the function page shows it (the deployed name <service>-<stage>-<function> maps to exportReport)
        page = http.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        assert http.post("/login", data={"password": serve.password, "csrf": csrf}).status_code in (200, 303)
        functions = http.get("/api/v1/functions?app=sam-vulnerable").json()
        export = next(f for f in functions if f["name"] == "exportReport")
        html = http.get(f"/functions/{export['id']}").text
        runtime = html.split('id="runtime-events"', 1)[1]
        assert event["rule_id"] in runtime and "blocked" in runtime and event["attack_class"] in runtime

        assert receiver.arrived.wait(15), "no alert reached the webhook"
        alert = receiver.received[0]["body"]["fnguard_alert"]
        assert alert["events"][0]["id"] in {e["event_id"] for e in events}
        log = _wait(lambda: [d for d in http.get("/api/v1/alert-deliveries", headers=serve.headers()).json()
                             if d["status"] == "delivered"])
        assert log and log[0]["attempts"] == 1
