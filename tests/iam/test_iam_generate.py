"""Least-privilege generation: resources inferred from the template, and its two promises."""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fnguard.iam import generate
from fnguard.model import App, Function, Resource, Statement

RESOURCES = {
    "OrdersTable": Resource("OrdersTable", "AWS::DynamoDB::Table", {"TableName": "orders"}),
    "Site": Resource("Site", "AWS::S3::Bucket", {"BucketName": "site"}),
    "Jobs": Resource("Jobs", "AWS::SQS::Queue", {}),
    "Alerts": Resource("Alerts", "AWS::SNS::Topic", {}),
    "DbSecret": Resource("DbSecret", "AWS::SecretsManager::Secret", {}),
}
ENV = {"TABLE": {"Ref": "OrdersTable"}, "BUCKET": {"Ref": "Site"}, "QUEUE": {"Ref": "Jobs"},
       "TOPIC": {"Ref": "Alerts"}, "SECRET": {"Ref": "DbSecret"}, "TABLE_ARN": {"Fn::GetAtt": ["OrdersTable", "Arn"]}}
TABLE_ARN = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${OrdersTable}"


def make(tmp: Path, body: str, statements: tuple[Statement, ...] = ()) -> tuple[App, Function]:
    code = "import os\nimport boto3\n\ndef handler(event, context):\n" + textwrap.indent(textwrap.dedent(body), "    ")
    (tmp / "app.py").write_text(code)
    function = Function("Fn", "python3.12", "app.handler", str(tmp), str(tmp / "app.py"),
                        environment=ENV, statements=statements)
    app = App("t", str(tmp / "template.yaml"), "sam", str(tmp), functions=(function,), resources=RESOURCES)
    return app, function


def test_env_ref_narrows_to_the_tables_arn(tmp_path: Path) -> None:
    app, fn = make(tmp_path, """
        boto3.resource("dynamodb").Table(os.environ["TABLE"]).put_item(Item=event)
        boto3.client("sqs").send_message(QueueUrl=os.environ["QUEUE"], MessageBody="x")
        boto3.client("sns").publish(TopicArn=os.environ["TOPIC"], Message="m")
        boto3.client("s3").get_object(Bucket=os.environ["BUCKET"], Key="a/b.json")
        boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["SECRET"])
        boto3.client("sts").get_caller_identity()
        boto3.client("ses").send_email(Source="a", Destination={}, Message={})
    """)
    needs = generate.function_needs(app, fn)
    got = {n.action: n.resources for n in needs.needs}
    assert got == {
        "dynamodb:PutItem": (TABLE_ARN,),
        "sqs:SendMessage": ("${Jobs.Arn}",),
        "sns:Publish": ("${Alerts}",),
        "s3:GetObject": ("arn:${AWS::Partition}:s3:::${Site}/a/b.json",),
        "secretsmanager:GetSecretValue": ("${DbSecret}",),
        "ses:SendEmail": ("*",),
    }
    doc = generate.policy_document(generate.least_privilege(app, fn, needs))
    resources = [r for s in doc["Statement"] for r in s["Resource"]]
    assert {"Fn::Sub": TABLE_ARN} in resources
    assert {"Fn::GetAtt": ["Jobs", "Arn"]} in resources
    assert {"Ref": "Alerts"} in resources


def test_literal_physical_name_maps_to_the_template_resource(tmp_path: Path) -> None:
    app, fn = make(tmp_path, 'boto3.resource("dynamodb").Table("orders").get_item(Key={})\n')
    assert generate.function_needs(app, fn).needs[0].resources == (TABLE_ARN,)


def test_granted_narrower_resource_is_kept_when_code_resource_is_unknown(tmp_path: Path) -> None:
    granted = (Statement("Allow", ("dynamodb:GetItem",), resources=("arn:aws:dynamodb:us-east-1:1:table/exact",)),)
    app, fn = make(tmp_path, 'boto3.resource("dynamodb").Table(event["t"]).get_item(Key={})\n', granted)
    statements = generate.least_privilege(app, fn, generate.function_needs(app, fn))
    assert [(s.actions, s.resources) for s in statements] == [
        (("dynamodb:GetItem",), ("arn:aws:dynamodb:us-east-1:1:table/exact",))]


def test_not_granted_need_is_still_included(tmp_path: Path) -> None:
    granted = (Statement("Allow", ("s3:GetObject",), resources=("arn:aws:s3:::other/*",)),)
    app, fn = make(tmp_path, 'boto3.client("s3").get_object(Bucket=os.environ["BUCKET"], Key="k")\n', granted)
    statements = generate.least_privilege(app, fn, generate.function_needs(app, fn))
    assert statements[0].resources == ("arn:${AWS::Partition}:s3:::${Site}/k",)


