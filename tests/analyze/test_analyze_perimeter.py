"""Perimeter rules (FG101–FG107) on small serverless.yml and SAM/CloudFormation templates, loaded for real."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from fnguard.analyze import ScanContext, perimeter
from fnguard.load import load_path
from fnguard.model import Finding

SLS_HEAD = """\
service: demo
provider:
  name: aws
  runtime: python3.12
"""
SAM_HEAD = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
"""


def run(tmp_path: Path, files: dict[str, str], check) -> list[Finding]:  # type: ignore[no-untyped-def]
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text))
    findings: list[Finding] = []
    for app in load_path(tmp_path):
        findings.extend(check(app, ScanContext()))
    return findings


def sls(body: str) -> dict[str, str]:
    return {"serverless.yml": SLS_HEAD + textwrap.dedent(body)}


def sam(body: str) -> dict[str, str]:
    return {"template.yaml": SAM_HEAD + textwrap.indent(textwrap.dedent(body), "  ")}


# ---------------------------------------------------------------------------------------- FG101/FG102

SLS_OPEN_POST = """\
functions:
  create:
    handler: app.handler
    events:
      - http: {path: items, method: post}
      - http: {path: items, method: get}
"""
SLS_IAM_AUTH = """\
functions:
  create:
    handler: app.handler
    events:
      - http: {path: items, method: post, authorizer: aws_iam}
"""
SAM_OPEN_POST = """\
Fn:
  Type: AWS::Serverless::Function
  Properties:
    Handler: app.handler
    Runtime: python3.12
    CodeUri: .
    Events:
      Create:
        Type: Api
        Properties: {Path: /items, Method: post}
"""
SAM_COGNITO = """\
Pool:
  Type: AWS::Cognito::UserPool
Api:
  Type: AWS::Serverless::Api
  Properties:
    StageName: prod
    Auth:
      DefaultAuthorizer: Cognito
      Authorizers:
        Cognito:
          UserPoolArn: !GetAtt Pool.Arn
Fn:
  Type: AWS::Serverless::Function
  Properties:
    Handler: app.handler
    Runtime: python3.12
    CodeUri: .
    Events:
      Create:
        Type: Api
        Properties: {Path: /items, Method: post, RestApiId: !Ref Api}
"""


@pytest.mark.parametrize("files", [sls(SLS_OPEN_POST), sam(SAM_OPEN_POST)], ids=["serverless", "sam"])
def test_fg101_public_post_without_authorizer_is_high(tmp_path: Path, files: dict[str, str]) -> None:
    found = [f for f in run(tmp_path, files, perimeter.unauthenticated_routes) if f.rule_id == "FG101"]
    post = [f for f in found if f.details["method"] == "POST"]
    assert post and post[0].severity == "high"
    assert post[0].line is not None and post[0].file.endswith((".yml", ".yaml"))
    assert "authorizer" in post[0].remediation.lower() or "auth" in post[0].remediation


def test_fg101_read_only_route_is_medium(tmp_path: Path) -> None:
    found = run(tmp_path, sls(SLS_OPEN_POST), perimeter.unauthenticated_routes)
    assert {f.details["method"]: f.severity for f in found} == {"POST": "high", "GET": "medium"}


@pytest.mark.parametrize("files", [sls(SLS_IAM_AUTH), sam(SAM_COGNITO)], ids=["serverless", "sam"])
def test_fg101_authorized_route_is_not_reported(tmp_path: Path, files: dict[str, str]) -> None:
    assert run(tmp_path, files, perimeter.unauthenticated_routes) == []


