"""SAM templates: the real corpus loads, and inventories match what the templates say."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from fnguard.load import load_file
from fnguard.load.sam import expand
from fnguard.load.yamlsource import parse_document
from fnguard.model import App, Function

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
_FUNCTION_TYPE = re.compile(
    r"^\s+Type:\s*['\"]?AWS::(?:Serverless|Lambda)::Function['\"]?\s*(?:#.*)?$", re.MULTILINE
)


def _declared_functions(path: Path) -> int:
    """Functions a template declares, counted on its text (independent of the loader)."""
    return len(_FUNCTION_TYPE.findall(path.read_text(encoding="utf-8")))


def _corpus_templates(corpus: Path) -> list[Path]:
    patterns = sorted((corpus / "apps" / "serverless-patterns-python-sam").glob("**/template.y*ml"))
    apps = corpus / "apps"
    return patterns + [
        apps / "DVSA" / "template.yml",
        apps / "Serverless-Goat" / "template.yaml",
        apps / "Serverless-Goat-Python" / "template.yaml",
        apps / "cfngoat" / "cfngoat.yaml",
        apps / "cfngoat" / "eks.yaml",
    ]


def _load(tmp_path: Path, text: str, name: str = "template.yaml") -> App:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_file(path)


def _fn(app: App, name: str) -> Function:
    function = app.function(name)
    assert function is not None, f"{name} not in {[f.name for f in app.functions]}"
    return function


# -- the corpus ---------------------------------------------------------------------------------


def test_every_corpus_template_loads_with_its_declared_functions(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    templates = _corpus_templates(corpus)
    assert len(templates) >= 149
    problems = []
    pattern_seconds, pattern_functions = 0.0, 0
    for path in templates:
        started = time.perf_counter()
        app = load_file(path)
        if "serverless-patterns" in str(path):
            pattern_seconds += time.perf_counter() - started
            pattern_functions += len(app.functions)
        declared = _declared_functions(path)
        if len(app.functions) != declared:
            problems.append(f"{path}: {len(app.functions)} functions loaded, {declared} declared")
        for function in app.functions:
            assert function.location.line is not None, f"{path}: {function.name} has no line"
    assert not problems, "\n".join(problems)
    with capsys.disabled():
        print(f"\n{len(templates) - 5} pattern templates, {pattern_functions} functions, {pattern_seconds:.2f}s")
    assert pattern_seconds < 60, f"patterns took {pattern_seconds:.1f}s"


def test_sam_function_keeps_the_logical_id_and_the_line_of_the_template(corpus: Path) -> None:
    path = corpus / "apps" / "Serverless-Goat" / "template.yaml"
    app = load_file(path)
    lines = path.read_text().splitlines()
    for function in app.functions:
        assert lines[function.location.line - 1].strip() == f"{function.name}:"


# -- DVSA ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dvsa() -> App:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside the checkout")
    return load_file(CORPUS / "apps" / "DVSA" / "template.yml")


def test_dvsa_has_its_26_functions(dvsa: App) -> None:
    assert dvsa.format == "sam"
    assert dvsa.name == "DVSA"
    assert len(dvsa.functions) == 26
    runtimes = [f.runtime for f in dvsa.functions]
    assert runtimes.count("nodejs18.x") == 2
    assert runtimes.count("python3.8") == 24


def test_dvsa_api_routes_have_no_authorizer_and_are_public(dvsa: App) -> None:
    routes = {(t.path, t.method): (t, f.name) for f in dvsa.functions for t in f.triggers if t.type == "http"}
    assert set(routes) == {("/order", "POST"), ("/payment", "POST"), ("/total", "POST"), ("/admin", "POST")}
    for trigger, _name in routes.values():
        assert trigger.public is True
        assert trigger.auth == "none"
        assert trigger.source == "ApiGatewayApi"
        assert trigger.config["cors"]["AllowOrigin"] == "*"  # SAM turns Cors into OPTIONS methods: kept here
    assert routes[("/admin", "POST")][1] == "AdminShellFunction"
    assert routes[("/order", "POST")][1] == "OrderManagerFunction"


def test_dvsa_feedback_bucket_trigger_is_public_because_of_its_bucket_policy(dvsa: App) -> None:
    triggers = _fn(dvsa, "FeedbackUploadFunction").triggers
    assert [(t.type, t.source, t.public) for t in triggers] == [("s3", "S3FeedbackBucket", True)]
    receipts = _fn(dvsa, "SendReceiptFunction").triggers
    assert [(t.type, t.source, t.public) for t in receipts] == [("s3", "S3ReceiptsBucket", False)]


def test_dvsa_sqs_schedules_and_cognito(dvsa: App) -> None:
    sqs = _fn(dvsa, "CreateReceiptFunction").triggers
    assert [(t.type, t.source) for t in sqs] == [("sqs", "SQSQueue")]
    schedules = [f.name for f in dvsa.functions if any(t.type == "schedule" for t in f.triggers)]
    assert sorted(schedules) == ["CronJobUpdateFunction", "CronOrderCleanerFunction", "CronProcessorFunction"]
    cognito = [t for f in dvsa.functions for t in f.triggers if t.type == "cognito"]
    assert cognito and cognito[0].source == "CognitoUserPoolDvsaUserPool"
    lines = (CORPUS / "apps" / "DVSA" / "template.yml").read_text().splitlines()
    assert lines[cognito[0].location.line - 1].strip().startswith("PostConfirmation:")


def test_dvsa_policies_come_from_managed_documents(dvsa: App) -> None:
    admin = _fn(dvsa, "AdminShellFunction")
    assert "arn:aws:iam::aws:policy/AWSLambda_FullAccess" in admin.managed_policies
    sources = {s.source for s in admin.statements}
    assert "managed:arn:aws:iam::aws:policy/AWSLambda_FullAccess" in sources
    assert any("lambda:*" in s.actions for s in admin.statements)
    assert admin.role is None  # SAM made the role for the function
    assert admin.code_dir is not None and admin.code_dir.endswith("backend/functions/admin")
    assert admin.properties["CodeUri"] == "backend/functions/admin/" and "Code" not in admin.properties


def test_dvsa_route_points_at_the_swagger_path_line(corpus: Path, dvsa: App) -> None:
    lines = (corpus / "apps" / "DVSA" / "template.yml").read_text().splitlines()
    trigger = next(t for t in _fn(dvsa, "AdminShellFunction").triggers if t.type == "http")
    assert lines[trigger.location.line - 1].strip().startswith("post:")


# -- Serverless-Goat and patterns ---------------------------------------------------------------


def test_serverless_goat(corpus: Path) -> None:
    for name in ("Serverless-Goat", "Serverless-Goat-Python"):
        app = load_file(corpus / "apps" / name / "template.yaml")
        assert len(app.functions) == 2
        for function in app.functions:
            assert function.reserved_concurrency == 5
            assert function.memory == 3008
            assert [t.public for t in function.triggers if t.type == "http"] == [True]
    goat = load_file(corpus / "apps" / "Serverless-Goat" / "template.yaml")
    convert = _fn(goat, "FunctionConvert")
    assert any(t.path == "/api/convert" and t.method == "GET" for t in convert.triggers)


def test_function_url_with_auth_type_none_is_public(corpus: Path) -> None:
    path = corpus / "apps" / "serverless-patterns-python-sam" / "eventbridge-webhooks" / "1-stripe" / "template.yml"
    app = load_file(path)
    function = _fn(app, "WebhookFunction")
    urls = [t for t in function.triggers if t.type == "url"]
    assert len(urls) == 1 and urls[0].public and urls[0].auth == "none"
    assert function.url is not None and function.url["auth"] == "none"
    # The "*" permission SAM adds for the URL is part of the URL, not another entry point.
    assert not any(t.type == "invoke" for t in function.triggers)


def test_cognito_authorizer_on_a_sam_api(corpus: Path) -> None:
    path = corpus / "apps" / "serverless-patterns-python-sam" / "amplify_cognito_apigateway_lambda_envvariables"
    app = load_file(path / "template.yaml")
    triggers = [t for f in app.functions for t in f.triggers if t.type == "http"]
    assert triggers and all(t.auth == "cognito" and not t.public for t in triggers)


def test_private_api_is_not_public(corpus: Path) -> None:
    path = corpus / "apps" / "serverless-patterns-python-sam" / "multi-account-private-apigw" / "accountB"
    app = load_file(path / "template.yaml")
    triggers = [t for f in app.functions for t in f.triggers]
    assert triggers and all(t.type == "http" and not t.public for t in triggers)


def test_stage_throttling_and_usage_plans(corpus: Path) -> None:
    patterns = corpus / "apps" / "serverless-patterns-python-sam"
    throttled = load_file(patterns / "apigw-throttle-sam" / "template.yaml")
    limits = {t.method: dict(t.throttling or {}) for f in throttled.functions for t in f.triggers}
    assert limits["GET"] == {"rate": 2000, "burst": 1000}
    assert limits["POST"] == {"rate": 50, "burst": 25}
    planned = load_file(patterns / "apigw-usage-plans" / "template.yaml")
    routes = [t for f in planned.functions for t in f.triggers]
    assert routes and all(t.api_key_required and t.auth == "api_key" and t.public for t in routes)
    assert all(t.throttling and t.throttling.get("usage_plan") for t in routes)


def test_websocket_routes(corpus: Path) -> None:
    directory = corpus / "apps" / "serverless-patterns-python-sam" / "apigw-websocket-ack-connect-route"
    app = load_file(next(directory.glob("template.y*ml")))
    routes = {t.path for f in app.functions for t in f.triggers if t.type == "websocket"}
    assert {"$connect", "$disconnect"} <= routes


# -- small SAM templates of our own -------------------------------------------------------------

SAM_HEADER = "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n"


def test_http_api_with_jwt_authorizer_and_sqs_batch(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return event\n")
    app = _load(tmp_path, SAM_HEADER + """
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Jwt
        Authorizers:
          Jwt:
            IdentitySource: $request.header.Authorization
            JwtConfiguration:
              issuer: https://issuer.example.com
              audience: [client]
  Queue:
    Type: AWS::SQS::Queue
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Environment:
        Variables:
          QUEUE: !Ref Queue
          STAGE: prod
      Policies:
        - SQSSendMessagePolicy:
            QueueName: !GetAtt Queue.QueueName
      Events:
        Get:
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Path: /orders
            Method: get
        Open:
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Path: /health
            Method: get
            Auth:
              Authorizer: NONE
        Work:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue.Arn
            BatchSize: 5
            FunctionResponseTypes: [ReportBatchItemFailures]
