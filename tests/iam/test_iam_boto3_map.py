"""boto3 method → IAM actions, including helpers, conditional actions and the fallback."""

from __future__ import annotations

import pytest

from fnguard.iam import boto3_map


def actions(service: str, method: str, present: frozenset[str] | None = None) -> list[str]:
    needs = boto3_map.method_actions(service, method, present)
    assert needs is not None, f"{service}.{method} unmapped"
    return sorted(n.action for n in needs)


@pytest.mark.parametrize(("service", "method", "expected"), [
    ("dynamodb", "put_item", ["dynamodb:PutItem"]),
    ("s3", "list_objects_v2", ["s3:ListBucket"]),
    ("s3", "head_object", ["s3:GetObject"]),
    ("s3", "upload_file", ["s3:PutObject"]),
    ("s3", "download_fileobj", ["s3:GetObject"]),
    ("lambda", "invoke", ["lambda:InvokeFunction"]),
    ("lambda", "invoke_with_response_stream", ["lambda:InvokeFunction"]),
    ("sqs", "delete_message_batch", ["sqs:DeleteMessage"]),  # the reference map's error, corrected
    ("stepfunctions", "start_execution", ["states:StartExecution"]),
    ("cloudwatch", "put_metric_data", ["cloudwatch:PutMetricData"]),
    ("cognito-idp", "admin_get_user", ["cognito-idp:AdminGetUser"]),
    ("secretsmanager", "get_secret_value", ["secretsmanager:GetSecretValue"]),
    ("sts", "get_caller_identity", []),  # needs no permission
])
def test_known_methods(service: str, method: str, expected: list[str]) -> None:
    assert actions(service, method) == expected


def test_conditional_actions_follow_the_call_keywords() -> None:
    assert actions("s3", "copy_object") == ["s3:GetObject", "s3:PutObject"]
    assert "s3:PutObjectAcl" in actions("s3", "copy_object", frozenset({"ACL"}))
    assert "iam:PassRole" not in actions("events", "put_rule", frozenset({"Name"}))
    assert "iam:PassRole" in actions("events", "put_rule", frozenset({"Name", "RoleArn"}))


def test_resource_params_are_known() -> None:
    need = boto3_map.method_actions("dynamodb", "get_item")[0]  # type: ignore[index]
    assert need.params == ("TableName",)
    need = boto3_map.method_actions("s3", "get_object")[0]  # type: ignore[index]
    assert need.params == ("Bucket", "Key")


def test_unknown_methods_are_none_not_guessed() -> None:
    assert boto3_map.method_actions("s3", "no_such_method") is None
    assert boto3_map.method_actions("nosuchservice", "get") is None


def test_prefixes_and_waiters() -> None:
    assert boto3_map.service_prefix("stepfunctions") == "states"
    assert boto3_map.service_prefix("cloudwatch") == "cloudwatch"
    assert boto3_map.waiter_method("dynamodb", "table_exists") == "describe_table"


def test_coverage_of_serverless_services_stays_high() -> None:
    """Regression guard on the figures reported in the issue note (needs botocore)."""
    pytest.importorskip("botocore")
    from pathlib import Path

    from fnguard.iam import coverage

    ref = Path(__file__).resolve().parents[3] / "shared" / "data" / "iam" / "map.json.gz"
    if not ref.is_file():
        pytest.skip("reference map not available")
    reference = coverage._reference(ref)
    for service in ("s3", "dynamodb", "sqs", "lambda"):
        measured = coverage.measure(service, reference)
        # Judged against the operations botocore had when the data was built: a newer botocore
        # (a fresh install) adds operations the shipped data cannot know yet.
        built = boto3_map._data()["services"][service]["operations"]
        assert (measured.mapped + measured.fallback) / built >= 0.95, (service, measured.unresolved)
        assert measured.agreement >= 0.9


def test_hand_written_overrides_name_real_actions() -> None:
    from fnguard.iam import catalog

    for service, methods in boto3_map.OVERRIDES.items():
        for method, needs in methods.items():
            for need in needs:
                assert catalog.lookup(need.action) is not None, (service, method, need.action)
    assert actions("bedrock-runtime", "converse") == ["bedrock:InvokeModel"]


def test_put_object_with_an_acl_needs_put_object_acl() -> None:
    """Serverless-Goat writes objects public-read: PutObject alone would fail (AWS S3 docs)."""
    assert actions("s3", "put_object", frozenset({"Bucket", "Key", "ACL"})) == ["s3:PutObject", "s3:PutObjectAcl"]
    assert actions("s3", "put_object", frozenset({"Bucket", "Key"})) == ["s3:PutObject"]