# -- the two promises, as a property over generated handlers and grants -----------------------
CALLS = [
    'boto3.resource("dynamodb").Table(os.environ["TABLE"]).put_item(Item=event)',
    'boto3.resource("dynamodb").Table(event["name"]).get_item(Key={})',
    'boto3.client("dynamodb").query(TableName=os.environ["TABLE"], IndexName="byUser")',
    'boto3.client("s3").upload_file("/tmp/x", os.environ["BUCKET"], "x")',
    'boto3.client("s3").get_object(Bucket=event["b"], Key="k")',
    'boto3.resource("s3").Bucket(os.environ["BUCKET"]).objects.all()',
    'boto3.client("sqs").send_message(QueueUrl=os.environ["QUEUE"], MessageBody="m")',
    'boto3.client("sns").publish(TopicArn=os.environ["TOPIC"], Message="m")',
    'boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["SECRET"])',
    'boto3.client("lambda").invoke(FunctionName="worker")',
    'boto3.client("ses").send_email(Source="a", Destination={}, Message={})',
    'boto3.client("kms").decrypt(CiphertextBlob=b"")',
]
GRANTS = [
    Statement("Allow", ("*",), resources=("*",)),
    Statement("Allow", ("dynamodb:*",), resources=("*",)),
    Statement("Allow", ("dynamodb:GetItem", "dynamodb:PutItem"), resources=("${OrdersTable.Arn}",)),
    Statement("Allow", ("dynamodb:GetItem",), resources=("arn:aws:dynamodb:us-east-1:1:table/exact",)),
    Statement("Allow", ("s3:GetObject", "s3:PutObject"), resources=("arn:aws:s3:::site-bucket/*",)),
    Statement("Allow", ("s3:*",), resources=("arn:${AWS::Partition}:s3:::${Site}/*",)),
    Statement("Allow", ("sqs:SendMessage", "sns:Publish"), resources=("*",)),
    Statement("Allow", ("secretsmanager:GetSecretValue",), resources=("${DbSecret}",)),
    Statement("Deny", ("s3:PutObject",), resources=("*",)),
    Statement("Allow", ("kms:Decrypt",), resources=("arn:aws:kms:us-east-1:1:key/abc",)),
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls=st.lists(st.sampled_from(CALLS), min_size=1, max_size=6, unique=True),
       grants=st.lists(st.sampled_from(GRANTS), max_size=4, unique=True))
def test_generated_policy_includes_every_need_and_is_never_broader(calls: list[str], grants: list[Statement]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app, fn = make(Path(tmp), "\n".join(calls) + "\n", tuple(grants))
        needs = generate.function_needs(app, fn)
        generated = generate.least_privilege(app, fn, needs)
    assert needs.needs, calls
    for need in needs.needs:
        # 1. every needed action is in the generated policy, on every resource it was found on.
        for resource in need.resources:
            assert generate.allowed_in_app(generated, need.action, None if resource == "*" else resource, app), (
                need, generated)
        # 2. where the grant already allows the need, the generated grant stays inside it.
        already = all(
            generate.allowed_in_app(fn.statements, need.action, None if r == "*" else r, app) for r in need.resources)
        if already:
            for statement in generated:
                if need.action in statement.actions:
                    for resource in statement.resources:
                        assert generate.allowed_in_app(fn.statements, need.action, resource, app), (
                            need, resource, grants)


def test_operations_newer_than_the_map_still_get_resources(tmp_path: Path) -> None:
    app, fn = make(tmp_path, 'boto3.client("bedrock-runtime").invoke_model(modelId="amazon.titan-text-lite-v1", body="{}")\n')
    need = generate.function_needs(app, fn).needs[0]
    assert need.action == "bedrock:InvokeModel"
    assert need.resources == ("arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/amazon.titan-text-lite-v1",)


def test_names_and_keys_built_from_environment_values(tmp_path: Path) -> None:
    app, fn = make(tmp_path, 'boto3.client("s3").put_object(Bucket=f"{os.environ[\'STAGE\']}-site", '
                             'Key=os.environ["PREFIX"] + "/" + event["name"], Body=b"")\n')
    fn = Function(fn.name, fn.runtime, fn.handler, fn.code_dir, fn.handler_file,
                  environment={"STAGE": "prod", "PREFIX": "uploads"})
    app = App(app.name, app.source, app.format, app.root, (fn,),
              {"Site": Resource("Site", "AWS::S3::Bucket", {"BucketName": "prod-site"})})
    assert generate.function_needs(app, fn).needs[0].resources == ("arn:${AWS::Partition}:s3:::${Site}/uploads/*",)