""")
    function = _fn(app, "Orders")
    assert function.code_dir == str((tmp_path / "src").resolve())
    assert function.handler_file == str((tmp_path / "src" / "app.py").resolve())
    assert function.environment == {"QUEUE": {"Ref": "Queue"}, "STAGE": "prod"}
    routes = {t.path: t for t in function.triggers if t.type == "httpApi"}
    assert routes["/orders"].auth == "jwt" and not routes["/orders"].public
    assert routes["/health"].auth == "none" and routes["/health"].public
    sqs = [t for t in function.triggers if t.type == "sqs"]
    assert len(sqs) == 1 and sqs[0].source == "Queue"
    assert dict(sqs[0].batch or {}) == {"batch_size": 5, "function_response_types": ["ReportBatchItemFailures"]}
    send = [s for s in function.statements if "sqs:SendMessage*" in s.actions]
    assert len(send) == 1 and send[0].source == "sam:SQSSendMessagePolicy"
    assert send[0].resources == ("arn:aws:sqs:us-east-1:123456789012:${Queue.QueueName}",)
    written = (tmp_path / "template.yaml").read_text().splitlines()
    assert written[send[0].location.line - 1].strip() == "- SQSSendMessagePolicy:"
    lines = (tmp_path / "template.yaml").read_text().splitlines()
    assert lines[sqs[0].location.line - 1].strip() == "Work:"


def test_function_url_iam_and_shared_role(tmp_path: Path) -> None:
    app = _load(tmp_path, SAM_HEADER + """
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
      ManagedPolicyArns:
        - !Sub arn:${AWS::Partition}:iam::aws:policy/AmazonS3ReadOnlyAccess
  One:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "def handler(e, c): pass"
      Handler: index.handler
      Runtime: python3.12
      Role: !GetAtt Role.Arn
      FunctionUrlConfig:
        AuthType: AWS_IAM
  Two:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "def handler(e, c): pass"
      Handler: index.handler
      Runtime: python3.12
      Role: !GetAtt Role.Arn
