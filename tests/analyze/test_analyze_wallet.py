"""Denial-of-wallet configuration rules (FG501–FG504) on small serverless.yml and SAM templates."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from fnguard.analyze import ScanContext, wallet
from fnguard.load import load_path
from fnguard.model import Finding


def run(tmp_path: Path, files: dict[str, str], check) -> list[Finding]:  # type: ignore[no-untyped-def]
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    return [f for app in load_path(tmp_path) for f in check(app, ScanContext())]


def sls(functions: str, provider: str = "", resources: str = "") -> dict[str, str]:
    text = ("service: demo\nprovider:\n  name: aws\n  runtime: python3.12\n" + textwrap.indent(textwrap.dedent(provider), "  ")
            + "functions:\n" + textwrap.indent(textwrap.dedent(functions), "  "))
    if resources:
        text += "resources:\n  Resources:\n" + textwrap.indent(textwrap.dedent(resources), "    ")
    return {"serverless.yml": text}


def sam(resources: str) -> dict[str, str]:
    return {"template.yaml": 'AWSTemplateFormatVersion: "2010-09-09"\nTransform: AWS::Serverless-2016-10-31\n'
                             "Resources:\n" + textwrap.indent(textwrap.dedent(resources), "  ")}


SAM_FN = """\
Fn:
  Type: AWS::Serverless::Function
  Properties:
    Handler: app.handler
    Runtime: python3.12
    CodeUri: .
{extra}"""


def sam_fn(extra: str, more: str = "") -> dict[str, str]:
    return sam(SAM_FN.format(extra=textwrap.indent(textwrap.dedent(extra), "    ")) + textwrap.dedent(more))


# ---------------------------------------------------------------------------------------- FG501

@pytest.mark.parametrize("files,expected", [
    (sls("api:\n  handler: app.handler\n  events:\n    - httpApi: 'POST /x'\n"), ["high"]),
    (sls("api:\n  handler: app.handler\n  reservedConcurrency: 5\n  events:\n    - httpApi: 'POST /x'\n"), []),
    (sls("api:\n  handler: app.handler\n  events:\n    - sqs: arn:aws:sqs:us-east-1:123456789012:q\n"), []),
    (sam_fn("Events:\n  E: {Type: HttpApi, Properties: {Path: /x, Method: post}}\n"), ["high"]),
    (sam_fn("ReservedConcurrentExecutions: 5\nEvents:\n  E: {Type: HttpApi, Properties: {Path: /x, Method: post}}\n"), []),
    (sam_fn("FunctionUrlConfig: {AuthType: NONE}\n"), ["high"]),
], ids=["sls-open", "sls-reserved", "sls-queue", "sam-open", "sam-reserved", "sam-url"])
def test_fg501_public_entry_without_limits(tmp_path: Path, files: dict[str, str], expected: list[str]) -> None:
    found = run(tmp_path, files, wallet.unbounded_public_entry)
    assert [f.severity for f in found] == expected
    assert all("reserved" in f.remediation.lower() for f in found)


def test_fg501_http_api_stage_throttling_counts(tmp_path: Path) -> None:
    files = sam("""\
        Api:
          Type: AWS::Serverless::HttpApi
          Properties:
            DefaultRouteSettings: {ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40}
        Fn:
          Type: AWS::Serverless::Function
          Properties:
            Handler: app.handler
            Runtime: python3.12
            CodeUri: .
            Events:
              E: {Type: HttpApi, Properties: {Path: /x, Method: post, ApiId: !Ref Api}}
        """)
    assert run(tmp_path, files, wallet.unbounded_public_entry) == []


# ---------------------------------------------------------------------------------------- FG502

@pytest.mark.parametrize("files,expected", [
    (sls("api:\n  handler: app.handler\n  timeout: 60\n  events:\n    - http: {path: x, method: get}\n"), [29]),
    (sls("api:\n  handler: app.handler\n  timeout: 20\n  events:\n    - http: {path: x, method: get}\n"), []),
    (sls("api:\n  handler: app.handler\n  timeout: 60\n  events:\n    - http: {path: x, method: get}\n"
         "    - sqs: arn:aws:sqs:us-east-1:123456789012:q\n"), []),
    (sam_fn("Timeout: 120\nEvents:\n  E: {Type: HttpApi, Properties: {Path: /x, Method: get}}\n"), [30]),
    (sam_fn("Timeout: 120\nFunctionUrlConfig: {AuthType: AWS_IAM}\n"), []),
], ids=["sls-rest-60", "sls-rest-20", "sls-mixed", "sam-httpapi-120", "sam-url-120"])
def test_fg502_timeout_beyond_caller(tmp_path: Path, files: dict[str, str], expected: list[int]) -> None:
    found = run(tmp_path, files, wallet.timeout_beyond_caller)
    assert [f.details["caller_wait"] for f in found] == expected
    for f in found:
        assert "timeout" in (tmp_path / next(iter(files))).read_text().splitlines()[f.line - 1].lower()


# ---------------------------------------------------------------------------------------- FG503

STREAM_RESOURCES = """\
Clicks:
  Type: AWS::Kinesis::Stream
  Properties: {ShardCount: 1}
