"""Plain CloudFormation: intrinsics, the mapping to the model, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fnguard.load import load_file
from fnguard.load.cloudformation import load, resources_from_template, statements_from_policy_document
from fnguard.load.intrinsics import Resolver, to_text
from fnguard.load.yamlsource import parse_document
from fnguard.model import App, Function, InputError, Location


def _parse(tmp_path: Path, text: str, name: str = "template.yaml") -> tuple[Path, object]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path, parse_document(text, path)


def _load(tmp_path: Path, text: str, name: str = "template.yaml") -> App:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_file(path)


def _fn(app: App, name: str) -> Function:
    function = app.function(name)
    assert function is not None, f"{name} not in {[f.name for f in app.functions]}"
    return function


# -- intrinsics ---------------------------------------------------------------------------------

INTRINSICS = """
Parameters:
  Stage: {Type: String, Default: prod}
  Subnets: {Type: CommaDelimitedList, Default: "a,b,c"}
  NoDefault: {Type: String}
Mappings:
  Sizes:
    prod: {Memory: 1024}
    dev: {Memory: 128}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Equals [x, x]]
  Unknown: !Equals [!Ref NoDefault, y]
  LoopA: !Condition LoopB
  LoopB: !Condition LoopA
Resources:
  Table: {Type: AWS::DynamoDB::Table}