""")
    one, two = _fn(app, "One"), _fn(app, "Two")
    assert one.role == "Role" and one.role_shared_with == ("Two",) and two.role_shared_with == ("One",)
    assert one.inline_code == "def handler(e, c): pass"
    assert one.managed_policies == ("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",)
    assert any("s3:Get*" in s.actions for s in one.statements)
    urls = [t for t in one.triggers if t.type == "url"]
    assert len(urls) == 1 and urls[0].auth == "iam" and not urls[0].public


def test_translator_refusal_falls_back_to_reading_the_template(tmp_path: Path) -> None:
    text = SAM_HEADER + """
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "x"
      Handler: index.handler
      Runtime: python3.12
      Policies:
        - AmazonSQSFullAccess
        - DynamoDBReadPolicy:
            TableName: orders
      Events:
        Api:
          Type: Api
          Properties:
            Path: /x
            Method: post
        Bad:
          Type: NoSuchEventType
          Properties: {}
"""
    path = tmp_path / "template.yaml"
    path.write_text(text)
    expansion = expand(path, parse_document(text, path), {}, "us-east-1")
    assert expansion.untranslated == ("Fn",)
    app = load_file(path)
    assert any("SAM translator" in w for w in app.warnings)
    function = _fn(app, "Fn")
    kinds = sorted((t.type, t.public) for t in function.triggers)
    assert kinds == [("http", True), ("other", False)]
    assert "arn:aws:iam::aws:policy/AmazonSQSFullAccess" in function.managed_policies
    assert any("dynamodb:GetItem" in s.actions for s in function.statements)


def test_large_templates_are_translated_in_parts_and_merged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fnguard.load import sam

    monkeypatch.setattr(sam, "_CHUNK", 3)
    functions = "".join(f"""
  Fn{i}:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: x
      Handler: a.h
      Runtime: python3.12
      Events:
        Get:
          Type: Api
          Properties: {{Path: /f{i}, Method: get}}
        Upload:
          Type: S3
          Properties:
            Bucket: !Ref Bucket
            Events: s3:ObjectCreated:*
            Filter: {{S3Key: {{Rules: [{{Name: prefix, Value: f{i}/}}]}}}}
