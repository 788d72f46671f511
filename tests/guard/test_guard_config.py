"""Guard configuration: files beside the handler, FNGUARD_CONFIG, protect(config=), environment."""

from __future__ import annotations

import importlib.util
import json
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from guard_helpers import ScriptedEngine, sample

from fnguard.guard import ConfigError, protect
from fnguard.guard.config import load, parse

CONTEXT = SimpleNamespace(aws_request_id="r1")

YAML_CONFIG = """\
# fnguard.yml beside the handler
mode: block
waf:
  paranoia: 2
  sqs_partial_batch: true
  exclude:
    - field: body.html
    - field: headers.cookie
      rules: [FGW-XSS-*]
    - route: "POST /admin/*"
events:
  serve:
    url: https://fnguard.example.com/
    token: t0k
"""


def handler_module(directory: Path, name: str) -> Any:
    """A handler module living in ``directory``, imported under ``name``."""
    path = directory / f"{name}.py"
    path.write_text("def handler(event, context):\n    return 'ran'\n")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_yaml_file_beside_the_handler(tmp_path: Path) -> None:
    (tmp_path / "fnguard.yml").write_text(YAML_CONFIG)
    config = load(str(tmp_path))
    assert config.mode == "block" and config.waf.paranoia == 2 and config.waf.sqs_partial_batch
    assert [(e.field, e.route, e.rules) for e in config.waf.exclude] == [
        ("body.html", None, ()), ("headers.cookie", None, ("FGW-XSS-*",)), (None, "POST /admin/*", ()),
    ]
    assert config.events.serve.url == "https://fnguard.example.com" and config.events.serve.token == "t0k"
    assert config.source.endswith("fnguard.yml")


def test_json_file_and_explicit_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "fnguard.json").write_text(json.dumps({"mode": "learn", "fail": "closed"}))
    assert load(str(tmp_path)).mode == "learn"
    other = tmp_path / "elsewhere.yml"
    other.write_text("mode: alert\n")
    monkeypatch.setenv("FNGUARD_CONFIG", str(other))
    assert load(str(tmp_path)).mode == "alert"


def test_lambda_task_root_is_searched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "fnguard.yaml").write_text("mode: learn\n")
    monkeypatch.setenv("LAMBDA_TASK_ROOT", str(tmp_path))
    assert load(None).mode == "learn"


def test_precedence_file_then_protect_config_then_mode_then_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "fnguard.yml").write_text("mode: learn\nwaf:\n  paranoia: 3\n  on_budget: block\n")
    config = load(str(tmp_path), {"waf": {"paranoia": 2}})
    assert (config.mode, config.waf.paranoia, config.waf.on_budget) == ("learn", 2, "block")
    assert load(str(tmp_path), {"mode": "alert"}, mode="block").mode == "block"
    monkeypatch.setenv("FNGUARD_MODE", "ALERT")
    monkeypatch.setenv("FNGUARD_SERVE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("FNGUARD_SERVE_TOKEN", "env-token")
    config = load(str(tmp_path), mode="block")
    assert config.mode == "alert"
    assert (config.events.serve.url, config.events.serve.token) == ("http://127.0.0.1:9", "env-token")


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"mode": "panic"}, "mode must be one of learn, alert, block"),
        ({"waf": {"paranioa": 2}}, "unknown setting waf.paranioa"),
        ({"waf": {"paranoia": 9}}, "waf.paranoia must be between 1 and 4"),
        ({"waf": {"sqs_partial_batch": "yes"}}, "waf.sqs_partial_batch must be true or false"),
        ({"waf": {"exclude": [{"rules": ["x"]}]}}, "waf.exclude[0] needs 'field' or 'route'"),
        ({"waf": {"exclude": "body"}}, "waf.exclude must be a list"),
        ({"events": {"serve": {"url": "ftp://x"}}}, "events.serve.url must be an http(s) URL"),
        ({"bogus": 1}, "unknown setting bogus"),
        ({"trigger": "carrier-pigeon"}, "trigger must be one of"),
    ],
)
def test_validation_names_the_key(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse(doc)
    assert message in str(raised.value)


def test_sections_of_other_guard_parts_are_kept_raw() -> None:
    config = parse({"sandbox": {"egress": ["api.example.com"]}, "limits": {"rps": 5}})
    assert config.sections == {"sandbox": {"egress": ["api.example.com"]}, "limits": {"rps": 5}}


def test_protect_reads_the_file_beside_the_handler(tmp_path: Path, event_lines: Any) -> None:
    (tmp_path / "fnguard.yml").write_text("mode: block\n")
    module = handler_module(tmp_path, "fnguard_cfg_beside")
    event = sample("apiGatewayProxyEvent.json")
    event["path"] = "/EVIL"
    assert protect(engine=ScriptedEngine())(module.handler)(event, CONTEXT)["statusCode"] == 403


def test_bad_config_reports_guard_error_and_fails_open(tmp_path: Path, event_lines: Any) -> None:
    (tmp_path / "fnguard.yml").write_text("mode: block\nwaf:\n  exclude: &anchor [x]\n")
    module = handler_module(tmp_path, "fnguard_cfg_bad")
    guarded = protect(engine=ScriptedEngine())(module.handler)
    assert guarded({"x": "EVIL"}, CONTEXT) == "ran"
    (error,) = event_lines
    assert error["type"] == "guard_error" and error["action"] == "failed_open" and error["stage"] == "setup"
    assert "fnguard.yml:3" in error["error"]


def test_invalid_config_that_asks_to_fail_closed_refuses(tmp_path: Path, event_lines: Any) -> None:
    (tmp_path / "fnguard.json").write_text(json.dumps({"fail": "closed", "waf": {"paranoia": 7}}))
    module = handler_module(tmp_path, "fnguard_cfg_closed")
    response = protect(engine=ScriptedEngine())(module.handler)(sample("apiGatewayProxyEvent.json"), CONTEXT)
    assert response["statusCode"] == 503
    assert event_lines[0]["action"] == "failed_closed"


def test_unreadable_json_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "fnguard.json").write_text("{mode: block")
    with pytest.raises(ConfigError, match="invalid JSON"):
        load(str(tmp_path))


def test_yaml_and_json_forms_agree(tmp_path: Path) -> None:
    yaml_dir, json_dir = tmp_path / "y", tmp_path / "j"
    yaml_dir.mkdir()
    json_dir.mkdir()
    (yaml_dir / "fnguard.yml").write_text(YAML_CONFIG)
    pyyaml = pytest.importorskip("yaml")
    (json_dir / "fnguard.json").write_text(json.dumps(pyyaml.safe_load(textwrap.dedent(YAML_CONFIG))))
    a, b = load(str(yaml_dir)), load(str(json_dir))
    assert (a.mode, a.waf, a.events) == (b.mode, b.waf, b.events)