"""


@pytest.fixture
def resolver(tmp_path: Path) -> Resolver:
    path, document = _parse(tmp_path, INTRINSICS)
    return Resolver(document, path, region="eu-west-1")


def test_ref_parameters_pseudo_and_resources(resolver: Resolver) -> None:
    assert resolver.resolve({"Ref": "Stage"}) == "prod"
    assert resolver.resolve({"Ref": "Subnets"}) == ["a", "b", "c"]
    assert resolver.resolve({"Ref": "AWS::Region"}) == "eu-west-1"
    assert resolver.resolve({"Ref": "AWS::Partition"}) == "aws"
    assert resolver.resolve({"Ref": "AWS::URLSuffix"}) == "amazonaws.com"
    assert resolver.resolve({"Ref": "Table"}) == {"Ref": "Table"}
    assert resolver.resolve({"Ref": "NoDefault"}) == {"Ref": "NoDefault"}
    assert resolver.resolve({"A": {"Ref": "AWS::NoValue"}, "B": 1}) == {"B": 1}
    assert resolver.warnings == []


def test_sub_join_select_split(resolver: Resolver) -> None:
    assert resolver.resolve({"Fn::Sub": "orders-${Stage}-${AWS::AccountId}"}) == "orders-prod-123456789012"
    assert resolver.resolve({"Fn::Sub": "${Table.Arn}/index/*"}) == {"Fn::Sub": "${Table.Arn}/index/*"}
    assert resolver.resolve({"Fn::Sub": ["${X}-${Stage}", {"X": "v"}]}) == "v-prod"
    assert resolver.resolve({"Fn::Sub": "${!Literal}-${Stage}"}) == "${Literal}-prod"
    assert resolver.resolve({"Fn::Join": ["-", ["a", {"Ref": "Stage"}]]}) == "a-prod"
    assert resolver.resolve({"Fn::Join": [":", ["a", {"Ref": "Table"}]]}) == {"Fn::Join": [":", ["a", {"Ref": "Table"}]]}
    assert resolver.resolve({"Fn::Select": [1, {"Ref": "Subnets"}]}) == "b"
    assert resolver.resolve({"Fn::Split": [",", "x,y"]}) == ["x", "y"]
    assert resolver.resolve({"Fn::Select": [0, {"Fn::Split": ["/", "p/q"]}]}) == "p"
    assert resolver.resolve({"Fn::GetAtt": "Table.StreamArn"}) == {"Fn::GetAtt": ["Table", "StreamArn"]}


def test_find_in_map_if_base64_import_azs(resolver: Resolver) -> None:
    assert resolver.resolve({"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Memory"]}) == 1024
    assert resolver.resolve({"Fn::If": ["IsProd", "big", "small"]}) == "big"
    assert resolver.resolve({"Fn::If": ["IsDev", "big", {"Ref": "AWS::NoValue"}]}) is None
    assert resolver.resolve({"Fn::If": ["Unknown", "a", "b"]}) == {"Fn::If": ["Unknown", "a", "b"]}
    assert resolver.resolve({"Fn::Base64": {"Fn::Sub": "echo ${Stage}"}}) == "echo prod"
    assert resolver.resolve({"Fn::ImportValue": {"Fn::Sub": "${Stage}-vpc"}}) == {"Fn::ImportValue": "prod-vpc"}
    assert resolver.resolve({"Fn::GetAZs": ""}) == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]


def test_conditions(resolver: Resolver) -> None:
    assert resolver.condition("IsProd") is True
    assert resolver.condition("IsDev") is False
    assert resolver.condition("Both") is True
    assert resolver.condition("Unknown") is None


def test_circular_condition_is_a_warning(resolver: Resolver) -> None:
    assert resolver.condition("LoopA") is None
    assert any("circular condition" in w and "LoopA" in w for w in resolver.warnings)


def test_unknown_intrinsic_is_a_warning_with_file_and_line(tmp_path: Path) -> None:
    path, document = _parse(tmp_path, "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n"
                                      "      QueueName: {'Fn::Frobnicate': [1]}\n")
    resolver = Resolver(document, path)
    value = resolver.resolve(document["Resources"]["Q"]["Properties"])
    assert value == {"QueueName": {"Fn::Frobnicate": [1]}}
    assert resolver.warnings == [f"{path}:5: unknown intrinsic function Fn::Frobnicate: kept unresolved"]


def test_to_text_renders_unresolved_intrinsics() -> None:
    assert to_text({"Fn::GetAtt": ["Table", "Arn"]}) == "${Table.Arn}"
    assert to_text({"Ref": "Bucket"}) == "${Bucket}"
    assert to_text({"Fn::Sub": "${Table.Arn}/*"}) == "${Table.Arn}/*"
    assert to_text({"Fn::Join": ["", ["arn:aws:s3:::", {"Ref": "B"}, "/*"]]}) == "arn:aws:s3:::${B}/*"


def test_statements_from_policy_document_normalises_strings_and_lists() -> None:
    statements = statements_from_policy_document(
        {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": {"Fn::GetAtt": ["B", "Arn"]}},
                       {"Effect": "Deny", "NotAction": ["iam:*"], "NotResource": "*",
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]},
        "inline:p", Location("t.yaml", 3))
    assert [s.actions for s in statements] == [("s3:GetObject",), ()]
    assert statements[0].resources == ("${B.Arn}",)
    assert statements[1].not_actions == ("iam:*",) and statements[1].not_resources == ("*",)
    assert statements[1].conditions == {"Bool": {"aws:SecureTransport": "false"}}
    assert {s.source for s in statements} == {"inline:p"} and statements[0].location.line == 3


def test_resources_from_template_for_embedded_cloudformation(tmp_path: Path) -> None:
    path, document = _parse(tmp_path, """
Conditions:
  Never: !Equals [a, b]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${Stage}-data"
  Skipped:
    Type: AWS::SQS::Queue
    Condition: Never
