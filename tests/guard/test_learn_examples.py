"""Learn mode on the bundled examples: the allow-lists it writes let them run in block mode,
and its IAM policy is never broader than the static one."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fnguard.cli import main as cli  # noqa: E402
from moto_server import moto_server  # noqa: E402

RUNNER = Path(__file__).with_name("learn_runner.py")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def calls() -> list[dict]:
    orders = str(EXAMPLES / "orders-api" / "fixed")
    media = str(EXAMPLES / "media-pipeline" / "fixed" / "src")
    click = base64.b64encode(json.dumps({"page": "/home", "weight": 2}).encode()).decode()
    return [
        {"code_dir": orders, "module": "handlers.create_order", "function": "handler", "name": "createOrder",
         "env": {"TABLE_NAME": "orders-dev"},
         "event": {"httpMethod": "POST", "path": "/orders", "headers": {}, "requestContext": {"requestId": "r1"},
                   "body": json.dumps({"customer": "c-1", "items": ["book"]})}},
        {"code_dir": orders, "module": "handlers.payment_worker", "function": "handler", "name": "paymentWorker",
         "env": {"STRIPE_KEY_PARAMETER": "/orders/stripe-secret-key"},
         "event": {"Records": [{"messageId": "m1", "eventSource": "aws:sqs", "body": json.dumps(
             {"amount": 5, "settings": "currency: eur"})}]}},
        {"code_dir": media, "module": "analytics", "function": "handler", "name": "AnalyticsFunction",
         "env": {"TABLE": "metrics"},
         "event": {"Records": [{"eventSource": "aws:kinesis", "kinesis": {"data": click}}]}},
    ]


def seed(endpoint: str) -> None:
    import boto3

    dynamodb = boto3.client("dynamodb", endpoint_url=endpoint)
    for table, key in (("orders-dev", "id"), ("metrics", "page")):
        dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": key, "KeyType": "HASH"}])
    boto3.client("ssm", endpoint_url=endpoint).put_parameter(
        Name="/orders/stripe-secret-key", Value="sk_test_x", Type="SecureString")


def run(tmp_path: Path, mode: str, sections: dict, endpoint: str) -> dict:
    spec = tmp_path / f"spec-{mode}.json"
    spec.write_text(json.dumps({"mode": mode, "sections": sections, "calls": calls()}))
    # One attempt per call: the control run's refused connections must not wait through SDK retries.
    env = {**os.environ, **AWS_ENV, "AWS_ENDPOINT_URL": endpoint, "AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard"}
    process = subprocess.run([sys.executable, str(RUNNER), str(spec)], capture_output=True, text=True,
                             timeout=180, env=env, cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout.strip().splitlines()[-1])


@pytest.fixture
def aws(monkeypatch):
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    with moto_server() as endpoint:
        seed(endpoint)
        yield endpoint


def test_learned_allow_lists_let_the_examples_run_in_block_mode(tmp_path, aws, capsys):
    tmp_root = tmp_path / "tmp"
    tmp_root.mkdir()
    base = {"tmp": {"root": str(tmp_root)}, "files": {"write_allow": [f"{tmp_root}/**"]}}
    # Control: block mode with no learned allow-list refuses the calls to the AWS endpoint (here moto).
    control = run(tmp_path, "block", base, aws)
    refused = [e for e in control["events"] if e["type"] == "sandbox" and e["action"] == "blocked"]
    assert refused and all(e["rule_id"] == "FGS-EGRESS" for e in refused)
    assert not all(o["ok"] for o in control["outputs"])
    learned = run(tmp_path, "learn", {**base, "learn": {"enabled": True}}, aws)
    assert all(o["ok"] for o in learned["outputs"]), learned["outputs"]
    profiles = sorted(str(p) for p in tmp_root.glob("fnguard-profile-*.json"))
    assert len(profiles) == 3
    config = tmp_path / "fnguard.yml"
    assert cli(["learn", "merge", *profiles, "--output", str(config)]) == 0
    import yaml

    sections = yaml.safe_load(config.read_text())
    assert sections["mode"] == "block" and any(e.startswith("127.0.0.1:") for e in sections["egress"]["allow"])
    sections["tmp"] = base["tmp"]
    sections["files"]["write_allow"] = sections["files"]["write_allow"] + base["files"]["write_allow"]
    enforced = run(tmp_path, "block", sections, aws)
    assert all(o["ok"] for o in enforced["outputs"]), enforced["outputs"]
    assert not [e for e in enforced["events"] if e["type"] == "sandbox"], enforced["events"]
    assert cli(["learn", "diff", *profiles, "--config", str(config)]) == 0
    capsys.readouterr()
    # IAM: the observed policy is never broader than the static least-privilege one.
    create_order = next(p for p in profiles if p.endswith("createOrder.json"))
    assert cli(["learn", "policy", create_order, "--app", str(EXAMPLES / "orders-api" / "fixed"),
                "--function", "createOrder"]) == 0
    observed = json.loads(capsys.readouterr().out)
    observed_actions = {a for s in observed["Statement"] for a in s["Action"]}
    assert "dynamodb:PutItem" in observed_actions
    from fnguard.iam import generate
    from fnguard.load import load_path

    (app,) = load_path(EXAMPLES / "orders-api" / "fixed")
    function = app.function("createOrder")
    static = generate.least_privilege(app, function, generate.function_needs(app, function))
    static_actions = {a for s in static for a in s.actions}
    assert observed_actions <= static_actions
    assert all(s["Resource"] != ["*"] for s in observed["Statement"])