""" for i in range(7))
    app = _load(tmp_path, SAM_HEADER + "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n"
                "  Queue:\n    Type: AWS::SQS::Queue\n" + functions)
    assert len(app.functions) == 7
    assert app.warnings == ()  # every part translated: no fallback
    assert "Queue" in app.resources  # plain CloudFormation passed through once
    for i in range(7):
        function = _fn(app, f"Fn{i}")
        kinds = sorted((t.type, t.path) for t in function.triggers)
        assert kinds == [("http", f"/f{i}"), ("s3", None)], kinds
        s3 = next(t for t in function.triggers if t.type == "s3")
        assert s3.config["rules"] == [{"prefix": f"f{i}/"}]
    configurations = app.resources["Bucket"].properties["NotificationConfiguration"]["LambdaConfigurations"]
    assert len(configurations) == 7


EVENTS = SAM_HEADER + """Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      StreamSpecification: {StreamViewType: NEW_IMAGE}
  Stream:
    Type: AWS::Kinesis::Stream
    Properties: {ShardCount: 1}
  Topic:
    Type: AWS::SNS::Topic
  TopicPolicy:
    Type: AWS::SNS::TopicPolicy
    Properties:
      Topics: [!Ref Topic]
      PolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {AWS: "*"}, Action: sns:Publish, Resource: !Ref Topic}
  Pool:
    Type: AWS::Cognito::UserPool
  Logs:
    Type: AWS::Logs::LogGroup
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: x
      Handler: a.h
      Runtime: python3.12
      EventInvokeConfig:
        DestinationConfig:
          OnFailure: {Type: SQS}
      Events:
        Ddb:
          Type: DynamoDB
          Properties: {Stream: !GetAtt Table.StreamArn, StartingPosition: LATEST, BatchSize: 50, MaximumRetryAttempts: 2, BisectBatchOnFunctionError: true, DestinationConfig: {OnFailure: {Destination: !GetAtt Dlq.Arn}}}
        Kin:
          Type: Kinesis
          Properties: {Stream: !GetAtt Stream.Arn, StartingPosition: LATEST, ParallelizationFactor: 2}
        Sns:
          Type: SNS
          Properties: {Topic: !Ref Topic, FilterPolicy: {kind: [a]}}
        Sched:
          Type: ScheduleV2
          Properties: {ScheduleExpression: rate(5 minutes)}
        Old:
          Type: Schedule
          Properties: {Schedule: "cron(0 1 * * ? *)"}
        Bus:
          Type: EventBridgeRule
          Properties: {Pattern: {source: [aws.s3]}}
        Cog:
          Type: Cognito
          Properties: {UserPool: !Ref Pool, Trigger: PreSignUp}
        Cwl:
          Type: CloudWatchLogs
          Properties: {LogGroupName: !Ref Logs, FilterPattern: ERROR}
        Iot:
          Type: IoTRule
          Properties: {Sql: "SELECT * FROM 'topic'"}
        Alexa:
          Type: AlexaSkill
        Mq:
          Type: MQ
          Properties: {Broker: arn:aws:mq:us-east-1:123456789012:broker:b:b-1, Queues: [q], SourceAccessConfigurations: [{Type: BASIC_AUTH, URI: arn:aws:secretsmanager:us-east-1:123456789012:secret:s}]}
        Msk:
          Type: MSK
          Properties: {Stream: arn:aws:kafka:us-east-1:123456789012:cluster/c/1, Topics: [t], StartingPosition: LATEST}
  Dlq:
    Type: AWS::SQS::Queue