""")
    resources, warnings = resources_from_template(document, path, parameters={"Stage": "dev"})
    assert list(resources) == ["Bucket"]
    assert resources["Bucket"].properties == {"BucketName": "dev-data"}
    assert resources["Bucket"].location == Location(str(path), 5)
    assert warnings == []


# -- the mapping --------------------------------------------------------------------------------

CFN = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage: {Type: String, Default: prod}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
        - arn:aws:iam::aws:policy/NotAPolicyWeShip
        - !Ref Extra
      Policies:
        - PolicyName: tables
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: dynamodb:PutItem
                Resource: !GetAtt Table.Arn
  Extra:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - {Effect: Allow, Action: "sqs:*", Resource: "*"}
  Attached:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: attached
      Roles: [!Ref Role]
      PolicyDocument:
        Statement:
          - {Effect: Allow, Action: ["s3:GetObject"], Resource: "*"}
  Table:
    Type: AWS::DynamoDB::Table
  Queue:
    Type: AWS::SQS::Queue
  Topic:
    Type: AWS::SNS::Topic
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      NotificationConfiguration:
        LambdaConfigurations:
          - Event: s3:ObjectCreated:*
            Function: !GetAtt Worker.Arn
            Filter:
              S3Key:
                Rules:
                  - {Name: prefix, Value: uploads/}
                  - {Name: suffix, Value: .jpg}
  BucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Statement:
          - {Effect: Allow, Principal: "*", Action: s3:PutObject, Resource: "*"}
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: api
  Items:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !GetAtt Api.RootResourceId
      PathPart: items
  ItemsPost:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Items
      HttpMethod: POST
      AuthorizationType: NONE
      Integration:
        Type: AWS_PROXY
        Uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Worker.Arn}/invocations
  ItemsGet:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Items
      HttpMethod: GET
      AuthorizationType: COGNITO_USER_POOLS
      AuthorizerId: !Ref Authorizer
      Integration:
        Type: AWS_PROXY
        Uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Worker.Arn}/invocations
  Authorizer:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      Type: COGNITO_USER_POOLS
      RestApiId: !Ref Api
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref Api
      MethodSettings:
        - {ResourcePath: "/*", HttpMethod: "*", ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20}
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Worker
      EventSourceArn: !GetAtt Queue.Arn
      BatchSize: 7
      FilterCriteria: {Filters: [{Pattern: '{"body": {"x": [1]}}'}]}
      DestinationConfig:
        OnFailure:
          Destination: !GetAtt Topic.TopicArn
  Subscription:
    Type: AWS::SNS::Subscription
    Properties:
      Protocol: lambda
      TopicArn: !Ref Topic
      Endpoint: !GetAtt Worker.Arn
  Nightly:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: cron(0 3 * * ? *)
      Targets:
        - {Id: w, Arn: !GetAtt Worker.Arn}
  Url:
    Type: AWS::Lambda::Url
    Properties:
      TargetFunctionArn: !Ref Worker
      AuthType: NONE
  Anyone:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Worker
      Action: lambda:InvokeFunction
      Principal: "*"
  OtherAccount:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Helper
      Action: lambda:InvokeFunction
      Principal: "210987654321"
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Code: ./src
      MemorySize: 512
      Timeout: 30
      ReservedConcurrentExecutions: 4
      Architectures: [arm64]
      Role: !GetAtt Role.Arn
      Environment:
        Variables:
          TABLE: !Ref Table
          STAGE: !Ref Stage
      Layers: [!Ref Layer]
      TracingConfig: {Mode: Active}
      DeadLetterConfig: {TargetArn: !GetAtt Queue.Arn}
      VpcConfig: {SubnetIds: [a], SecurityGroupIds: [b]}
  Helper:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: "exports.handler = async () => 1;"
  Layer:
    Type: AWS::Lambda::LayerVersion
"""


@pytest.fixture
def cfn(tmp_path: Path) -> App:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    return _load(tmp_path, CFN)


def test_function_fields(cfn: App, tmp_path: Path) -> None:
    assert cfn.format == "cloudformation" and cfn.parameters == {"Stage": "prod"}
    worker = _fn(cfn, "Worker")
    assert (worker.runtime, worker.handler, worker.memory, worker.timeout) == ("python3.12", "app.handler", 512, 30)
    assert worker.reserved_concurrency == 4 and worker.architecture == "arm64"
    assert worker.code_dir == str((tmp_path / "src").resolve())
    assert worker.handler_file == str((tmp_path / "src" / "app.py").resolve())
    assert worker.environment == {"TABLE": {"Ref": "Table"}, "STAGE": "prod"}
    assert worker.layers == ("${Layer}",) and worker.tracing == "Active" and worker.vpc
    assert worker.dead_letter == "${Queue.Arn}" and worker.on_failure == "${Topic.TopicArn}"
    assert worker.role == "Role" and worker.role_shared_with == ("Helper",)
    assert worker.url == {"auth": "none", "cors": None, "invoke_mode": "BUFFERED"}
    lines = (tmp_path / "template.yaml").read_text().splitlines()
    assert lines[worker.location.line - 1].strip() == "Worker:"
    helper = _fn(cfn, "Helper")
    assert helper.inline_code == "exports.handler = async () => 1;" and helper.code_dir is None
    assert (helper.memory, helper.timeout, helper.reserved_concurrency) == (128, 3, None)
    assert "Layer" in cfn.resources and "Worker" not in cfn.resources


