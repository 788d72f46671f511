"""A guarded handler under the real AWS Lambda runtime interface client, warm invocations."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from guard_helpers import CMDI, SQLI, sample
from lambda_emulator import FUNCTION_NAME, LambdaProcess, RuntimeApi

pytest.importorskip("awslambdaric")

APP = textwrap.dedent(
    """
    import json, os
    from fnguard import protect

    STATE = {"calls": 0}

    @protect(mode="block")
    def handler(event, context):
        STATE["calls"] += 1
        return {"statusCode": 200, "body": json.dumps({"pid": os.getpid(), "calls": STATE["calls"],
                                                       "request_id": context.aws_request_id})}

    def plain(event, context):
        STATE["calls"] += 1
        return {"statusCode": 200, "body": json.dumps({"pid": os.getpid(), "calls": STATE["calls"]})}
    """
)


@pytest.fixture
def code_dir(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(APP)
    return tmp_path


@pytest.fixture
def api(lambda_runtime_api: RuntimeApi) -> RuntimeApi:
    return lambda_runtime_api


def http_event(query: str) -> dict[str, Any]:
    event = sample("apiGatewayProxyEvent.json")
    event["multiValueQueryStringParameters"] = {"q": [query]}
    return event


def sqs_event(body: str) -> dict[str, Any]:
    event = sample("sqsEvent.json")
    event["Records"] = event["Records"][:1]
    event["Records"][0]["body"] = body
    return event


def test_decorated_handler_over_warm_invocations(api: RuntimeApi, code_dir: Path) -> None:
    with LambdaProcess(api, code_dir, "app.handler") as fn:
        first = fn.invoke(http_event("shoes"))
        assert first.kind == "response" and first.payload["statusCode"] == 200
        body = json.loads(first.payload["body"])
        assert body["calls"] == 1 and body["request_id"] == first.request_id

        blocked = fn.invoke(http_event(SQLI))
        assert blocked.kind == "response"
        assert blocked.payload["statusCode"] == 403
        assert blocked.payload["headers"] == {"content-type": "application/json"}
        assert json.loads(blocked.payload["body"]) == {"blocked": True, "request_id": "id="}

        queue_ok = fn.invoke(sqs_event(json.dumps({"order": 42})))
        assert queue_ok.kind == "response"

        queue_bad = fn.invoke(sqs_event(json.dumps({"cmd": CMDI})))
        assert queue_bad.kind == "error"
        assert queue_bad.payload["errorType"] == "Blocked"
        assert "records[0].body.cmd" in queue_bad.payload["errorMessage"]

        last = fn.invoke(http_event("socks"))
        last_body = json.loads(last.payload["body"])
        assert last_body["pid"] == body["pid"]  # one warm process served every invocation
        assert last_body["calls"] == 3  # the two blocked events never reached the handler

        lines = fn.wait_for_events(2)
    waf = [e for e in lines if e["type"] == "waf"]
    assert {e["trigger"] for e in waf} == {"http", "sqs"}
    assert all(e["action"] == "blocked" and e["function"] == FUNCTION_NAME for e in waf)
    http_lines = [e for e in waf if e["trigger"] == "http"]
    sqs_lines = [e for e in waf if e["trigger"] == "sqs"]
    assert http_lines[0]["request_id"] == "id=" and http_lines[0]["location"] == "query.q"
    assert sqs_lines[0]["request_id"] == queue_bad.request_id  # no id of its own: Lambda's
    assert [e for e in lines if e["type"] == "guard_error"] == []


def test_zero_code_install_under_the_runtime(api: RuntimeApi, code_dir: Path) -> None:
    (code_dir / "fnguard.yml").write_text("mode: block\n")
    with LambdaProcess(api, code_dir, "fnguard.handler", env={"FNGUARD_HANDLER": "app.plain"}) as fn:
        assert fn.invoke(http_event("hello")).payload["statusCode"] == 200
        assert fn.invoke(http_event(SQLI)).payload["statusCode"] == 403
        assert json.loads(fn.invoke(http_event("again")).payload["body"])["calls"] == 2
        lines = fn.wait_for_events(1)
    assert [e["action"] for e in lines if e["type"] == "waf"][:1] == ["blocked"]


def test_missing_zero_code_handler_is_an_invocation_error(api: RuntimeApi, code_dir: Path) -> None:
    with LambdaProcess(api, code_dir, "fnguard.handler") as fn:
        result = fn.invoke({"any": "thing"})
    assert result.kind == "error" and result.payload["errorType"] == "HandlerNotFound"


def test_broken_guard_config_fails_open_under_the_runtime(api: RuntimeApi, code_dir: Path) -> None:
    (code_dir / "fnguard.yml").write_text("mode: block\nwaf: &anchor {}\n")
    with LambdaProcess(api, code_dir, "app.handler") as fn:
        result = fn.invoke(http_event(SQLI))
        lines = fn.wait_for_events(1)
    assert result.kind == "response" and result.payload["statusCode"] == 200  # the function still serves
    assert api.init_errors == []
    (error,) = [e for e in lines if e["type"] == "guard_error"]
    assert error["action"] == "failed_open" and "fnguard.yml:2" in error["error"]


def test_an_app_that_cannot_import_reports_an_init_error(api: RuntimeApi, code_dir: Path) -> None:
    (code_dir / "broken.py").write_text("raise RuntimeError('app cannot start')\n")
    with LambdaProcess(api, code_dir, "broken.handler") as fn:
        assert fn.process.wait(timeout=30) != 0
    assert api.init_errors and "app cannot start" in api.init_errors[0]["errorMessage"]