"""


@pytest.mark.parametrize("files,expected", [
    (sls("reader:\n  handler: app.handler\n  events:\n    - stream: {type: kinesis, arn: !GetAtt Clicks.Arn}\n",
         resources=STREAM_RESOURCES), 1),
    (sls("reader:\n  handler: app.handler\n  events:\n    - stream: {type: kinesis, arn: !GetAtt Clicks.Arn, "
         "maximumRetryAttempts: 3, bisectBatchOnFunctionError: true}\n", resources=STREAM_RESOURCES), 0),
    (sam_fn("Events:\n  S: {Type: Kinesis, Properties: {Stream: !GetAtt Clicks.Arn, StartingPosition: LATEST}}\n",
            STREAM_RESOURCES), 1),
    (sam_fn("Events:\n  S: {Type: Kinesis, Properties: {Stream: !GetAtt Clicks.Arn, StartingPosition: LATEST, "
            "MaximumRetryAttempts: 2}}\n", STREAM_RESOURCES), 0),
], ids=["sls-unbounded", "sls-bounded", "sam-unbounded", "sam-bounded"])
def test_fg503_stream_without_retry_limit(tmp_path: Path, files: dict[str, str], expected: int) -> None:
    found = run(tmp_path, files, wallet.endless_stream_retries)
    assert len(found) == expected
    assert all(f.severity == "medium" and f.line for f in found)


# ---------------------------------------------------------------------------------------- FG504

THUMB_CODE = """\
import os
import boto3

s3 = boto3.client("s3")


def handler(event, context):
    for record in event["Records"]:
        key = record["s3"]["object"]["key"]
        s3.download_file(os.environ["BUCKET"], key, "/tmp/in")
        s3.upload_file("/tmp/in", os.environ["BUCKET"], "{prefix}" + key)
"""
SAM_LOOP = """\
Media:
  Type: AWS::S3::Bucket
  Properties: {{BucketName: demo-media}}
Fn:
  Type: AWS::Serverless::Function
  Properties:
    Handler: app.handler
    Runtime: python3.12
    CodeUri: .
    Environment: {{Variables: {{BUCKET: demo-media}}}}
    Policies:
      - S3CrudPolicy: {{BucketName: demo-media}}
    Events:
      Up:
        Type: S3
        Properties:
          Bucket: !Ref Media
          Events: s3:ObjectCreated:*
{filter}"""
SAM_FILTER = """\
          Filter: {S3Key: {Rules: [{Name: prefix, Value: uploads/}]}}
