"""AWS managed policies shipped as data: lookup by ARN, names for SAM, unknown ARNs."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from fnguard.iam.managed import arn_for_name, lookup, name_to_arn_map, policy_name

REPO = Path(__file__).resolve().parents[2]
COMMON = (
    "AdministratorAccess", "PowerUserAccess", "AmazonS3FullAccess", "AmazonS3ReadOnlyAccess",
    "AmazonDynamoDBFullAccess", "AWSLambda_FullAccess", "AWSLambdaRole", "AWSLambdaExecute",
    "AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole", "AWSLambdaDynamoDBExecutionRole",
    "AWSLambdaKinesisExecutionRole", "AWSLambdaSQSQueueExecutionRole", "AmazonSESFullAccess",
    "AmazonSNSFullAccess", "AmazonSQSFullAccess", "AmazonCognitoPowerUser", "CloudWatchLogsFullAccess",
    "AWSXRayDaemonWriteAccess", "AWSStepFunctionsFullAccess", "SecretsManagerReadWrite",
    "AmazonKinesisFullAccess", "AmazonEventBridgeFullAccess", "IAMFullAccess",
)


def _data() -> dict:
    return json.loads(resources.files("fnguard").joinpath("data/managed_policies.json").read_text())


def test_administrator_access_is_everything() -> None:
    statements = lookup("arn:aws:iam::aws:policy/AdministratorAccess")
    assert statements is not None and len(statements) == 1
    assert statements[0].actions == ("*",) and statements[0].resources == ("*",)
    assert statements[0].source == "managed:arn:aws:iam::aws:policy/AdministratorAccess"


def test_basic_execution_role_needs_its_service_role_path() -> None:
    arn = arn_for_name("AWSLambdaBasicExecutionRole")
    assert arn == "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    statements = lookup(arn)
    assert statements is not None
    assert set(statements[0].actions) == {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}


def test_power_user_uses_not_action() -> None:
    statements = lookup("arn:aws:iam::aws:policy/PowerUserAccess") or []
    assert any("iam:*" in s.not_actions for s in statements)


@pytest.mark.parametrize("name", COMMON)
def test_common_policies_are_shipped(name: str) -> None:
    arn = arn_for_name(name)
    assert arn is not None and arn.endswith(f"/{name}")
    statements = lookup(arn)
    assert statements, f"{name} has no statements"


def test_other_partitions_and_sub_form_resolve() -> None:
    assert lookup("arn:aws-cn:iam::aws:policy/AmazonS3ReadOnlyAccess") is not None
    assert policy_name("arn:${AWS::Partition}:iam::aws:policy/AmazonSQSFullAccess") == "AmazonSQSFullAccess"


def test_unknown_arns_say_so() -> None:
    assert lookup("arn:aws:iam::aws:policy/NoSuchPolicyAtAll") is None
    assert lookup("arn:aws:iam::123456789012:policy/CustomerManaged") is None
    assert lookup("not an arn") is None
    # A real AWS policy we know by name but do not ship the document of.
    assert "AmazonEC2FullAccess" in name_to_arn_map()


def test_every_managed_policy_of_the_corpus_is_shipped(corpus: Path) -> None:
    import re

    referenced: set[str] = set()
    for path in (corpus / "apps").rglob("*.y*ml"):
        referenced.update(re.findall(r"iam::aws:policy/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)", path.read_text(errors="replace")))
    assert referenced
    shipped = _data()["policies"]
    assert sorted(referenced - set(shipped)) == []


def test_data_file_names_its_source_and_licence() -> None:
    data = _data()
    assert "moto" in data["source"] and "Apache-2.0" in data["licence"]


def test_build_script_reproduces_the_data(tmp_path: Path) -> None:
    pytest.importorskip("moto")
    output = tmp_path / "managed.json"
    subprocess.run([sys.executable, str(REPO / "scripts" / "build_managed_policies.py"), "--output", str(output)],
                   check=True, capture_output=True)
    built = json.loads(output.read_text())
    assert set(COMMON) <= set(built["policies"])
    assert built["policies"]["AdministratorAccess"] == _data()["policies"]["AdministratorAccess"]


def test_policy_document_given_as_a_json_string() -> None:
    from fnguard.iam.managed import statements_from_policy_document
    from fnguard.model import Location

    text = '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}}'
    statements = statements_from_policy_document(text, "inline:p", Location())
    assert [(s.actions, s.resources) for s in statements] == [(("sqs:*",), ("*",))]
    assert statements_from_policy_document("not json", "inline:p", Location()) == []
