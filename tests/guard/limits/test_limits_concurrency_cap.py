"""Opt-in: over budget in block mode, the guard caps reserved concurrency through the Lambda API."""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from fnguard import protect  # noqa: E402
from fnguard.guard.limits.stage import LimitsStage  # noqa: E402
from moto_server import moto_server  # noqa: E402


@pytest.fixture
def aws_env(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def _create_function(endpoint: str) -> None:
    import boto3

    iam = boto3.client("iam", endpoint_url=endpoint)
    role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("app.py", "def handler(event, context):\n    return 1\n")
    boto3.client("lambda", endpoint_url=endpoint).create_function(
        FunctionName="orders", Runtime="python3.12", Role=role, Handler="app.handler",
        Code={"ZipFile": archive.getvalue()})


class Context:
    memory_limit_in_mb = 10240
    aws_request_id = "req-1"


def test_budget_breach_caps_reserved_concurrency(aws_env, event_lines):
    import boto3

    with moto_server() as endpoint:
        _create_function(endpoint)

        def handler(event, context):
            return {"statusCode": 200, "body": "ok"}

        guard = protect(mode="block", config={"function": "orders"})(handler)
        limits = {"spend": {"hourly_usd": 1e-9, "cap_concurrency": 2, "lambda_endpoint": endpoint}}
        guard.stages.insert(0, LimitsStage(limits, mode="block", emit=guard.emit, function_name=guard.function_name))
        from guard_helpers import sample

        event = sample("apiGatewayProxyEvent.json")
        assert guard(event, Context())["statusCode"] == 200  # the first call is what breaches the budget
        assert event_lines.of_type("concurrency_capped")
        assert guard(event, Context())["statusCode"] == 429  # then load is shed
        client = boto3.client("lambda", endpoint_url=endpoint)
        assert client.get_function_concurrency(FunctionName="orders")["ReservedConcurrentExecutions"] == 2