@pytest.mark.parametrize("files", [
    sls("""\
        functions:
          f:
            handler: app.handler
            events:
              - http: {path: items, method: post, private: true}
        """),
    sam("""\
        Fn:
          Type: AWS::Serverless::Function
          Properties:
            Handler: app.handler
            Runtime: python3.12
            CodeUri: .
            Events:
              E:
                Type: Api
                Properties: {Path: /items, Method: post, Auth: {ApiKeyRequired: true}}
        """),
], ids=["serverless", "sam"])
def test_fg102_api_key_only(tmp_path: Path, files: dict[str, str]) -> None:
    found = run(tmp_path, files, perimeter.unauthenticated_routes)
    assert [f.rule_id for f in found] == ["FG102"]
    assert found[0].severity == "medium"


# ---------------------------------------------------------------------------------------- FG103

@pytest.mark.parametrize("files,expected", [
    (sls("functions:\n  hook:\n    handler: app.handler\n    url: true\n"), 1),
    (sls("functions:\n  hook:\n    handler: app.handler\n    url: {authorizer: aws_iam}\n"), 0),
    (sam("""\
        Fn:
          Type: AWS::Serverless::Function
          Properties: {Handler: app.handler, Runtime: python3.12, CodeUri: ., FunctionUrlConfig: {AuthType: NONE}}
        """), 1),
    (sam("""\
        Fn:
          Type: AWS::Serverless::Function
          Properties: {Handler: app.handler, Runtime: python3.12, CodeUri: ., FunctionUrlConfig: {AuthType: AWS_IAM}}
        """), 0),
], ids=["sls-none", "sls-iam", "sam-none", "sam-iam"])
def test_fg103_function_url_auth_none(tmp_path: Path, files: dict[str, str], expected: int) -> None:
    found = run(tmp_path, files, perimeter.open_function_urls)
    assert len(found) == expected
    assert all(f.severity == "high" and f.line for f in found)


def test_fg103_is_medium_when_the_handler_checks_a_signature(tmp_path: Path) -> None:
    files = sls("functions:\n  hook:\n    handler: app.handler\n    url: true\n")
    files["app.py"] = "import hmac\ndef handler(event, context):\n    return hmac.compare_digest(a, b)\n"
    found = run(tmp_path, files, perimeter.open_function_urls)
    assert [f.severity for f in found] == ["medium"]


def test_fg104_does_not_repeat_the_function_url_permissions(tmp_path: Path) -> None:
    files = sam("""\
        Fn:
          Type: AWS::Serverless::Function
          Properties: {Handler: app.handler, Runtime: python3.12, CodeUri: ., FunctionUrlConfig: {AuthType: NONE}}
        """)
    assert run(tmp_path, files, perimeter.open_invoke_permissions) == []


# ---------------------------------------------------------------------------------------- FG104

PERMISSION = """\
Perm:
  Type: AWS::Lambda::Permission
  Properties:
    Action: lambda:InvokeFunction
    FunctionName: !GetAtt Fn.Arn
    Principal: {principal}
{extra}"""
SAM_FN = """\
Fn:
  Type: AWS::Serverless::Function
  Properties: {Handler: app.handler, Runtime: python3.12, CodeUri: .}
"""


def _sls_with_resource(resource: str) -> dict[str, str]:
    body = "functions:\n  fn:\n    handler: app.handler\nresources:\n  Resources:\n" + textwrap.indent(resource, "    ")
    return {"serverless.yml": SLS_HEAD + body.replace("!GetAtt Fn.Arn", "!GetAtt FnLambdaFunction.Arn")}


@pytest.mark.parametrize("principal,extra,expected", [
    ('"*"', "", "high"),
    ('"111122223333"', "", "high"),
    ("s3.amazonaws.com", "", "medium"),
    ('"*"', "    SourceArn: arn:aws:s3:::my-bucket\n", None),
    ("s3.amazonaws.com", "    SourceAccount: !Ref AWS::AccountId\n", None),
])
@pytest.mark.parametrize("form", ["serverless", "sam"])
def test_fg104_invoke_permissions(tmp_path: Path, form: str, principal: str, extra: str, expected: str | None) -> None:
    resource = PERMISSION.format(principal=principal, extra=extra)
    files = _sls_with_resource(resource) if form == "serverless" else sam(SAM_FN + resource)
    found = run(tmp_path, files, perimeter.open_invoke_permissions)
    assert [f.severity for f in found] == ([expected] if expected else [])
    if found:
        assert found[0].function is not None and "SourceArn" in found[0].remediation