def test_role_statements_from_every_source(cfn: App) -> None:
    worker = _fn(cfn, "Worker")
    sources = {s.source for s in worker.statements}
    assert sources == {
        "inline:tables",
        "managed:arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "policy:Extra",
        "policy:Attached",
    }
    put = next(s for s in worker.statements if s.source == "inline:tables")
    assert put.actions == ("dynamodb:PutItem",) and put.resources == ("${Table.Arn}",)
    lines = CFN.splitlines()
    assert lines[put.location.line - 1].strip() == "- Effect: Allow"
    attached = next(s for s in worker.statements if s.source == "policy:Attached")
    assert lines[attached.location.line - 1].strip() == '- {Effect: Allow, Action: ["s3:GetObject"], Resource: "*"}'
    assert "arn:aws:iam::aws:policy/NotAPolicyWeShip" in worker.managed_policies
    assert any("NotAPolicyWeShip" in w for w in cfn.warnings)


def test_triggers(cfn: App) -> None:
    worker = _fn(cfn, "Worker")
    by_type: dict[str, list] = {}
    for trigger in worker.triggers:
        by_type.setdefault(trigger.type, []).append(trigger)
    assert sorted(by_type) == ["http", "invoke", "s3", "schedule", "sns", "sqs", "url"]
    http = {t.method: t for t in by_type["http"]}
    assert http["POST"].path == "/items" and http["POST"].public and http["POST"].auth == "none"
    assert http["GET"].auth == "cognito" and not http["GET"].public
    assert dict(http["POST"].throttling or {}) == {"rate": 10, "burst": 20}
    s3 = by_type["s3"][0]
    assert s3.source == "Bucket" and s3.public  # the bucket policy lets anyone put objects
    assert s3.config["rules"] == [{"prefix": "uploads/"}, {"suffix": ".jpg"}]
    sqs = by_type["sqs"][0]
    assert sqs.source == "Queue" and dict(sqs.batch or {})["batch_size"] == 7
    assert "filter_criteria" in sqs.config
    assert by_type["sns"][0].source == "Topic"
    assert by_type["schedule"][0].source == "cron(0 3 * * ? *)"
    lines = CFN.splitlines()  # the template was written with this text: lines point into it
    assert lines[s3.location.line - 1].strip() == "- Event: s3:ObjectCreated:*"
    assert lines[by_type["schedule"][0].location.line - 1].strip() == "- {Id: w, Arn: !GetAtt Worker.Arn}"
    assert by_type["url"][0].public and by_type["url"][0].auth == "none"
    assert by_type["invoke"][0].public
    helper = _fn(cfn, "Helper")
    assert [(t.type, t.public, t.auth, t.source) for t in helper.triggers] == [("invoke", False, "iam", "210987654321")]


def test_http_api_websocket_and_alb(tmp_path: Path) -> None:
    app = _load(tmp_path, """
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: a.b, Role: arn:aws:iam::123456789012:role/x, Code: {ZipFile: x}}
  Http:
    Type: AWS::ApiGatewayV2::Api
    Properties: {ProtocolType: HTTP}
  Jwt:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties: {ApiId: !Ref Http, AuthorizerType: JWT}
  Integration:
    Type: AWS::ApiGatewayV2::Integration
    Properties: {ApiId: !Ref Http, IntegrationType: AWS_PROXY, IntegrationUri: !GetAtt Fn.Arn}
  Secure:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Http
      RouteKey: GET /me
      AuthorizationType: JWT
      AuthorizerId: !Ref Jwt
      Target: !Join [/, [integrations, !Ref Integration]]
  Open:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Http, RouteKey: POST /hook, Target: !Sub "integrations/${Integration}"}
  HttpStage:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref Http
      DefaultRouteSettings: {ThrottlingRateLimit: 5, ThrottlingBurstLimit: 9}
  Group:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties:
      TargetType: lambda
      Targets: [{Id: !GetAtt Fn.Arn}]
  Balancer:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties: {Scheme: internet-facing}
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Balancer
      DefaultActions: [{Type: forward, TargetGroupArn: !Ref Group}]
""")
    fn = _fn(app, "Fn")
    assert fn.role == "arn:aws:iam::123456789012:role/x"
    routes = {t.path: t for t in fn.triggers if t.type == "httpApi"}
    assert routes["/me"].auth == "jwt" and not routes["/me"].public and routes["/me"].method == "GET"
    assert routes["/hook"].auth == "none" and routes["/hook"].public
    assert dict(routes["/hook"].throttling or {}) == {"rate": 5, "burst": 9}
    alb = [t for t in fn.triggers if t.type == "alb"]
    assert len(alb) == 1 and alb[0].public and alb[0].auth == "none"


