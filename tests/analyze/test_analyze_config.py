"""Configuration rules (FG430–FG436) on small serverless.yml and SAM/CloudFormation templates."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from fnguard.analyze import ScanContext, config
from fnguard.analyze.secrets_patterns import classify, name_says_secret
from fnguard.load import load_path
from fnguard.model import Finding

TODAY = "2026-11-28"


def run(tmp_path: Path, files: dict[str, str], check) -> list[Finding]:  # type: ignore[no-untyped-def]
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    return [f for app in load_path(tmp_path) for f in check(app, ScanContext(config={"today": TODAY}))]


def sls(provider_extra: str = "", function_extra: str = "", runtime: str = "python3.12") -> dict[str, str]:
    return {"serverless.yml": (
        "service: demo\nprovider:\n  name: aws\n  runtime: " + runtime + "\n"
        + textwrap.indent(textwrap.dedent(provider_extra), "  ")
        + "functions:\n  worker:\n    handler: app.handler\n"
        + textwrap.indent(textwrap.dedent(function_extra), "    ")
    )}


def sam(properties: str = "", runtime: str = "python3.12", head: str = "", resources: str = "") -> dict[str, str]:
    return {"template.yaml": (
        'AWSTemplateFormatVersion: "2010-09-09"\nTransform: AWS::Serverless-2016-10-31\n'
        + textwrap.dedent(head)
        + "Resources:\n  Worker:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        + f"      Handler: app.handler\n      Runtime: {runtime}\n      CodeUri: .\n"
        + textwrap.indent(textwrap.dedent(properties), "      ")
        + textwrap.indent(textwrap.dedent(resources), "  ")
    )}


# ---------------------------------------------------------------------------------------- FG430

@pytest.mark.parametrize("name,value,severity", [
    ("DB_PASSWORD", "s3cr3t-Passw0rd!", "high"),
    ("UPSTREAM", "AKIAZ7Q3R5T6Y8U2W4E6", "high"),  # an AWS key id under an innocent name
    ("SIGNING", "c2VjcmV0LXNpZ25pbmcta2V5LWZvci1tZWRpYS11cGxvYWRz", "high"),  # high entropy
    ("FAUNADB_SECRET", "YOUR-SECRET-HERE", "low"),  # a placeholder: the practice, not a leak
    ("access_key", "AKIAIOSFODNN7EXAMPLE", "medium"),  # AWS's documentation example
])
@pytest.mark.parametrize("form", ["serverless", "sam"])
def test_fg430_secret_in_environment(tmp_path: Path, form: str, name: str, value: str, severity: str) -> None:
    env = f"environment:\n  {name}: '{value}'\n" if form == "serverless" else \
        f"Environment:\n  Variables:\n    {name}: '{value}'\n"
    files = sls(function_extra=env) if form == "serverless" else sam(env)
    found = run(tmp_path, files, config.env_secrets)
    assert [(f.rule_id, f.severity) for f in found] == [("FG430", severity)]
    text = (tmp_path / next(iter(files))).read_text().splitlines()
    assert name in text[found[0].line - 1], "the finding points at the variable's own line"


@pytest.mark.parametrize("value", [
    "${ssm:/demo/db-password}",
    "{{resolve:secretsmanager:demo/db:SecretString:password}}",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:demo",
])
def test_fg430_references_are_fine(tmp_path: Path, value: str) -> None:
    files = sls(function_extra=f"environment:\n  DB_PASSWORD: '{value}'\n  TABLE: orders-dev-123456789012\n")
    assert run(tmp_path, files, config.env_secrets) == []


def test_fg430_provider_variable_is_reported_once_at_its_line(tmp_path: Path) -> None:
    files = sls(provider_extra="environment:\n  API_TOKEN: 'x9Fk2LmQ7pR4sT1v'\n")
    files["serverless.yml"] += "  other:\n    handler: app.other\n"
    found = run(tmp_path, files, config.env_secrets)
    assert len(found) == 1 and found[0].line == 6
    assert sorted(found[0].details["functions"]) == ["other", "worker"]


def test_fg430_deploy_time_env_copy_is_medium(tmp_path: Path) -> None:
    files = sls(function_extra="environment:\n  MONGO_DB_PASS: ${env:MONGO_DB_PASS_UNSET_FOR_TEST}\n")
    found = run(tmp_path, files, config.env_secrets)
    assert [f.severity for f in found] == ["medium"]


def test_secret_names() -> None:
    assert name_says_secret("DB_PASSWORD") and name_says_secret("stripeSecretKey") and name_says_secret("API_KEY")
    assert not name_says_secret("SECRET_ARN") and not name_says_secret("TOKEN_URL")
    assert not name_says_secret("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT")
    assert classify("RECEIPTS_BUCKET", "dvsa-receipts-bucket-123456789012-us-east-1") is None


# ---------------------------------------------------------------------------------------- FG431

@pytest.mark.parametrize("parameter,expected", [
    ("  DbPassword:\n    Type: String\n    NoEcho: true\n    Default: Sup3rS3cret!\n", ["high"]),
    ("  DbPassword:\n    Type: String\n    NoEcho: true\n", []),
    ("  DbPasswordParam:\n    Type: String\n    Default: /demo/db-password\n", []),
])
def test_fg431_parameter_default_secret(tmp_path: Path, parameter: str, expected: list[str]) -> None:
    files = sam(head="Parameters:\n" + parameter)
    found = run(tmp_path, files, config.parameter_default_secrets)
    assert [f.severity for f in found] == expected
    if found:
        lines = (tmp_path / "template.yaml").read_text().splitlines()
        assert "Default:" in lines[found[0].line - 1] and found[0].file.endswith("template.yaml")


# ---------------------------------------------------------------------------------------- FG432

@pytest.mark.parametrize("runtime,state", [("python3.8", "deprecated"), ("nodejs20.x", "deprecated"),
                                           ("python3.11", None), ("python3.13", None)])
@pytest.mark.parametrize("form", ["serverless", "sam"])
def test_fg432_deprecated_runtime(tmp_path: Path, form: str, runtime: str, state: str | None) -> None:
    files = sls(runtime=runtime) if form == "serverless" else sam(runtime=runtime)
    found = run(tmp_path, files, config.deprecated_runtimes)
    assert [f.details["state"] for f in found] == ([state] if state else [])
    if found:
        assert found[0].severity == "medium" and "runtime" in found[0].remediation.lower()
        assert runtime in (tmp_path / next(iter(files))).read_text().splitlines()[found[0].line - 1]


def test_runtime_calendar_soon_window() -> None:
    assert config.runtime_status("python3.11", dt.date(2027, 3, 1))[0] == "soon"
    assert config.runtime_status("python3.11", dt.date(2026, 1, 1)) is None
    assert config.runtime_status("python3.9", dt.date(2026, 1, 1))[0] == "deprecated"
    assert "lambda-runtimes" in config.runtime_calendar()["source"]


# ---------------------------------------------------------------------------------------- FG433

@pytest.mark.parametrize("files,expected", [
    (sls(function_extra="events:\n  - sns: alerts\n"), 1),
    (sls(function_extra="destinations:\n  onFailure: arn:aws:sqs:us-east-1:123456789012:dlq\nevents:\n  - sns: alerts\n"), 0),
    (sls(function_extra="events:\n  - sqs: arn:aws:sqs:us-east-1:123456789012:jobs\n"), 0),
    (sam("Events:\n  Bus:\n    Type: EventBridgeRule\n    Properties:\n      Pattern: {source: [demo]}\n"), 1),
    (sam("DeadLetterQueue: {Type: SQS, TargetArn: arn:aws:sqs:us-east-1:123456789012:dlq}\n"
         "Events:\n  Bus:\n    Type: EventBridgeRule\n    Properties:\n      Pattern: {source: [demo]}\n"), 0),
], ids=["sls-sns", "sls-sns-dlq", "sls-sqs", "sam-eventbridge", "sam-eventbridge-dlq"])
def test_fg433_async_trigger_without_dlq(tmp_path: Path, files: dict[str, str], expected: int) -> None:
    found = run(tmp_path, files, config.async_without_dlq)
    assert len(found) == expected


# ---------------------------------------------------------------------------------------- FG434/435

@pytest.mark.parametrize("files,rules", [
    (sls(), {"FG434", "FG435"}),
    (sls(provider_extra="tracing:\n  lambda: true\n"), {"FG435"}),
    (sam(), {"FG434", "FG435"}),
    (sam("Tracing: Active\nCodeSigningConfigArn: arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-1\n"),
     set()),
], ids=["sls-off", "sls-tracing", "sam-off", "sam-on"])
def test_hardening_rows(tmp_path: Path, files: dict[str, str], rules: set[str]) -> None:
    found = run(tmp_path, files, config.hardening)
    assert {f.rule_id for f in found} == rules
    assert {f.severity for f in found if f.rule_id == "FG434"} <= {"low"}


# ---------------------------------------------------------------------------------------- FG436

@pytest.mark.parametrize("layer,severity", [
    ("arn:aws:lambda:us-east-1:999988887777:layer:random-tools:3", "low"),
    ("arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7", "info"),
    ("arn:aws:lambda:us-east-1:123456789012:layer:ours:1", None),
])
@pytest.mark.parametrize("form", ["serverless", "sam"])
def test_fg436_foreign_layers(tmp_path: Path, form: str, layer: str, severity: str | None) -> None:
    files = sls(function_extra=f"layers:\n  - {layer}\n") if form == "serverless" else sam(f"Layers:\n  - {layer}\n")
    found = run(tmp_path, files, config.foreign_layers)
    assert [f.severity for f in found] == ([severity] if severity else [])