"""


@pytest.mark.parametrize("prefix,filter_,expected", [
    ("thumbs/", "", ["high"]),              # no filter: every write re-triggers
    ("thumbs/", SAM_FILTER, []),            # writes outside the filtered prefix
    ("uploads/thumbs/", SAM_FILTER, ["high"]),  # writes inside it
])
def test_fg504_s3_loop_sam(tmp_path: Path, prefix: str, filter_: str, expected: list[str]) -> None:
    files = sam(SAM_LOOP.format(filter=filter_))
    files["app.py"] = THUMB_CODE.replace("{prefix}", prefix)
    found = run(tmp_path, files, wallet.recursive_loops)
    assert [f.severity for f in found] == expected
    if found:
        assert found[0].file.endswith("app.py") and found[0].line == 11


def test_fg504_sqs_loop_serverless(tmp_path: Path) -> None:
    files = sls("worker:\n  handler: app.handler\n  environment:\n    QUEUE_URL: !Ref Jobs\n"
                "  events:\n    - sqs: {arn: !GetAtt Jobs.Arn}\n",
                resources="Jobs:\n  Type: AWS::SQS::Queue\n")
    files["app.py"] = ("import os, boto3\nsqs = boto3.client('sqs')\n\ndef handler(event, context):\n"
                       "    sqs.send_message(QueueUrl=os.environ['QUEUE_URL'], MessageBody='again')\n")
    found = run(tmp_path, files, wallet.recursive_loops)
    assert [(f.severity, f.line) for f in found] == [("high", 5)]
    other = tmp_path / "other"
    other.mkdir()
    files["app.py"] = files["app.py"].replace("send_message", "get_queue_attributes")
    assert run(other, files, wallet.recursive_loops) == []


def test_fg504_from_permissions_alone_is_medium(tmp_path: Path) -> None:
    files = sam(SAM_LOOP.format(filter=""))  # no app.py: no code to read
    found = run(tmp_path, files, wallet.recursive_loops)
    assert [(f.severity, f.details["evidence"]) for f in found] == [("medium", "permissions")]


@pytest.mark.parametrize("key_expr,expected", [
    ('key.replace(".raw", ".txt")', []),   # DVSA's receipts: .raw in, .txt out, suffix filter .raw
    ('key + ".raw"', ["high"]),
])
def test_fg504_suffix_filter(tmp_path: Path, key_expr: str, expected: list[str]) -> None:
    suffix = "          Filter: {S3Key: {Rules: [{Name: suffix, Value: .raw}]}}\n"
    files = sam(SAM_LOOP.format(filter=suffix))
    files["app.py"] = THUMB_CODE.replace('"{prefix}" + key', key_expr)
    assert [f.severity for f in run(tmp_path, files, wallet.recursive_loops)] == expected


def test_fg502_tolerates_the_usual_thirty_seconds(tmp_path: Path) -> None:
    files = sam_fn("Timeout: 30\nEvents:\n  E: {Type: Api, Properties: {Path: /x, Method: get}}\n")
    assert run(tmp_path, files, wallet.timeout_beyond_caller) == []


def test_fg501_authenticated_route_without_limits_is_medium(tmp_path: Path) -> None:
    files = sls("api:\n  handler: app.handler\n  events:\n    - http: {path: x, method: post, authorizer: aws_iam}\n")
    found = run(tmp_path, files, wallet.unbounded_public_entry)
    assert [(f.severity, f.details["anonymous"]) for f in found] == [("medium", False)]


def test_fg504_bucket_named_by_the_event_is_the_trigger_bucket(tmp_path: Path) -> None:
    files = sam(SAM_LOOP.format(filter="").replace("    Policies:\n      - S3CrudPolicy: {BucketName: demo-media}\n", ""))
    files["app.py"] = (
        "import boto3\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n"
        "    bucket = event['Records'][0]['s3']['bucket']['name']\n"
        "    key = event['Records'][0]['s3']['object']['key']\n"
        "    s3.put_object(Bucket=bucket, Key=key.split('.')[0] + '.mp3', Body=b'')\n")
    found = run(tmp_path, files, wallet.recursive_loops)
    assert [(f.severity, f.line) for f in found] == [("high", 7)]


CFN_REST = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/r
      Code: {{ZipFile: "def handler(e, c): pass"}}
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {{Name: demo}}
  Post:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: POST
      AuthorizationType: NONE
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub "arn:aws:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/${{Fn.Arn}}/invocations"
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref Api
      StageName: prod
      DeploymentId: d
{settings}"""


@pytest.mark.parametrize("settings,expected", [
    ("", ["high"]),
    ("      MethodSettings: [{HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20}]\n",
     []),
])
def test_fg501_cloudformation_stage_throttling(tmp_path: Path, settings: str, expected: list[str]) -> None:
    files = {"template.yaml": CFN_REST.format(settings=settings)}
    assert [f.severity for f in run(tmp_path, files, wallet.unbounded_public_entry)] == expected


@pytest.mark.parametrize("target,expected", [
    ("context.function_name", [("high", 5)]),
    ("os.environ['AWS_LAMBDA_FUNCTION_NAME']", [("high", 5)]),
    ("'some-other-function'", []),
])
def test_fg504_function_invoking_itself(tmp_path: Path, target: str, expected: list[tuple[str, int]]) -> None:
    files = sls("worker:\n  handler: app.handler\n  events:\n    - schedule: rate(1 hour)\n")
    files["app.py"] = ("import os, boto3\nlam = boto3.client('lambda')\n\ndef handler(event, context):\n"
                       f"    lam.invoke(FunctionName={target}, InvocationType='Event')\n")
    assert [(f.severity, f.line) for f in run(tmp_path, files, wallet.recursive_loops)] == expected


def test_fg504_queue_outside_the_template(tmp_path: Path) -> None:
    files = sls("worker:\n  handler: app.handler\n  environment:\n"
                "    QUEUE_URL: https://sqs.us-east-1.amazonaws.com/123456789012/jobs\n"
                "  events:\n    - sqs: arn:aws:sqs:us-east-1:123456789012:jobs\n")
    files["app.py"] = ("import os, boto3\nsqs = boto3.client('sqs')\n\ndef handler(event, context):\n"
                       "    sqs.send_message(QueueUrl=os.environ['QUEUE_URL'], MessageBody='again')\n")
    assert [f.line for f in run(tmp_path, files, wallet.recursive_loops)] == [5]
