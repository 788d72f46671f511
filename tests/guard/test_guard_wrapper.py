"""protect(): modes, blocking shapes, SQS partial batch, event lines, fail open/closed, budget."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from guard_helpers import CMDI, SQLI, ScriptedEngine, sample

from fnguard import Blocked, protect
from fnguard.guard import GuardUnavailable

EVENT_KEYS = ["id", "type", "rule_id", "class", "severity", "action", "function", "trigger", "location",
              "excerpt", "request_id", "time"]
CONTEXT = SimpleNamespace(aws_request_id="ctx-req-1", function_name="ctx-fn")


class Calls(list):  # type: ignore[type-arg]
    def handler(self, event: Any, context: Any) -> Any:
        self.append(event)
        return {"statusCode": 200, "body": "ok"}


def http_attack() -> dict[str, Any]:
    event = sample("apiGatewayProxyEvent.json")
    event["multiValueQueryStringParameters"] = {"q": ["EVIL"]}
    return event


def sqs_batch(bad: tuple[int, ...]) -> dict[str, Any]:
    event = sample("sqsEvent.json")
    template = event["Records"][0]
    event["Records"] = [
        {**template, "messageId": f"m{i}", "body": json.dumps({"v": "EVIL" if i in bad else f"fine {i}"}),
         "messageAttributes": {}}
        for i in range(4)
    ]
    return event


# -- modes ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("mode", "action"), [("learn", "learned"), ("alert", "alerted")])
def test_learn_and_alert_report_and_let_through(mode: str, action: str, event_lines: Any) -> None:
    calls = Calls()
    guarded = protect(mode=mode, engine=ScriptedEngine())(calls.handler)
    assert guarded(http_attack(), CONTEXT) == {"statusCode": 200, "body": "ok"}
    assert len(calls) == 1
    waf = event_lines.of_type("waf")
    assert [e["action"] for e in waf] == [action]
    assert waf[0]["location"] == "query.q"


def test_default_mode_is_alert(event_lines: Any) -> None:
    calls = Calls()
    protect(engine=ScriptedEngine())(calls.handler)(http_attack(), CONTEXT)
    assert len(calls) == 1 and event_lines.of_type("waf")[0]["action"] == "alerted"


def test_env_mode_overrides_code_and_file(monkeypatch: pytest.MonkeyPatch, event_lines: Any) -> None:
    monkeypatch.setenv("FNGUARD_MODE", "block")
    calls = Calls()
    response = protect(mode="alert", engine=ScriptedEngine())(calls.handler)(http_attack(), CONTEXT)
    assert response["statusCode"] == 403 and calls == []


def test_benign_event_runs_the_handler_and_emits_nothing(event_lines: Any) -> None:
    calls = Calls()
    guarded = protect(mode="block", engine=ScriptedEngine())(calls.handler)
    assert guarded(sample("apiGatewayProxyEvent.json"), CONTEXT)["statusCode"] == 200
    assert len(calls) == 1 and list(event_lines) == []


# -- blocking shapes ----------------------------------------------------------------------------

def test_block_http_returns_403_json_with_the_request_id(event_lines: Any) -> None:
    calls = Calls()
    response = protect(mode="block", engine=ScriptedEngine())(calls.handler)(http_attack(), CONTEXT)
    assert calls == []
    assert response == {
        "statusCode": 403,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"blocked": True, "request_id": "id="}),
    }
    assert event_lines.of_type("waf")[0]["action"] == "blocked"


@pytest.mark.parametrize("name", ["apiGatewayProxyV2Event.json", "lambdaFunctionUrlEvent.json"])
def test_block_http_api_and_function_url(name: str, event_lines: Any) -> None:
    event = sample(name)
    event["rawPath"] = "/EVIL"
    response = protect(mode="block", engine=ScriptedEngine())(Calls().handler)(event, CONTEXT)
    assert response["statusCode"] == 403
    assert json.loads(response["body"]) == {"blocked": True, "request_id": "id"}


def test_block_alb_uses_the_alb_response_shape(event_lines: Any) -> None:
    event = sample("albMultiValueHeadersEvent.json")
    event["path"] = "/EVIL"
    response = protect(mode="block", engine=ScriptedEngine())(Calls().handler)(event, CONTEXT)
    assert response["statusCode"] == 403 and response["isBase64Encoded"] is False
    assert response["multiValueHeaders"] == {"content-type": ["application/json"]} and "headers" not in response
    # ALB events carry no request id: the Lambda request id stands in.
    assert json.loads(response["body"])["request_id"] == "ctx-req-1"


def _s3(event: dict[str, Any]) -> None:
    event["Records"][0]["s3"]["object"]["key"] = "EVIL"


def _sns(event: dict[str, Any]) -> None:
    event["Records"][0]["Sns"]["Message"] = "EVIL"


def _eventbridge(event: dict[str, Any]) -> None:
    event["detail"]["note"] = "EVIL"


@pytest.mark.parametrize(
    ("name", "inject"), [("s3Event.json", _s3), ("snsEvent.json", _sns), ("eventBridgeEvent.json", _eventbridge)]
)
def test_block_non_http_raises_blocked(name: str, inject: Any, event_lines: Any) -> None:
    event = sample(name)
    inject(event)
    calls = Calls()
    guarded = protect(mode="block", engine=ScriptedEngine())(calls.handler)
    with pytest.raises(Blocked) as raised:
        guarded(event, CONTEXT)
    assert calls == [] and raised.value.rule_ids == ("FGW-TEST-001",)
    guarded(sample(name), CONTEXT)  # the untouched sample passes
    assert len(calls) == 1


def test_block_sqs_without_partial_batch_fails_the_whole_batch(event_lines: Any) -> None:
    calls = Calls()
    with pytest.raises(Blocked):
        protect(mode="block", engine=ScriptedEngine())(calls.handler)(sqs_batch((1,)), CONTEXT)
    assert calls == []


# -- SQS partial batch ------------------------------------------------------------------------

def partial(mode: str = "block") -> Any:
    return protect(mode=mode, config={"waf": {"sqs_partial_batch": True}}, engine=ScriptedEngine())


def test_partial_batch_reports_only_offending_records(event_lines: Any) -> None:
    seen: list[list[str]] = []

    def handler(event: Any, context: Any) -> None:
        seen.append([r["messageId"] for r in event["Records"]])

    result = partial()(handler)(sqs_batch((1, 3)), CONTEXT)
    assert seen == [["m0", "m2"]]
    assert result == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m3"}]}


def test_partial_batch_merges_the_handlers_own_failures(event_lines: Any) -> None:
    def handler(event: Any, context: Any) -> dict[str, Any]:
        return {"batchItemFailures": [{"itemIdentifier": "m2"}]}

    result = partial()(handler)(sqs_batch((0,)), CONTEXT)
    assert result == {"batchItemFailures": [{"itemIdentifier": "m2"}, {"itemIdentifier": "m0"}]}


def test_partial_batch_all_offending_skips_the_handler(event_lines: Any) -> None:
    calls = Calls()
    result = partial()(calls.handler)(sqs_batch((0, 1, 2, 3)), CONTEXT)
    assert calls == [] and [f["itemIdentifier"] for f in result["batchItemFailures"]] == ["m0", "m1", "m2", "m3"]


def test_partial_batch_clean_batch_returns_the_handler_result(event_lines: Any) -> None:
    assert partial()(lambda e, c: None)(sqs_batch(()), CONTEXT) is None


def test_partial_batch_in_alert_mode_hands_every_record(event_lines: Any) -> None:
    calls = Calls()
    partial("alert")(calls.handler)(sqs_batch((1,)), CONTEXT)
    assert len(calls[0]["Records"]) == 4


# -- event lines -------------------------------------------------------------------------------

def test_event_line_shape(monkeypatch: pytest.MonkeyPatch, event_lines: Any) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders-api")
    event = sample("apiGatewayProxyV2Event.json")
    event["body"] = json.dumps({"items": [{"name": "EVIL token=supersecretvalue123"}]})
    protect(engine=ScriptedEngine())(Calls().handler)(event, CONTEXT)
    (line,) = event_lines
    assert list(line) == EVENT_KEYS
    assert line["type"] == "waf" and line["rule_id"] == "FGW-TEST-001" and line["class"] == "test"
    assert line["severity"] == "high" and line["function"] == "orders-api" and line["trigger"] == "httpApi"
    assert line["location"] == "body.items[0].name" and line["request_id"] == "id"
    assert "supersecretvalue123" not in line["excerpt"] and line["excerpt"].startswith("EVIL")
    assert len(line["id"]) == 32 and line["time"].endswith("Z")


def test_event_ids_are_unique_and_events_are_capped(event_lines: Any) -> None:
    event = {"values": [f"EVIL {i}" for i in range(30)]}
    guarded = protect(config={"events": {"max_per_invocation": 10}}, engine=ScriptedEngine())(lambda e, c: 1)
    guarded(event, CONTEXT)
    assert len(event_lines) == 10
    guarded(event, CONTEXT)  # the cap is per invocation
    assert len(event_lines) == 20 and len({e["id"] for e in event_lines}) == 20


def test_real_engine_detects_through_the_runtime(event_lines: Any) -> None:
    event = sample("sqsEvent.json")
    event["Records"][1]["body"] = json.dumps({"filter": SQLI, "cmd": CMDI})
    with pytest.raises(Blocked):
        protect(mode="block")(Calls().handler)(event, CONTEXT)
    classes = {e["class"] for e in event_lines.of_type("waf")}
    assert {"sqli", "cmdi"} <= classes
    assert all(e["location"].startswith("records[1].body.") for e in event_lines.of_type("waf"))


# -- fail open / closed -----------------------------------------------------------------------

def test_internal_error_fails_open_with_a_guard_error(event_lines: Any) -> None:
    calls = Calls()
    result = protect(mode="block", engine=ScriptedEngine(crash=True))(calls.handler)(http_attack(), CONTEXT)
    assert result["statusCode"] == 200 and len(calls) == 1
    (error,) = event_lines.of_type("guard_error")
    assert error["action"] == "failed_open" and error["stage"] == "before"
    assert "engine exploded" in error["error"] and error["trigger"] == "http"


def test_fail_closed_refuses_http_with_503_and_others_with_an_error(event_lines: Any) -> None:
    calls = Calls()
    guarded = protect(mode="alert", config={"fail": "closed"}, engine=ScriptedEngine(crash=True))(calls.handler)
    response = guarded(http_attack(), CONTEXT)
    assert response["statusCode"] == 503 and json.loads(response["body"])["error"] == "guard_unavailable"
    with pytest.raises(GuardUnavailable):
        guarded(sample("s3Event.json"), CONTEXT)
    assert calls == []
    assert [e["action"] for e in event_lines.of_type("guard_error")] == ["failed_closed", "failed_closed"]


def test_missing_engine_fails_open(monkeypatch: pytest.MonkeyPatch, event_lines: Any) -> None:
    from fnguard.guard import wrapper

    def broken(config: Any) -> Any:
        raise ImportError("no engine")

    monkeypatch.setattr(wrapper, "_load_engine", broken)
    calls = Calls()
    protect(mode="block")(calls.handler)(http_attack(), CONTEXT)
    assert len(calls) == 1 and event_lines.of_type("guard_error")[0]["stage"] == "setup"


def test_handler_exceptions_are_the_handlers_own(event_lines: Any) -> None:
    def handler(event: Any, context: Any) -> None:
        raise ValueError("app bug")

    with pytest.raises(ValueError, match="app bug"):
        protect(engine=ScriptedEngine())(handler)({}, CONTEXT)
    assert list(event_lines) == []


# -- budget -------------------------------------------------------------------------------------

def test_budget_exceeded_allow_lets_through_and_reports(event_lines: Any) -> None:
    calls = Calls()
    engine = ScriptedEngine(budget_after=1)
    protect(mode="block", engine=engine)(calls.handler)(http_attack(), CONTEXT)
    assert len(calls) == 1
    (budget,) = event_lines.of_type("waf_budget")
    assert budget["action"] == "allowed"
    assert len(engine.calls) == 2  # inspection stopped at the part that ran out


def test_budget_exceeded_block(event_lines: Any) -> None:
    calls = Calls()
    config = {"waf": {"on_budget": "block"}}
    response = protect(mode="block", config=config, engine=ScriptedEngine(budget_after=0))(calls.handler)(
        sample("apiGatewayProxyEvent.json"), CONTEXT
    )
    assert response["statusCode"] == 403 and calls == []
    assert event_lines.of_type("waf_budget")[0]["action"] == "blocked"


def test_event_byte_budget_is_enforced_across_parts(event_lines: Any) -> None:
    engine = ScriptedEngine()
    config = {"waf": {"max_event_bytes": 5, "on_budget": "block"}}
    with pytest.raises(Blocked, match="budget"):
        protect(mode="block", config=config, engine=engine)(Calls().handler)(sample("sqsEvent.json"), CONTEXT)
    assert len(engine.calls) == 1


# -- exclusions -------------------------------------------------------------------------------

def test_field_exclusion_skips_the_field_and_what_lies_below(event_lines: Any) -> None:
    event = sample("apiGatewayProxyV2Event.json")
    event["body"] = json.dumps({"html": {"inner": "EVIL"}, "title": "fine"})
    calls = Calls()
    protect(mode="block", config={"waf": {"exclude": [{"field": "body.html"}]}}, engine=ScriptedEngine())(
        calls.handler
    )(event, CONTEXT)
    assert len(calls) == 1 and list(event_lines) == []


def test_field_exclusion_limited_to_rules(event_lines: Any) -> None:
    event = sample("apiGatewayProxyV2Event.json")
    event["cookies"] = ["s=EVIL"]
    config = {"waf": {"exclude": [{"field": "headers.cookie", "rules": ["FGW-XSS-*"]}]}}
    ignored = protect(mode="block", config=config, engine=ScriptedEngine(rule_id="FGW-XSS-004"))(Calls().handler)
    assert ignored(event, CONTEXT)["statusCode"] == 200
    kept = protect(mode="block", config=config, engine=ScriptedEngine(rule_id="FGW-SQLI-001"))(Calls().handler)
    assert kept(event, CONTEXT)["statusCode"] == 403


def test_field_exclusion_applies_inside_batch_records(event_lines: Any) -> None:
    calls = Calls()
    protect(mode="block", config={"waf": {"exclude": [{"field": "body.v"}]}}, engine=ScriptedEngine())(
        calls.handler
    )(sqs_batch((2,)), CONTEXT)
    assert len(calls) == 1


def test_route_exclusion(event_lines: Any) -> None:
    config = {"waf": {"exclude": [{"route": "POST /admin/*"}]}}
    engine = ScriptedEngine()
    event = sample("apiGatewayProxyV2Event.json")
    event["rawPath"] = "/admin/EVIL"
    event["requestContext"]["http"]["method"] = "POST"
    guarded = protect(mode="block", config=config, engine=engine)(Calls().handler)
    assert guarded(event, CONTEXT)["statusCode"] == 200 and engine.calls == []
    event["requestContext"]["http"]["method"] = "GET"
    assert guarded(event, CONTEXT)["statusCode"] == 403


# -- API details --------------------------------------------------------------------------------

def test_protect_without_parentheses_and_no_double_wrap(event_lines: Any) -> None:
    def handler(event: Any, context: Any) -> str:
        """Doc kept."""
        return "ran"

    guarded = protect(handler)
    assert guarded({"a": 1}, CONTEXT) == "ran" and guarded.__doc__ == "Doc kept."
    assert protect()(guarded) is guarded


def test_waf_can_be_disabled(event_lines: Any) -> None:
    engine = ScriptedEngine()
    protect(mode="block", config={"waf": {"enabled": False}}, engine=engine)(Calls().handler)(http_attack(), CONTEXT)
    assert engine.calls == [] and list(event_lines) == []


# -- pipeline: other guard parts plug in by config section ---------------------------------------

class RecordingStage:
    name = "recording"
    log: list[str] = []

    def __init__(self, section: Any, *, mode: str, emit: Any, function_name: Any) -> None:
        self.section = section
        self.mode = mode

    def before(self, inv: Any) -> Any:
        from fnguard.guard.wrapper import Stop

        RecordingStage.log.append(f"before:{inv.trigger}")
        if self.section.get("refuse"):
            return Stop(response={"statusCode": 429})
        return None

    def after(self, inv: Any, result: Any) -> Any:
        RecordingStage.log.append("after")
        return {"wrapped": result}

    def finish(self, inv: Any) -> None:
        RecordingStage.log.append("finish")


def test_parts_plug_in_by_config_section(monkeypatch: pytest.MonkeyPatch, event_lines: Any) -> None:
    from fnguard.guard import wrapper

    monkeypatch.setattr(wrapper, "PARTS", (("decoys", __name__, "RecordingStage", False),))
    RecordingStage.log = []
    guarded = protect(config={"decoys": {"refuse": False}}, engine=ScriptedEngine())(lambda e, c: "ran")
    assert guarded({"a": 1}, CONTEXT) == {"wrapped": "ran"}
    assert RecordingStage.log == ["before:invoke", "after", "finish"]
    assert protect(engine=ScriptedEngine())(lambda e, c: "ran")({"a": 1}, CONTEXT) == "ran"  # no section, no stage
    refusing = protect(config={"decoys": {"refuse": True}}, engine=ScriptedEngine())(lambda e, c: "ran")
    assert refusing({"a": 1}, CONTEXT) == {"statusCode": 429}


def test_a_part_that_fails_to_load_fails_open(monkeypatch: pytest.MonkeyPatch, event_lines: Any) -> None:
    from fnguard.guard import wrapper

    monkeypatch.setattr(wrapper, "PARTS", (("decoys", "fnguard.guard.no_such_part", "Stage", False),))
    assert protect(config={"decoys": {"x": 1}}, engine=ScriptedEngine())(lambda e, c: "ran")({}, CONTEXT) == "ran"
    assert event_lines.of_type("guard_error")[0]["stage"] == "setup"


class CrashingStage(RecordingStage):
    def before(self, inv: Any) -> Any:
        raise RuntimeError("limits backend down")


def test_a_failing_part_does_not_switch_the_waf_off(monkeypatch: pytest.MonkeyPatch, event_lines: Any) -> None:
    from fnguard.guard import wrapper

    monkeypatch.setattr(wrapper, "PARTS", (("limits", __name__, "CrashingStage", True),))
    calls = Calls()
    response = protect(mode="block", config={"limits": {"x": 1}}, engine=ScriptedEngine())(calls.handler)(
        http_attack(), CONTEXT
    )
    assert response["statusCode"] == 403 and calls == []
    (error,) = event_lines.of_type("guard_error")
    assert (error["stage"], error["part"], error["action"]) == ("before", "recording", "failed_open")
    assert event_lines.of_type("waf")[0]["action"] == "blocked"


def test_behaviour_stages_attach_when_their_sections_are_configured(
    monkeypatch: pytest.MonkeyPatch, event_lines: Any
) -> None:
    import types

    from fnguard.guard import wrapper

    attached: list[tuple[Any, Any, Any]] = []
    fake = types.ModuleType("fake_behaviour")
    fake.attach = lambda guard, sections, handler_dir=None: attached.append((guard, dict(sections), handler_dir))
    monkeypatch.setitem(sys.modules, "fake_behaviour", fake)
    monkeypatch.setattr(wrapper, "BEHAVIOUR_MODULE", "fake_behaviour")
    protect(engine=ScriptedEngine())(lambda e, c: 1)
    assert attached == []  # no behaviour section: nothing attached
    guarded = protect(config={"egress": {"allow": ["api.example.com"]}}, engine=ScriptedEngine())(Calls().handler)
    ((guard, sections, handler_dir),) = attached
    assert guard is guarded and sections == {"egress": {"allow": ["api.example.com"]}}
    assert handler_dir == str(Path(__file__).parent)


def test_partial_batch_on_a_fifo_queue_returns_everything_after_the_first_offender(event_lines: Any) -> None:
    event = sqs_batch((1,))
    for record in event["Records"]:
        record["eventSourceARN"] = "arn:aws:sqs:us-east-2:123456789012:orders.fifo"
    seen: list[list[str]] = []
    result = partial()(lambda e, c: seen.append([r["messageId"] for r in e["Records"]]))(event, CONTEXT)
    assert seen == [["m0"]]  # m2 and m3 must not overtake m1
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == ["m1", "m2", "m3"]


def test_handler_attributes_do_not_shadow_the_guard(event_lines: Any) -> None:
    def handler(event: Any, context: Any) -> str:
        return "ran"

    handler.config = "the app's own"  # type: ignore[attr-defined]
    handler.stages = ["the app's own"]  # type: ignore[attr-defined]
    guarded = protect(mode="block", engine=ScriptedEngine())(handler)
    assert guarded.__wrapped__ is handler
    assert guarded({"q": "fine"}, CONTEXT) == "ran"
    with pytest.raises(Blocked):
        guarded({"q": "EVIL"}, CONTEXT)