def test_swagger_body_security_definitions(tmp_path: Path) -> None:
    app = _load(tmp_path, """
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: a.b, Role: r, Code: {ZipFile: x}}
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Body:
        swagger: "2.0"
        securityDefinitions:
          sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
          key: {type: apiKey, name: x-api-key, in: header}
          custom:
            type: apiKey
            name: Authorization
            in: header
            x-amazon-apigateway-authtype: custom
            x-amazon-apigateway-authorizer: {type: token}
        paths:
          /iam:
            get:
              security: [{sigv4: []}]
              x-amazon-apigateway-integration: {type: aws_proxy, uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/functions/${Fn.Arn}/invocations"}
          /key:
            get:
              security: [{key: []}]
              x-amazon-apigateway-integration: {type: aws_proxy, uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/functions/${Fn.Arn}/invocations"}
          /custom:
            x-amazon-apigateway-any-method:
              security: [{custom: [], key: []}]
              x-amazon-apigateway-integration: {type: aws_proxy, uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/functions/${Fn.Arn}/invocations"}
""")
    routes = {t.path: t for t in _fn(app, "Fn").triggers}
    assert (routes["/iam"].auth, routes["/iam"].public) == ("iam", False)
    assert (routes["/key"].auth, routes["/key"].public, routes["/key"].api_key_required) == ("api_key", True, True)
    assert (routes["/custom"].auth, routes["/custom"].method, routes["/custom"].api_key_required) == ("lambda", "ANY", True)


def test_cfngoat_inline_code_and_secrets_in_environment(corpus: Path) -> None:
    app = load_file(corpus / "apps" / "cfngoat" / "cfngoat.yaml")
    assert app.format == "cloudformation"
    assert sorted(f.name for f in app.functions) == ["AnalysisLambda", "CleanBucketFunction"]
    analysis = _fn(app, "AnalysisLambda")
    assert analysis.inline_code and "Hello World" in analysis.inline_code
    assert analysis.environment["access_key"].startswith("AKIA")
    cleaner = _fn(app, "CleanBucketFunction")
    assert {s.source for s in cleaner.statements} == {"inline:lambda-execute", "inline:s3-object-delete"}
    assert any(t.config.get("custom_resource") for t in cleaner.triggers)
    assert app.resources["DataBucket"].properties["AccessControl"] == "PublicRead"


# -- bad input ----------------------------------------------------------------------------------


def test_malformed_yaml_is_one_line_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text("Resources:\n  Fn:\n    Type: [unclosed\n")
    with pytest.raises(InputError) as error:
        load_file(path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_resources_not_a_mapping(tmp_path: Path) -> None:
    path, document = _parse(tmp_path, "AWSTemplateFormatVersion: '2010-09-09'\nResources: [a, b]\n")
    with pytest.raises(InputError, match="Resources is not a mapping"):
        load(path, document)
    with pytest.raises(InputError, match="no Resources"):
        load(path, {"AWSTemplateFormatVersion": "2010-09-09"})


def test_template_of_another_cloud(tmp_path: Path) -> None:
    azure = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
             "resources": [{"type": "Microsoft.Web/sites"}]}
    path = tmp_path / "azuredeploy.json"
    path.write_text(json.dumps(azure))
    with pytest.raises(InputError, match="not an AWS template"):
        load_file(path)
    other = {"Resources": {"Site": {"Type": "Microsoft.Web/sites"}}}
    with pytest.raises(InputError, match="not an AWS template"):
        load(path, other)