"""


def test_every_sam_event_type_becomes_a_trigger(tmp_path: Path) -> None:
    app = _load(tmp_path, EVENTS)
    function = _fn(app, "Fn")
    by_type = {t.type: t for t in function.triggers if t.type != "schedule"}
    schedules = sorted(t.source for t in function.triggers if t.type == "schedule")
    assert schedules == ["cron(0 1 * * ? *)", "rate(5 minutes)"]
    assert sorted(by_type) == ["alexa", "cloudwatchLog", "cognito", "dynamodb", "eventBridge", "iot", "kafka",
                               "kinesis", "mq", "sns"]
    ddb = by_type["dynamodb"]
    assert ddb.source == "Table"
    assert dict(ddb.batch or {}) == {"batch_size": 50, "maximum_retry_attempts": 2,
                                      "bisect_batch_on_function_error": True, "starting_position": "LATEST",
                                      "on_failure": "${Dlq.Arn}"}
    assert dict(by_type["kinesis"].batch or {})["parallelization_factor"] == 2
    assert by_type["sns"].source == "Topic" and by_type["sns"].public  # the topic policy lets anyone publish
    assert by_type["sns"].config["FilterPolicy"] == {"kind": ["a"]}
    assert by_type["cognito"].config == {"trigger": "PreSignUp", "self_sign_up": True}
    assert by_type["alexa"].public  # no skill id: any skill may invoke it
    assert by_type["eventBridge"].config["pattern"] == {"source": ["aws.s3"]}
    assert function.on_failure == "${FnEventInvokeConfigOnFailureQueue.Arn}"
    lines = (tmp_path / "template.yaml").read_text().splitlines()
    for trigger in function.triggers:
        assert lines[trigger.location.line - 1].strip().endswith(":"), trigger
    assert lines[by_type["cognito"].location.line - 1].strip() == "Cog:"
    assert lines[ddb.location.line - 1].strip() == "Ddb:"


def test_code_uri_of_a_built_archive_is_no_code_dir(tmp_path: Path) -> None:
    app = _load(tmp_path, SAM_HEADER + """