# ---------------------------------------------------------------------------------------- FG105

BUCKET_POLICY = """\
Uploads:
  Type: AWS::S3::Bucket
  Properties: {{BucketName: demo-uploads}}
UploadsPolicy:
  Type: AWS::S3::BucketPolicy
  Properties:
    Bucket: !Ref Uploads
    PolicyDocument:
      Statement:
        - Effect: Allow
          Principal: {principal}
          Action: {action}
          Resource: arn:aws:s3:::demo-uploads/*
"""


@pytest.mark.parametrize("principal,action,expected", [
    ('"*"', "s3:PutObject", 1),
    ("{AWS: '*'}", "s3:*", 1),
    ('"*"', "s3:GetObject", 0),
    ("{AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:root'}", "s3:PutObject", 0),
])
@pytest.mark.parametrize("form", ["serverless", "sam"])
def test_fg105_bucket_writable_by_anyone_feeds_the_function(tmp_path: Path, form: str, principal: str, action: str,
                                                            expected: int) -> None:
    policy = BUCKET_POLICY.format(principal=principal, action=action)
    if form == "serverless":
        body = ("functions:\n  thumb:\n    handler: app.handler\n    events:\n"
                "      - s3: {bucket: demo-uploads, existing: true}\n"
                "resources:\n  Resources:\n" + textwrap.indent(policy, "    "))
        files = {"serverless.yml": SLS_HEAD + body}
    else:
        files = sam(policy + """\
Fn:
  Type: AWS::Serverless::Function
  Properties:
    Handler: app.handler
    Runtime: python3.12
    CodeUri: .
    Events:
      Up: {Type: S3, Properties: {Bucket: !Ref Uploads, Events: "s3:ObjectCreated:*"}}
""")
    found = run(tmp_path, files, perimeter.publicly_fed_triggers)
    assert len(found) == expected
    assert all(f.severity == "high" and f.line for f in found)


def test_fg105_queue_policy_with_source_condition_is_fine(tmp_path: Path) -> None:
    queue = """\
Jobs:
  Type: AWS::SQS::Queue
JobsPolicy:
  Type: AWS::SQS::QueuePolicy
  Properties:
    Queues: [!Ref Jobs]
    PolicyDocument:
      Statement:
        - Effect: Allow
          Principal: "*"
          Action: sqs:SendMessage
          Resource: !GetAtt Jobs.Arn
{condition}
Fn:
  Type: AWS::Serverless::Function
  Properties:
    Handler: app.handler
    Runtime: python3.12
    CodeUri: .
    Events:
      Q: {{Type: SQS, Properties: {{Queue: !GetAtt Jobs.Arn}}}}
"""
    open_files = sam(queue.format(condition=""))
    assert len(run(tmp_path, open_files, perimeter.publicly_fed_triggers)) == 1
    closed = tmp_path / "closed"
    closed.mkdir()
    closed_files = sam(queue.format(
        condition="          Condition: {ArnEquals: {aws:SourceArn: arn:aws:sns:us-east-1:123456789012:t}}"))
    assert run(closed, closed_files, perimeter.publicly_fed_triggers) == []


# ---------------------------------------------------------------------------------------- FG106