def test_json_template_with_lines(tmp_path: Path) -> None:
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Fn": {"Type": "AWS::Lambda::Function",
                   "Properties": {"Runtime": "python3.12", "Handler": "a.b", "Role": "r",
                                  "Code": {"ZipFile": "x"}, "MemorySize": "256"}},
            "Url": {"Type": "AWS::Lambda::Url",
                    "Properties": {"TargetFunctionArn": {"Fn::GetAtt": ["Fn", "Arn"]}, "AuthType": "AWS_IAM"}},
        },
    }
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template, indent=2))
    app = load_file(path)
    fn = _fn(app, "Fn")
    assert fn.memory == 256
    assert fn.location.line == 4
    assert [(t.type, t.auth, t.public) for t in fn.triggers] == [("url", "iam", False)]


def test_unknown_intrinsic_and_circular_condition_still_load(tmp_path: Path) -> None:
    app = _load(tmp_path, """
Conditions:
  A: !Condition B
  B: !Condition A
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Condition: A
    Properties:
      Runtime: python3.12
      Handler: a.b
      Role: r
      Code: {ZipFile: x}
      Environment:
        Variables:
          X: {"Fn::Magic": 1}
""")
    assert [f.name for f in app.functions] == ["Fn"]  # unknown condition: kept, over-approximating
    assert any("circular condition" in w for w in app.warnings)
    assert any(":16: unknown intrinsic function Fn::Magic" in w for w in app.warnings)
    assert _fn(app, "Fn").environment == {"X": {"Fn::Magic": 1}}


def test_false_condition_drops_the_resource(tmp_path: Path) -> None:
    app = _load(tmp_path, """
Parameters:
  Enable: {Type: String, Default: "no"}
Conditions:
  On: !Equals [!Ref Enable, "yes"]
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Condition: On
    Properties: {Runtime: python3.12, Handler: a.b, Role: r, Code: {ZipFile: x}}
  Bucket:
    Type: AWS::S3::Bucket
""")
    assert app.functions == () and list(app.resources) == ["Bucket"]


def test_mutated_corpus_templates_never_crash(corpus: Path) -> None:
    """Templates with values of the wrong shape load (maybe with warnings) or fail with InputError."""
    import copy
    import random

    from fnguard.load.yamlsource import load_document

    rng = random.Random(20261128)
    weird = [None, [], {}, "x", 5, True, {"Ref": "Nope"}, {"Fn::GetAtt": "Nope"}, [None], {"Fn::Sub": 3},
             {"Fn::If": "x"}, {"Fn::Join": "x"}]

    def mutate(node: object, rate: float) -> None:
        keys = list(node) if isinstance(node, dict) else range(len(node)) if isinstance(node, list) else []
        for key in keys:
            if rng.random() < rate:
                node[key] = copy.deepcopy(rng.choice(weird))  # type: ignore[index]
            else:
                mutate(node[key], rate)  # type: ignore[index]

    templates = sorted((corpus / "apps" / "serverless-patterns-python-sam").glob("**/template.y*ml"))
    loaded = 0
    for path in rng.sample(templates, 12) + [corpus / "apps" / "DVSA" / "template.yml"]:
        document = load_document(path)
        for _trial in range(2):
            mutated = copy.deepcopy(document)
            for body in mutated["Resources"].values():
                mutate(body, 0.08)
            for key in ("Globals", "Conditions", "Parameters"):
                if key in mutated:
                    mutate(mutated[key], 0.2)
            try:
                load(path, mutated)
                loaded += 1
            except InputError as error:
                assert "\n" not in str(error)
    assert loaded > 0


def test_appsync_and_lambda_at_edge(tmp_path: Path) -> None:
    app = _load(tmp_path, """
Resources:
  Resolver:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: a.b, Role: r, Code: {ZipFile: x}}
  Edge:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: a.b, Role: r, Code: {ZipFile: x}}
  EdgeVersion:
    Type: AWS::Lambda::Version
    Properties: {FunctionName: !Ref Edge}
  Graph:
    Type: AWS::AppSync::GraphQLApi
    Properties:
      AuthenticationType: AMAZON_COGNITO_USER_POOLS
      AdditionalAuthenticationProviders: [{AuthenticationType: API_KEY}]
  Source:
    Type: AWS::AppSync::DataSource
    Properties:
      ApiId: !GetAtt Graph.ApiId
      Type: AWS_LAMBDA
      LambdaConfig: {LambdaFunctionArn: !GetAtt Resolver.Arn}
  Cdn:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        DefaultCacheBehavior:
          LambdaFunctionAssociations:
            - {EventType: viewer-request, LambdaFunctionARN: !Ref EdgeVersion}
""")
    graph = _fn(app, "Resolver").triggers
    assert [(t.source, t.public, t.auth, t.config["service"]) for t in graph] == [("Graph", True, "api_key", "appsync")]
    edge = _fn(app, "Edge").triggers
    assert [(t.source, t.public, t.config["service"], t.config["event_type"]) for t in edge] == [
        ("Cdn", True, "cloudfront", "viewer-request")]