Resources:
  Zipped:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: build/fn.zip, Handler: a.h, Runtime: python3.12}
  Default:
    Type: AWS::Serverless::Function
    Properties: {Handler: a.h, Runtime: python3.12}
""")
    assert _fn(app, "Zipped").code_dir is None
    assert _fn(app, "Default").code_dir == str(tmp_path.resolve())  # no CodeUri: the template's directory


def test_nested_application_on_disk_is_read_with_its_parameters(tmp_path: Path) -> None:
    (tmp_path / "child").mkdir()
    (tmp_path / "child" / "template.yaml").write_text(SAM_HEADER + """
Parameters:
  TableName: {Type: String}
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: x
      Handler: a.h
      Runtime: python3.12
      Environment: {Variables: {TABLE: !Ref TableName}}
      FunctionUrlConfig: {AuthType: NONE}
  Again:
    Type: AWS::CloudFormation::Stack
    Properties: {TemplateURL: template.yaml}
""")
    app = _load(tmp_path, SAM_HEADER + """
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  Child:
    Type: AWS::Serverless::Application
    Properties:
      Location: child/template.yaml
      Parameters: {TableName: !Ref Table}
  Missing:
    Type: AWS::CloudFormation::Stack
    Properties: {TemplateURL: nowhere/template.yaml}
""")
    worker = _fn(app, "Child/Worker")
    assert worker.environment == {"TABLE": {"Ref": "Table"}}
    assert worker.location.file == str((tmp_path / "child" / "template.yaml").resolve())
    assert [(t.type, t.public) for t in worker.triggers] == [("url", True)]
    assert any("nowhere/template.yaml not found" in w for w in app.warnings)
    # The child nests itself: read up to the depth limit, then a warning instead of recursing forever.
    assert any("levels deep" in w for w in app.warnings)
    assert "Child/Again/Again/Worker" in [f.name for f in app.functions]


def test_lambda_authorizer_is_an_entry_point_of_its_own(tmp_path: Path) -> None:
    app = _load(tmp_path, SAM_HEADER + """
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        DefaultAuthorizer: Tok
        Authorizers:
          Tok: {FunctionArn: !GetAtt AuthFn.Arn}
  AuthFn:
    Type: AWS::Serverless::Function
    Properties: {Handler: a.h, Runtime: python3.12, InlineCode: x}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: a.h
      Runtime: python3.12
      InlineCode: x
      Events:
        Get:
          Type: Api
          Properties: {Path: /x, Method: get, RestApiId: !Ref Api}
