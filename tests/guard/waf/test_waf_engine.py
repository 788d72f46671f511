"""The engine's contract with the guard runtime: values, paths, keys, JSON-in-strings, budget, config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fnguard.guard.waf import ATTACK_CLASSES, Detection, Engine, InspectionResult, default_engine

EVENTS = Path(__file__).resolve().parents[4] / "shared" / "corpus" / "events"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


def test_detection_carries_identity_and_raw_excerpt(engine: Engine) -> None:
    found = engine.inspect_value("1' OR '1'='1' --", "query.id")
    assert found, "a classic tautology must be found"
    d = found[0]
    assert isinstance(d, Detection)
    assert d.attack_class == "sqli" and d.rule_id.startswith("FGW-SQLI-")
    assert d.location == "query.id" and d.key is False
    assert d.severity in ("critical", "high", "medium", "low") and 1 <= d.paranoia <= 4
    assert 0 < len(d.excerpt) <= 200


def test_plain_values_are_clean(engine: Engine) -> None:
    for value in ("value1", "GET", "2024-06-01T10:00:00Z", "a4eafed3-eb69-44dd-9124-548a3e8f302b",
                  "John O'Brien", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36",
                  "https://aws.amazon.com/lambda/", "04/Mar/2020:19:15:17 +0000", "Hello from Lambda!"):
        assert engine.inspect_value(value) == [], value


def test_paths_use_dots_and_indexes(engine: Engine) -> None:
    event = {"body": {"items": [{"name": "ok"}, {"name": "<script>alert(1)</script>"}]}}
    result = engine.inspect(event)
    assert isinstance(result, InspectionResult)
    assert [d.location for d in result.detections] == ["body.items[1].name"]
    assert result.inspected_bytes > 0 and not result.budget_exceeded


def test_base_location_prefixes_paths(engine: Engine) -> None:
    result = engine.inspect({"q": "../../etc/passwd"}, "queryStringParameters")
    assert result.detections[0].location == "queryStringParameters.q"


def test_json_in_strings_is_decoded_recursively(engine: Engine) -> None:
    inner = json.dumps({"user": {"name": "x", "filter": {"$where": "sleep(5000)"}}})
    event = {"Records": [{"body": json.dumps({"Message": inner})}]}
    found = engine.inspect(event).detections
    keys = [d for d in found if d.key]
    assert keys and keys[0].attack_class == "nosqli"
    assert keys[0].location == "Records[0].body.Message.user.filter.$where"


def test_keys_are_inspected(engine: Engine) -> None:
    assert engine.inspect_key("$ne")[0].attack_class == "nosqli"
    assert engine.inspect_key("__proto__")[0].attack_class == "prototype_pollution"
    assert engine.inspect_key("user__password__startswith")[0].attack_class == "orm_injection"
    assert engine.inspect_key("<script>alert(1)</script>")[0].attack_class == "xss"
    assert engine.inspect_key("name") == [] and engine.inspect_key("httpMethod") == []
    result = engine.inspect({"constructor": {"prototype": {"isAdmin": True}}})
    assert any(d.key and d.attack_class == "prototype_pollution" for d in result.detections)


def test_bytes_and_numbers(engine: Engine) -> None:
    result = engine.inspect({"n": 1, "f": 2.5, "b": True, "none": None, "raw": b"<svg onload=alert(1)>"})
    assert [d.location for d in result.detections] == ["raw"]


def test_huge_value_is_cut_and_reported(engine: Engine) -> None:
    small = Engine({"max_value_bytes": 1024})
    result = small.inspect({"body": "a" * 5000 + "<script>alert(1)</script>"})
    assert result.budget_exceeded is True
    assert result.detections == ()  # the attack lies past the inspected prefix
    head = small.inspect({"body": "<script>alert(1)</script>" + "a" * 5000})
    assert head.budget_exceeded is True and head.detections


def test_event_byte_budget(engine: Engine) -> None:
    small = Engine({"max_event_bytes": 100})
    result = small.inspect({f"k{i}": "x" * 30 for i in range(20)})
    assert result.budget_exceeded is True and result.inspected_bytes <= 100 + 34


def test_deep_nesting_stops_at_max_depth() -> None:
    shallow = Engine({"max_depth": 5})
    node: object = "<script>alert(1)</script>"
    for _ in range(50):
        node = {"a": node}
    result = shallow.inspect(node)
    assert result.budget_exceeded is True and result.detections == ()
    assert Engine().inspect({"a": {"b": {"c": "<script>alert(1)</script>"}}}).budget_exceeded is False


def test_time_budget() -> None:
    no_time = Engine({"max_time_ms": 0})
    result = no_time.inspect({f"k{i}": "x' or 1=1 --" for i in range(100)})
    assert result.budget_exceeded is True
    assert len(result.detections) < 100


def test_paranoia_enables_more_rules() -> None:
    value = "<p>Hello <b>world</b></p>"
    assert Engine({"paranoia": 1}).inspect_value(value) == []
    assert Engine({"paranoia": 2}).inspect_value(value)[0].attack_class == "xss"


def test_classes_and_disabled_rules() -> None:
    only_sqli = Engine({"classes": ["sqli"]})
    assert only_sqli.inspect_value("<script>alert(1)</script>") == []
    assert only_sqli.inspect_value("1 union select 1,2--")
    no_xss_rules = Engine({"disable_rules": ["FGW-XSS-*"]})
    assert no_xss_rules.inspect_value("<script>alert(1)</script>") == []
    with pytest.raises(ValueError):
        Engine({"classes": ["nope"]})
    with pytest.raises(ValueError):
        Engine({"paranoia": 7})


def test_rule_ids_are_unique_and_well_formed() -> None:
    from fnguard.guard.waf.rules import all_rules

    rules = all_rules()
    ids = [r.rule_id for r in rules]
    assert len(ids) == len(set(ids))
    assert {r.attack_class for r in rules} == set(ATTACK_CLASSES)
    for r in rules:
        prefix, cls, number = r.rule_id.split("-")
        assert prefix == "FGW" and cls.isupper() and len(number) == 3 and number.isdigit()


def test_default_engine_is_cached() -> None:
    assert default_engine() is default_engine({})
    assert default_engine({"paranoia": 2}) is default_engine({"paranoia": 2})
    assert default_engine({"paranoia": 2}) is not default_engine()


def test_real_api_gateway_event_is_clean_and_attack_is_found(engine: Engine) -> None:
    path = EVENTS / "apiGatewayProxyEvent.json"
    if not path.exists():
        pytest.skip("shared event corpus not available")
    event = json.loads(path.read_text())
    assert engine.inspect(event).detections == ()
    event["queryStringParameters"]["parameter1"] = "http://169.254.169.254/latest/meta-data/"
    event["body"] = json.dumps({"cmd": "; cat /etc/passwd"})
    found = {(d.location, d.attack_class) for d in engine.inspect(event).detections}
    assert ("queryStringParameters.parameter1", "ssrf") in found
    assert ("body.cmd", "cmdi") in found


def test_memo_gives_the_same_answers_and_stays_bounded() -> None:
    memo = Engine({"cache_entries": 8})
    plain = Engine({"cache_entries": 0})
    values = [f"value {i} <script>alert({i})</script>" if i % 3 == 0 else f"https://h{i}.example.com/p?q={i}"
              for i in range(40)]
    for _ in range(2):  # the second pass is served from the memo
        for value in values:
            assert [d.rule_id for d in memo.inspect({"f": value}).detections] == \
                [d.rule_id for d in plain.inspect({"f": value}).detections]
    assert len(memo._cache) <= 8 and len(memo._clean) <= 8
    event = {"headers": {"a": "same", "b": "<svg onload=alert(1)>"}}
    assert memo.inspect(event).detections == memo.inspect(event).detections != ()


def test_long_values_are_read_in_windows() -> None:
    patient = Engine({"max_time_ms": 10_000})
    body = "lorem ipsum " * 1000 + "<script>alert(1)</script>" + " dolor" * 1000
    found = patient.inspect({"body": body})
    assert [d.attack_class for d in found.detections] == ["xss"] and not found.budget_exceeded


def test_crafted_value_stops_at_the_time_budget() -> None:
    hasty = Engine({"max_time_ms": 0, "cache_entries": 0})
    result = hasty.inspect({"body": "${" * 30000 + "jndi"})
    assert result.budget_exceeded is True


def test_every_real_lambda_sample_event_is_clean(engine: Engine) -> None:
    samples = sorted(EVENTS.glob("*.json"))
    if not samples:
        pytest.skip("shared event corpus not available")
    flagged = {}
    for path in samples:
        found = engine.inspect(json.loads(path.read_text())).detections
        if found:
            flagged[path.name] = [(d.rule_id, d.location) for d in found]
    assert flagged == {}