def test_ssm_parameter_defaults_are_names_not_values(tmp_path: Path) -> None:
    path, document = _parse(tmp_path, """
Parameters:
  Ami: {Type: "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", Default: /aws/service/ami-latest}
Resources:
  Box: {Type: AWS::EC2::Instance, Properties: {ImageId: !Ref Ami}}
""")
    app = load(path, document)
    assert app.resources["Box"].properties == {"ImageId": {"Ref": "Ami"}}
    assert app.parameters == {"Ami": "/aws/service/ami-latest"}


def test_self_managed_kafka_source_is_its_brokers(tmp_path: Path) -> None:
    app = _load(tmp_path, """
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: a.b, Role: r, Code: {ZipFile: x}}
  Esm:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Fn
      Topics: [orders]
      SelfManagedEventSource: {Endpoints: {KafkaBootstrapServers: ["b1:9092", "b2:9092"]}}
""")
    trigger = _fn(app, "Fn").triggers[0]
    assert (trigger.type, trigger.source, trigger.config["topics"]) == ("kafka", "b1:9092,b2:9092", ["orders"])


def test_for_each_loops_of_language_extensions_are_expanded(tmp_path: Path) -> None:
    app = _load(tmp_path, """
Transform: AWS::LanguageExtensions
Parameters:
  Names: {Type: CommaDelimitedList, Default: "orders,pay-ments"}
Resources:
  Fn::ForEach::Workers:
    - Name
    - !Ref Names
    - Worker&{Name}:
        Type: AWS::Lambda::Function
        Properties:
          Runtime: python3.12
          Handler: a.b
          Role: r
          Code: {ZipFile: x}
          Environment: {Variables: {KIND: !Ref Name, QUEUE: !Sub "${Name}-queue"}}
  Fn::ForEach::Broken: [only-one]
""")
    workers = {f.name: dict(f.environment) for f in app.functions}
    assert workers == {"Workerorders": {"KIND": "orders", "QUEUE": "orders-queue"},
                       "Workerpayments": {"KIND": "pay-ments", "QUEUE": "pay-ments-queue"}}
    assert all(f.location.line == 6 for f in app.functions)
    assert any("Fn::ForEach::Broken" in w for w in app.warnings)


def test_rule_on_a_bus_anyone_may_put_events_on_is_public(tmp_path: Path) -> None:
    app = _load(tmp_path, """
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: a.b, Role: r, Code: {ZipFile: x}}
  Bus:
    Type: AWS::Events::EventBus
    Properties: {Name: partners}
  Open:
    Type: AWS::Events::EventBusPolicy
    Properties: {EventBusName: !Ref Bus, StatementId: all, Action: events:PutEvents, Principal: "*"}
  OnPartner:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref Bus
      EventPattern: {source: [partner]}
      Targets: [{Id: f, Arn: !GetAtt Fn.Arn}]
  OnDefault:
    Type: AWS::Events::Rule
    Properties:
      EventPattern: {source: [aws.s3]}
      Targets: [{Id: f, Arn: !GetAtt Fn.Arn}]
""")
    buses = sorted((t.source, t.public) for t in _fn(app, "Fn").triggers)
    assert buses == [("Bus", True), ("default", False)]