""")
    route = _fn(app, "Fn").triggers
    assert [(t.type, t.auth, t.public) for t in route] == [("http", "lambda", False)]
    authorizer = _fn(app, "AuthFn").triggers
    assert [(t.type, t.source, t.public, t.config["service"]) for t in authorizer] == [
        ("other", "Api", True, "apigateway-authorizer")]


def test_request_validation_of_rest_routes(tmp_path: Path) -> None:
    app = _load(tmp_path, SAM_HEADER + """Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Models:
        Order: {type: object, required: [id], properties: {id: {type: string}}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: a.h
      Runtime: python3.12
      InlineCode: x
      Events:
        Post:
          Type: Api
          Properties:
            Path: /orders
            Method: post
            RestApiId: !Ref Api
            RequestModel: {Model: Order, Required: true, ValidateBody: true}
        Get:
          Type: Api
          Properties: {Path: /orders, Method: get, RestApiId: !Ref Api}
""")
    validation = {t.method: t.config["request_validation"] for t in _fn(app, "Fn").triggers}
    assert validation == {"POST": True, "GET": False}


def test_account_log_subscription_and_vpc_lattice(corpus: Path) -> None:
    patterns = corpus / "apps" / "serverless-patterns-python-sam"
    logs = load_file(patterns / "cloudwatch-account-subscription-Lambda-sns-notification" / "template.yaml")
    triggers = _fn(logs, "NotificationLambda").triggers
    assert [(t.type, t.source, t.config["filter"]) for t in triggers] == [("cloudwatchLog", "account", "Exception")]
    lattice = load_file(patterns / "vpc-lattice-lambda" / "template.yaml")
    reached = {f.name: [(t.type, t.public, t.config.get("service")) for t in f.triggers] for f in lattice.functions}
    assert reached["VLFunctionPrimary"] == [("other", False, "vpc-lattice")]
    assert reached["VLFunctionSecondary"] == [("other", False, "vpc-lattice")]


def test_layers_keep_the_name_written_in_the_template(corpus: Path) -> None:
    app = load_file(corpus / "apps" / "serverless-patterns-python-sam" / "lambda-layer" / "template.yml")
    assert _fn(app, "PyMySQLLayerLambdaFunction").layers == ("${PyMySQLLayer}",)


def test_samconfig_gives_deployed_parameters_region_and_stack_name(tmp_path: Path) -> None:
    (tmp_path / "samconfig.toml").write_text('''version = 0.1
[default.deploy.parameters]
stack_name = "orders-prod"
region = "eu-west-3"
parameter_overrides = "Stage=prod Owner=\\"Ops Team\\""
''')
    app = _load(tmp_path, SAM_HEADER + """
Parameters:
  Stage: {Type: String, Default: dev}
  Owner: {Type: String}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: x
      Handler: a.h
      Runtime: python3.12
      Environment:
        Variables:
          STAGE: !Ref Stage
          OWNER: !Ref Owner
          WHERE: !Sub "${AWS::StackName}@${AWS::Region}"
""")
    assert app.region == "eu-west-3"
    assert app.parameters == {"Stage": "prod", "Owner": "Ops Team"}
    assert _fn(app, "Fn").environment == {"STAGE": "prod", "OWNER": "Ops Team", "WHERE": "orders-prod@eu-west-3"}


def test_dvsa_parameters_come_from_its_samconfig(dvsa: App) -> None:
    assert dvsa.parameters["AdminEmail"] == "dvsa.admin@1secmail.com"
    assert _fn(dvsa, "InitCustomFunction").environment["ADMIN_EMAIL"] == "dvsa.admin@1secmail.com"


def test_dvsa_read_without_the_translator_keeps_its_inventory(monkeypatch: pytest.MonkeyPatch, dvsa: App) -> None:
    from fnguard.load import sam

    def refuse(*_args: object, **_kwargs: object) -> dict:
        raise RuntimeError("translator unavailable")

    monkeypatch.setattr(sam, "_translate", refuse)
    raw = load_file(CORPUS / "apps" / "DVSA" / "template.yml")
    assert any("read without translation" in w for w in raw.warnings)
    assert [f.name for f in raw.functions] == [f.name for f in dvsa.functions]

    def routes(app: App) -> set[tuple]:
        return {(f.name, t.path, t.method, t.public, t.auth) for f in app.functions for t in f.triggers
                if t.type == "http"}

    assert routes(raw) == routes(dvsa)
    for name in ("FeedbackUploadFunction", "CreateReceiptFunction", "CronProcessorFunction"):
        assert [t.type for t in _fn(raw, name).triggers] == [t.type for t in _fn(dvsa, name).triggers]
        assert set(_fn(raw, name).managed_policies) == set(_fn(dvsa, name).managed_policies)


def test_state_machine_definition_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "machine.asl.json").write_text(json.dumps({"StartAt": "Work", "States": {"Work": {
        "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:my-worker", "End": True}}}))
    app = _load(tmp_path, SAM_HEADER + """
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties: {FunctionName: my-worker, InlineCode: x, Handler: a.h, Runtime: python3.12}
  Machine:
    Type: AWS::Serverless::StateMachine
    Properties: {DefinitionUri: machine.asl.json}
""")
    assert [(t.source, t.config["service"]) for t in _fn(app, "Worker").triggers] == [("Machine", "states")]
