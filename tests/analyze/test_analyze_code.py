"""The FG4xx code check over an App: rules registered, severity follows the function's exposure."""

from __future__ import annotations

from pathlib import Path

from fnguard.analyze import ScanContext, analyze
from fnguard.analyze.registry import RULES
from fnguard.model import App, Function, Trigger

HANDLER = '''import os
import subprocess

TOKEN = "ghp_" "placeholder-not-a-token"
PASSWORD = "Zr8#kQ2v!mX9pL4w"


def handler(event, context):
    name = event["queryStringParameters"]["name"]
    subprocess.run("convert " + name, shell=True)
'''


def _app(tmp_path: Path, triggers: tuple[Trigger, ...]) -> App:
    (tmp_path / "handler.py").write_text(HANDLER)
    function = Function(name="Convert", runtime="python3.12", handler="handler.handler", code_dir=str(tmp_path),
                        handler_file=str(tmp_path / "handler.py"), triggers=triggers)
    return App(name="demo", source=str(tmp_path / "template.yaml"), format="sam", root=str(tmp_path),
               functions=(function,))


def test_rules_are_declared_in_the_fg4xx_code_range() -> None:
    analyze(App(name="x", source="x", format="sam", root="."), ScanContext())
    ours = [rule for rule in RULES.values() if rule.id in {f"FG4{n:02d}" for n in range(1, 30)}]
    assert {r.id for r in ours} >= {"FG401", "FG403", "FG405", "FG406", "FG408", "FG420", "FG423"}
    assert all(r.risk == "code" for r in ours)


def test_public_http_trigger_gives_full_severity_internal_one_step_lower(tmp_path: Path) -> None:
    public = analyze(_app(tmp_path, (Trigger("httpApi", public=True),)), ScanContext())
    internal = analyze(_app(tmp_path, (Trigger("sqs"),)), ScanContext())
    [p] = [f for f in public if f.rule_id == "FG401"]
    [i] = [f for f in internal if f.rule_id == "FG401"]
    assert (p.severity, i.severity) == ("critical", "high")
    assert p.function == "Convert" and p.line == 10
    assert p.details["cwe"] == "CWE-78" and p.details["flow"][-1]["line"] == 10
    assert p.details["exposure"] == "public" and i.details["exposure"] == "internal"


def test_secret_in_the_handler_file_is_reported_once(tmp_path: Path) -> None:
    findings = analyze(_app(tmp_path, ()), ScanContext())
    secrets = [f for f in findings if f.rule_id in {"FG423", "FG424"}]
    assert [(f.rule_id, f.line, f.severity) for f in secrets] == [("FG423", 5, "high")]


FLASK_APP = '''from flask import Flask, request
import requests

app = Flask(__name__)


@app.route("/fetch")
def fetch():
    return requests.get(request.args["url"], timeout=3).text
'''


def test_serverless_wsgi_function_analyses_the_flask_routes(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(FLASK_APP)
    function = Function(name="Api", runtime="python3.12", handler="wsgi_handler.handler", code_dir=str(tmp_path),
                        triggers=(Trigger("http", public=True),))
    app = App(name="flask", source=str(tmp_path / "serverless.yml"), format="serverless", root=str(tmp_path),
              functions=(function,))
    found = [(f.rule_id, f.line, f.severity) for f in analyze(app, ScanContext()) if f.rule_id == "FG406"]
    assert found == [("FG406", 9, "high")]