def test_state_machines_ses_rules_and_object_lambda(tmp_path: Path) -> None:
    app = _load(tmp_path, """
Resources:
  Step:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: a.b, Role: r, Code: {ZipFile: x}}
  Mail:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: a.b, Role: r, Code: {ZipFile: x}}
  Transform:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: a.b, Role: r, Code: {ZipFile: x}}
  Machine:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: r
      DefinitionString: '{"StartAt": "Mail", "States": {"Mail": {"Type": "Task", "Resource": "${Fn}"}}}'
      DefinitionSubstitutions: {Fn: !GetAtt Step.Arn}
  Rule:
    Type: AWS::SES::ReceiptRule
    Properties:
      RuleSetName: set
      Rule:
        Recipients: [support@example.com]
        Actions: [{LambdaAction: {FunctionArn: !GetAtt Mail.Arn, InvocationType: Event}}]
  Point:
    Type: AWS::S3ObjectLambda::AccessPoint
    Properties:
      ObjectLambdaConfiguration:
        SupportingAccessPoint: ap
        TransformationConfigurations:
          - Actions: [GetObject]
            ContentTransformation: {AwsLambda: {FunctionArn: !GetAtt Transform.Arn}}
""")
    reached = {f.name: [(t.source, t.public, t.config["service"]) for t in f.triggers] for f in app.functions}
    assert reached == {"Step": [("Machine", False, "states")], "Mail": [("Rule", True, "ses")],
                       "Transform": [("Point", False, "s3-object-lambda")]}


def test_service_permissions_for_sources_outside_the_template(tmp_path: Path) -> None:
    app = _load(tmp_path, """
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: a.b, Role: r, Code: {ZipFile: x}}
  FromApi:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Fn
      Action: lambda:InvokeFunction
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:abc123/*/POST/orders"
  FromBucket:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !GetAtt Fn.Arn
      Action: lambda:InvokeFunction
      Principal: s3.amazonaws.com
      SourceArn: arn:aws:s3:::someone-elses-bucket
  Rule:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(1 hour)
      Targets: [{Id: f, Arn: !GetAtt Fn.Arn}]
  FromRule:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Fn
      Action: lambda:InvokeFunction
      Principal: events.amazonaws.com
      SourceArn: !GetAtt Rule.Arn
""")
    triggers = sorted((t.type, t.source, t.path, t.method, t.auth) for t in _fn(app, "Fn").triggers)
    assert triggers == [
        ("http", "arn:aws:execute-api:us-east-1:123456789012:abc123/*/POST/orders", "/orders", "POST", "unknown"),
        ("s3", "arn:aws:s3:::someone-elses-bucket", None, None, "none"),
        ("schedule", "rate(1 hour)", None, None, "none"),  # the rule's permission adds nothing
    ]


def test_http_api_quick_create(tmp_path: Path) -> None:
    app = _load(tmp_path, """
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: a.b, Role: r, Code: {ZipFile: x}}
  Quick:
    Type: AWS::ApiGatewayV2::Api
    Properties: {ProtocolType: HTTP, Target: !GetAtt Fn.Arn, RouteKey: "POST /hook"}
""")
    assert [(t.type, t.method, t.path, t.public) for t in _fn(app, "Fn").triggers] == [("httpApi", "POST", "/hook", True)]


def test_resource_policies_written_as_json_strings(tmp_path: Path) -> None:
    app = _load(tmp_path, """
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: a.b, Role: r, Code: {ZipFile: x}}
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Policy: '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"},
               {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*",
                "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}'
      Body:
        openapi: 3.0.1
        paths:
          /x:
            get:
              x-amazon-apigateway-integration: {type: aws_proxy, uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/functions/${Fn.Arn}/invocations"}
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      NotificationConfiguration:
        LambdaConfigurations: [{Event: "s3:ObjectCreated:*", Function: !GetAtt Fn.Arn}]
  BucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument: '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": "*"}]}'
""")
    public = {t.type: t.public for t in _fn(app, "Fn").triggers}
    assert public == {"http": False, "s3": True}


def test_region_given_by_the_caller(tmp_path: Path) -> None:
    path, document = _parse(tmp_path, """
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: a.b
      Role: r
      Code: {ZipFile: x}
      Environment: {Variables: {WHERE: !Ref "AWS::Region"}}
""")
    app = load(path, document, region="ap-southeast-2")
    assert app.region == "ap-southeast-2"
    assert _fn(app, "Fn").environment == {"WHERE": "ap-southeast-2"}