@pytest.mark.parametrize("files,expected", [
    (sls("""\
        functions:
          f:
            handler: app.handler
            events:
              - http: {path: x, method: post, cors: {origin: '*', allowCredentials: true}}
        """), 1),
    (sls("""\
        functions:
          f:
            handler: app.handler
            events:
              - http: {path: x, method: post, cors: {origin: 'https://app.example.com', allowCredentials: true}}
        """), 0),
    (sam("""\
        Fn:
          Type: AWS::Serverless::Function
          Properties:
            Handler: app.handler
            Runtime: python3.12
            CodeUri: .
            FunctionUrlConfig:
              AuthType: AWS_IAM
              Cors: {AllowOrigins: ["*"], AllowCredentials: true}
        """), 1),
    (sam("""\
        Fn:
          Type: AWS::Serverless::Function
          Properties:
            Handler: app.handler
            Runtime: python3.12
            CodeUri: .
            FunctionUrlConfig:
              AuthType: AWS_IAM
              Cors: {AllowOrigins: ["*"]}
        """), 0),
], ids=["sls-star-credentials", "sls-listed-origin", "sam-url-star-credentials", "sam-url-star-no-credentials"])
def test_fg106_cors_any_origin_with_credentials(tmp_path: Path, files: dict[str, str], expected: int) -> None:
    found = run(tmp_path, files, perimeter.permissive_cors)
    assert len(found) == expected
    assert all(f.severity == "medium" for f in found)


# ---------------------------------------------------------------------------------------- FG107

@pytest.mark.parametrize("files,expected", [
    (sls(SLS_OPEN_POST), 1),
    (sls("""\
        functions:
          f:
            handler: app.handler
            events:
              - http:
                  path: x
                  method: post
                  request:
                    schemas:
                      application/json: {type: object}
        """), 0),
    (sam(SAM_OPEN_POST), 1),
    (sls(SLS_IAM_AUTH), 0),
], ids=["sls-open", "sls-schema", "sam-open", "sls-authenticated"])
def test_fg107_public_rest_route_without_validation(tmp_path: Path, files: dict[str, str], expected: int) -> None:
    found = run(tmp_path, files, perimeter.unvalidated_rest_routes)
    assert len(found) == expected
    assert all(f.severity == "low" for f in found)


def test_fg101_get_route_of_a_function_that_writes_is_high(tmp_path: Path) -> None:
    files = sam("""\
        Fn:
          Type: AWS::Serverless::Function
          Properties:
            Handler: app.handler
            Runtime: python3.12
            CodeUri: .
            Policies:
              - Statement: [{Effect: Allow, Action: s3:PutObject, Resource: "arn:aws:s3:::b/*"}]
            Events:
              Convert: {Type: Api, Properties: {Path: /convert, Method: get}}
        """)
    found = run(tmp_path, files, perimeter.unauthenticated_routes)
    assert [(f.severity, "s3:PutObject" in f.message) for f in found] == [("high", True)]


API_INTO_STREAM = """\
Clicks:
  Type: AWS::Kinesis::Stream
  Properties: {{ShardCount: 1}}
ApiRole:
  Type: AWS::IAM::Role
  Properties:
    AssumeRolePolicyDocument: {{Statement: [{{Effect: Allow, Principal: {{Service: apigateway.amazonaws.com}}, Action: sts:AssumeRole}}]}}
    Policies:
      - PolicyName: put
        PolicyDocument: {{Statement: [{{Effect: Allow, Action: kinesis:PutRecord, Resource: !GetAtt Clicks.Arn}}]}}
Api:
  Type: AWS::ApiGateway::RestApi
  Properties: {{Name: clicks}}
PutClick:
  Type: AWS::ApiGateway::Method
  Properties:
    RestApiId: !Ref Api
    ResourceId: !GetAtt Api.RootResourceId
    HttpMethod: PUT
    AuthorizationType: {auth}
    Integration:
      Type: AWS
      IntegrationHttpMethod: POST
      Credentials: !GetAtt ApiRole.Arn
      Uri: !Sub "arn:aws:apigateway:${{AWS::Region}}:kinesis:action/PutRecord"
"""


