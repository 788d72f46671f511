"""``fnguard policy``: formats, errors, and each example app's generated policy, action by action."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from fnguard.cli import main

SUB = "Fn::Sub"
TABLE = {SUB: "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${OrdersTable}"}
REPORTS = {SUB: "arn:${AWS::Partition}:s3:::${ReportsBucket}/reports/*"}

# What each example handler calls, read from its code: {function: {action: [resources]}}.
ORDERS_VULNERABLE = {
    "createOrder": {"dynamodb:PutItem": [TABLE]},
    "getOrder": {"dynamodb:PartiQLSelect": [TABLE]},  # a SELECT statement: no Insert/Update/Delete
    "exportReport": {"s3:PutObject": [REPORTS]},  # upload_file under reports/
    "paymentWorker": {},
    "webhook": {},
}
EXPECTED = {
    "orders-api/vulnerable": ORDERS_VULNERABLE,
    "orders-api/sam-vulnerable": ORDERS_VULNERABLE,
    "orders-api/fixed": {
        **ORDERS_VULNERABLE,
        "paymentWorker": {"ssm:GetParameter": [
            {SUB: "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/orders/stripe-secret-key"}]},
    },
    "media-pipeline/vulnerable": {
        "UploadUrlFunction": {"s3:PutObject": [{SUB: "arn:${AWS::Partition}:s3:::${MediaBucket}/*"}]},  # presigned
        "ThumbnailFunction": {
            "s3:GetObject": [{SUB: "arn:${AWS::Partition}:s3:::${MediaBucket}/*"}],  # the S3 trigger's bucket
            "s3:PutObject": [{SUB: "arn:${AWS::Partition}:s3:::${MediaBucket}/thumbnails/*"}],
        },
        "AnalyticsFunction": {},
        "CleanupFunction": {  # BUCKET is not set for it: the code's default "media" is what it uses
            "s3:ListBucket": [{SUB: "arn:${AWS::Partition}:s3:::media"}],
            "s3:DeleteObject": [{SUB: "arn:${AWS::Partition}:s3:::media/*"}],
        },
    },
    "media-pipeline/fixed": {
        "UploadUrlFunction": {"s3:PutObject": [{SUB: "arn:${AWS::Partition}:s3:::${MediaBucket}/uploads/*"}]},
        "ThumbnailFunction": {
            "s3:GetObject": [{SUB: "${MediaBucket.Arn}/uploads/*"}],  # the grant is narrower than the code's key
            "s3:PutObject": [{SUB: "arn:${AWS::Partition}:s3:::${MediaBucket}/thumbnails/*"}],
        },
        "AnalyticsFunction": {"dynamodb:UpdateItem": [
            {SUB: "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${MetricsTable}"}]},
        "CleanupFunction": {
            "s3:ListBucket": [{SUB: "arn:${AWS::Partition}:s3:::${MediaBucket}"}],
            "s3:DeleteObject": [{SUB: "${MediaBucket.Arn}/thumbnails/*"}],
        },
    },
}


def policies(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    assert main(["policy", str(path), *extra]) == 0
    return json.loads(capsys.readouterr().out)


def flatten(document: dict) -> dict[str, list]:
    out: dict[str, list] = {}
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        for action in statement["Action"]:
            out.setdefault(action, []).extend(statement["Resource"])
    return out


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_policies_action_by_action(examples: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    if not (examples / name).is_dir():
        pytest.skip(f"example {name} not present")
    doc = policies(examples / name, capsys)
    assert set(doc["functions"]) == set(EXPECTED[name])
    for function, expected in EXPECTED[name].items():
        document = doc["functions"][function]
        assert document["Version"] == "2012-10-17"
        assert flatten(document) == expected, function


def test_function_filter_and_unknown_function(examples: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = policies(examples / "orders-api/vulnerable", capsys, "--function", "createOrder")
    assert list(doc["functions"]) == ["createOrder"]
    assert main(["policy", str(examples / "orders-api/vulnerable"), "--function", "nope"]) == 2
    assert "no function named 'nope'" in capsys.readouterr().err


def test_serverless_and_sam_blocks(examples: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", str(examples / "orders-api/vulnerable"), "--format", "serverless"]) == 0
    sls = yaml.safe_load(capsys.readouterr().out)
    assert sls["functions"]["createOrder"]["iamRoleStatements"][0]["Action"] == ["dynamodb:PutItem"]
    assert main(["policy", str(examples / "orders-api/sam-vulnerable"), "--format", "sam"]) == 0
    sam = yaml.safe_load(capsys.readouterr().out)
    policies_ = sam["Resources"]["createOrder"]["Properties"]["Policies"]
    assert policies_[0]["Statement"][0]["Resource"] == [TABLE]
    assert main(["policy", str(examples / "orders-api/vulnerable"), "--format", "yaml"]) == 0
    assert "createOrder" in yaml.safe_load(capsys.readouterr().out)["functions"]


def test_bad_path_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err


def test_unresolved_calls_are_warned(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "app.py").write_text("import boto3\ndef handler(e, c):\n    boto3.client(e['s']).go()\n")
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Runtime: python3.12\n      Handler: app.handler\n      CodeUri: .\n")
    assert main(["policy", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["functions"]["Fn"]["Statement"] == []
    assert "unresolved call" in captured.err


def test_functions_without_readable_code_are_skipped_not_emptied(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Js:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Runtime: nodejs20.x\n      Handler: index.handler\n      CodeUri: .\n"
        "      Policies: [AmazonS3ReadOnlyAccess]\n")
    assert main(["policy", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"functions": {}}
    assert "Js: skipped" in captured.err


def test_unscoped_statements_are_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "app.py").write_text("import boto3\ndef handler(e, c):\n    boto3.client('s3').get_object(Bucket=e['b'], Key='k')\n")
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Runtime: python3.12\n      Handler: app.handler\n      CodeUri: .\n")
    assert main(["policy", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["functions"]["Fn"]["Statement"][0]["Resource"] == ["*"]
    assert "s3:GetObject left on Resource '*'" in captured.err and "app.py:3" in captured.err