@pytest.mark.parametrize("auth,expected", [("NONE", 1), ("AWS_IAM", 0)])
@pytest.mark.parametrize("form", ["serverless", "sam"])
def test_fg105_open_api_writing_into_the_trigger_stream(tmp_path: Path, form: str, auth: str, expected: int) -> None:
    resources = API_INTO_STREAM.format(auth=auth)
    if form == "serverless":
        files = {"serverless.yml": SLS_HEAD + "functions:\n  reader:\n    handler: app.handler\n    events:\n"
                 "      - stream: {type: kinesis, arn: !GetAtt Clicks.Arn}\n"
                 "resources:\n  Resources:\n" + textwrap.indent(resources, "    ")}
    else:
        files = sam(resources + SAM_FN.replace("Properties: {Handler: app.handler, Runtime: python3.12, CodeUri: .}",
                                               "Properties:\n    Handler: app.handler\n    Runtime: python3.12\n"
                                               "    CodeUri: .\n    Events:\n      S: {Type: Kinesis, Properties: "
                                               "{Stream: !GetAtt Clicks.Arn, StartingPosition: LATEST}}"))
    found = run(tmp_path, files, perimeter.publicly_fed_triggers)
    assert len(found) == expected
    assert all("PutClick" in f.message and f.severity == "high" for f in found)


# ---------------------------------------------------------------------------------------- the examples' ground truth

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MINE = ("FG10", "FG43", "FG50", "FG60")


def _my_findings(path: Path) -> set[tuple[str, str | None]]:
    from fnguard.analyze import load_rules
    from fnguard.analyze.registry import CHECKS

    load_rules()
    found: set[tuple[str, str | None]] = set()
    for app in load_path(path):
        context = ScanContext(config={"today": "2026-11-28"})
        for registered in CHECKS:
            if any(r.startswith(MINE) for r in registered.rule_ids):
                found |= {(f.rule_id, f.function) for f in registered.function(app, context)
                          if f.severity != "info" and f.rule_id.startswith(MINE)}
    return found


@pytest.mark.parametrize("variant", ["vulnerable", "sam-vulnerable"])
def test_orders_api_documented_flaws(variant: str) -> None:
    found = _my_findings(EXAMPLES / "orders-api" / variant)
    expected = {("FG101", "createOrder"), ("FG103", "webhook"), ("FG430", "createOrder"), ("FG432", "getOrder"),
                ("FG601", "exportReport"), ("FG602", "createOrder"), ("FG501", "getOrder"), ("FG502", "createOrder")}
    assert expected <= found


def test_media_pipeline_documented_flaws() -> None:
    found = _my_findings(EXAMPLES / "media-pipeline" / "vulnerable")
    expected = {("FG101", "UploadUrlFunction"), ("FG501", "UploadUrlFunction"), ("FG105", "ThumbnailFunction"),
                ("FG504", "ThumbnailFunction"), ("FG601", "ThumbnailFunction"), ("FG503", "AnalyticsFunction"),
                ("FG430", "UploadUrlFunction"), ("FG432", "CleanupFunction"), ("FG434", "CleanupFunction"),
                ("FG502", "UploadUrlFunction")}
    assert expected <= found


@pytest.mark.parametrize("fixed", ["orders-api/fixed", "media-pipeline/fixed"])
def test_fixed_examples_are_clean(fixed: str) -> None:
    assert _my_findings(EXAMPLES / fixed) == set()


def test_fg101_webhook_verifying_its_signature_is_medium(tmp_path: Path) -> None:
    files = sls(SLS_IAM_AUTH.replace(", authorizer: aws_iam", ""))
    files["app.py"] = ("import hashlib, hmac\n\ndef handler(event, context):\n"
                       "    expected = hmac.new(b'k', event['body'].encode(), hashlib.sha256).hexdigest()\n"
                       "    return hmac.compare_digest(expected, event['headers']['X-Hub-Signature-256'])\n")
    found = run(tmp_path, files, perimeter.unauthenticated_routes)
    assert [(f.severity, f.details["signature_verified_in_code"]) for f in found] == [("medium", True)]


def test_fg106_sam_api_cors_any_origin_with_credentials(tmp_path: Path) -> None:
    files = sam("""\
        Api:
          Type: AWS::Serverless::Api
          Properties:
            StageName: prod
            Cors: {AllowOrigin: "'*'", AllowCredentials: true}
        Fn:
          Type: AWS::Serverless::Function
          Properties:
            Handler: app.handler
            Runtime: python3.12
            CodeUri: .
            Events:
              E: {Type: Api, Properties: {Path: /x, Method: post, RestApiId: !Ref Api}}
        """)
    found = run(tmp_path, files, perimeter.permissive_cors)
    assert [f.rule_id for f in found] == ["FG106"]


@pytest.mark.parametrize("arn,expected", [
    ("arn:aws:sns:us-east-1:999988887777:partner-events", ["medium"]),
    ("arn:aws:sns:us-east-1:${aws:accountId}:own-events", []),
])
def test_fg105_cross_account_trigger_source(tmp_path: Path, arn: str, expected: list[str]) -> None:
    files = sls(f"functions:\n  f:\n    handler: app.handler\n    events:\n      - sns: {arn}\n")
    found = run(tmp_path, files, perimeter.publicly_fed_triggers)
    assert [f.severity for f in found] == expected


@pytest.mark.parametrize("event,expected", [("alexaSkill", ["medium"]), ("alexaSkill: amzn1.ask.skill.1234", [])])
def test_fg104_alexa_skill_without_skill_id(tmp_path: Path, event: str, expected: list[str]) -> None:
    files = sls(f"functions:\n  f:\n    handler: app.handler\n    events:\n      - {event}\n")
    assert [f.severity for f in run(tmp_path, files, perimeter.open_invoke_permissions)] == expected


def test_fg105_cross_account_topic_sam(tmp_path: Path) -> None:
    files = sam(SAM_FN.replace("Properties: {Handler: app.handler, Runtime: python3.12, CodeUri: .}",
                               "Properties:\n    Handler: app.handler\n    Runtime: python3.12\n    CodeUri: .\n"
                               "    Events:\n      T: {Type: SNS, Properties: "
                               "{Topic: arn:aws:sns:us-east-1:999988887777:partner-events}}"))
    assert [f.severity for f in run(tmp_path, files, perimeter.publicly_fed_triggers)] == ["medium"]


def test_fg104_alexa_skill_sam(tmp_path: Path) -> None:
    files = sam(SAM_FN.replace("Properties: {Handler: app.handler, Runtime: python3.12, CodeUri: .}",
                               "Properties:\n    Handler: app.handler\n    Runtime: python3.12\n    CodeUri: .\n"
                               "    Events:\n      A: {Type: AlexaSkill}"))
    assert [f.severity for f in run(tmp_path, files, perimeter.open_invoke_permissions)] == ["medium"]


@pytest.mark.parametrize("origin,credentials,expected", [
    ("event['headers']['origin']", "True", [True]),       # reflected origin with credentials
    ("'*'", "True", [False]),                            # the auth0 example's pair
    ("'*'", "False", []),
    ("'https://app.example.com'", "True", []),
])
@pytest.mark.parametrize("form", ["serverless", "sam"])
def test_fg106_cors_headers_written_in_code(tmp_path: Path, form: str, origin: str, credentials: str,
                                            expected: list[bool]) -> None:
    files = sls(SLS_OPEN_POST) if form == "serverless" else sam(SAM_OPEN_POST)
    files["app.py"] = ("def handler(event, context):\n    headers = {\n"
                       f"        'Access-Control-Allow-Origin': {origin},\n"
                       f"        'Access-Control-Allow-Credentials': {credentials},\n    }}\n"
                       "    return {'statusCode': 200, 'headers': headers}\n")
    found = run(tmp_path, files, perimeter.permissive_cors)
    assert [f.details["reflected"] for f in found] == expected
    assert all(f.line == 3 and f.file.endswith("app.py") for f in found)
