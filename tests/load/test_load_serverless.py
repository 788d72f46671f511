"""The Serverless Framework loader: real apps of the corpus, a kitchen-sink fixture, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from fnguard.load import load_path
from fnguard.load.serverless import DEFAULT_ROLE, function_logical_id, load
from fnguard.load.sls_variables import Options
from fnguard.load.yamlsource import load_document
from fnguard.model import TRIGGER_TYPES, App, InputError

FIXTURES = Path(__file__).parent / "fixtures" / "serverless"
KITCHEN = FIXTURES / "kitchen"
EXAMPLES_DIR = "serverless-examples-aws-python"


class _Tolerant(yaml.SafeLoader):
    """Plain YAML reading for the test's own count: unknown tags are ignored."""


_Tolerant.add_multi_constructor("!", lambda loader, suffix, node: None)


def _declared_functions(path: Path) -> set[str]:
    """What the file declares, read without fnguard: ``functions:`` keys and Lift queue workers."""
    document = yaml.load(path.read_text(), Loader=_Tolerant)  # noqa: S506 - SafeLoader subclass
    names = set(document.get("functions") or {})
    for construct_id, spec in (document.get("constructs") or {}).items():
        if spec.get("type") == "queue" and "worker" in spec:
            names.add(f"{construct_id}Worker")
    return names


def _corpus_apps(corpus: Path) -> list[Path]:
    return sorted((corpus / "apps" / EXAMPLES_DIR).glob("*/serverless.yml"))


def _app(corpus: Path, name: str) -> App:
    (app,) = load_path(corpus / "apps" / EXAMPLES_DIR / name)
    return app


@pytest.fixture(scope="module")
def kitchen() -> App:
    (app,) = load_path(KITCHEN)
    return app


def _triggers(app: App, function: str) -> list:
    found = app.function(function)
    assert found is not None, function
    return list(found.triggers)


# -- the corpus --------------------------------------------------------------------------


def test_every_corpus_serverless_yml_loads_with_its_functions(corpus):
    apps = _corpus_apps(corpus)
    assert len(apps) == 19
    for path in apps:
        app = load(path, load_document(path))
        assert app.format == "serverless"
        assert {f.name for f in app.functions} == _declared_functions(path), path
        for function in app.functions:
            assert function.location.file == str(path)
            assert function.location.line is not None
            assert all(t.type in TRIGGER_TYPES for t in function.triggers)


def test_auth0_example_has_a_lambda_authorizer_and_a_public_route(corpus):
    app = _app(corpus, "aws-python-auth0-custom-authorizers-api")
    assert app.name == "aws-custom-authorizer-auth0"
    (private,) = _triggers(app, "privateEndpoint")
    assert (private.type, private.public, private.auth, private.path, private.method) == (
        "http", False, "lambda", "/api/private", "POST")
    assert private.config["authorizer"] == "auth"
    (public,) = _triggers(app, "publicEndpoint")
    assert (public.type, public.public, public.auth) == ("http", True, "none")
    assert _triggers(app, "auth") == []
    # secrets.json and public_key are not in the corpus: warnings, placeholders, no crash
    environment = app.function("auth").environment
    assert environment["AUTH0_CLIENT_ID"] == "${file(./secrets.json):AUTH0_CLIENT_ID}"
    assert sum("file not found" in w for w in app.warnings) == 2
    assert set(app.resources) == {"GatewayResponse", "AuthFailureGatewayResponse"}
    assert not any("ApiGatewayRestApi" in w for w in app.warnings)  # a framework-made id


def test_sqs_worker_has_the_lift_queue_worker(corpus):
    app = _app(corpus, "aws-python-sqs-worker")
    (sqs,) = _triggers(app, "jobsWorker")
    assert (sqs.type, sqs.public, sqs.source) == ("sqs", False, "construct:jobs")
    assert sqs.batch == {"batch_size": 1}
    (produce,) = _triggers(app, "producer")
    assert (produce.type, produce.path, produce.method, produce.public) == ("httpApi", "/produce", "POST", True)
    assert app.function("producer").environment["QUEUE_URL"] == "${construct:jobs.queueUrl}"
    assert any("construct:" in w and w.startswith("info:") for w in app.warnings)


def test_scheduled_cron_has_two_schedules(corpus):
    app = _app(corpus, "aws-python-scheduled-cron")
    sources = {f.name: [(t.type, t.source) for t in f.triggers] for f in app.functions}
    assert sources == {
        "rateHandler": [("schedule", "rate(1 minute)")],
        "cronHandler": [("schedule", "cron(0/2 * ? * MON-FRI *)")],
    }


@pytest.mark.parametrize(
    "name, trigger_type",
    [
        ("aws-python-rest-api", "http"),
        ("aws-python-rest-api-with-dynamodb", "http"),
        ("aws-python-rest-api-with-pymongo", "http"),
        ("aws-python-http-api-with-dynamodb", "httpApi"),
        ("aws-python-flask-api", "httpApi"),
    ],
)
def test_rest_and_http_api_examples_are_public_without_auth(corpus, name, trigger_type):
    app = _app(corpus, name)
    triggers = [t for f in app.functions for t in f.triggers]
    assert triggers
    assert {(t.type, t.public, t.auth) for t in triggers} == {(trigger_type, True, "none")}


def test_dynamodb_example_resolves_variables_into_iam_and_environment(corpus):
    app = _app(corpus, "aws-python-rest-api-with-dynamodb")
    create = app.function("create")
    assert create.environment["DYNAMODB_TABLE"] == "serverless-rest-api-with-dynamodb-dev"
    inline = [s for s in create.statements if s.source == "inline:provider.iam.role.statements"]
    assert inline[0].resources == (
        "arn:aws:dynamodb:us-east-1:*:table/serverless-rest-api-with-dynamodb-dev",)
    assert "dynamodb:DeleteItem" in inline[0].actions
    assert create.role == DEFAULT_ROLE
    assert set(create.role_shared_with) == {"list", "get", "update", "delete"}
    assert app.resources["TodosDynamoDbTable"].properties["TableName"] == "serverless-rest-api-with-dynamodb-dev"


def test_flask_dynamodb_keeps_the_getatt_resource_reference(corpus):
    app = _app(corpus, "aws-python-flask-dynamodb-api")
    (statement,) = [s for s in app.function("api").statements if s.source.startswith("inline:")]
    assert statement.resources == ("${UsersTable.Arn}",)
    assert app.resources["UsersTable"].properties["TableName"] == "users-table-dev"


def test_pymongo_env_placeholders_and_managed_policy(corpus):
    app = _app(corpus, "aws-python-rest-api-with-pymongo")
    create = app.function("create")
    assert create.environment["MONGO_DB_PASS"] == "${env:MONGO_DB_PASS}"
    assert create.managed_policies == ("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",)


def test_sigurl_resolves_chained_custom_variables_and_s3_events(corpus):
    app = _app(corpus, "aws-python-pynamodb-s3-sigurl")
    bucket = app.function("bucket")
    assert [(t.type, t.source, t.config["rules"]) for t in bucket.triggers] == [
        ("s3", "sig-s3-uploader", [{"prefix": "test"}]),
        ("s3", "sig-s3-uploader", [{"prefix": "test"}]),
    ]
    assert bucket.environment["DYNAMODB_TABLE"] == "sig-s3-uploader-test"
    s3_statement = next(s for s in bucket.statements if "s3:*" in s.actions)
    assert s3_statement.resources == ("arn:aws:s3:::sig-s3-uploader/test/*",)


def test_region_comes_from_provider(corpus):
    assert _app(corpus, "aws-python-rest-api-with-pynamodb").region == "eu-central-1"
    assert _app(corpus, "aws-python").region == "us-east-1"


def test_handler_files_are_not_in_the_corpus_so_none(corpus):
    app = _app(corpus, "aws-python-rest-api")
    hello = app.function("hello")
    assert hello.handler == "handler.hello" and hello.runtime == "python3.9"
    assert hello.handler_file is None  # HANDLERS.txt lists them; the sources are not stored
    assert (hello.memory, hello.timeout) == (1024, 6)  # the framework's defaults


# -- the kitchen-sink fixture ------------------------------------------------------------------


def test_kitchen_app_identity(kitchen):
    assert kitchen.name == "kitchen"
    assert kitchen.region == "eu-west-1"
    assert kitchen.root == str(KITCHEN.resolve())
    assert kitchen.source.endswith("kitchen/serverless.yml")
    assert set(kitchen.resources) == {"OrdersTable", "UploadsBucket", "WorkQueue", "CronRole", "PublicInvoke",
                                      "Topic", "TopicSubscription", "WorkQueuePolicy", "UploadsPolicy",
                                      "ClicksMapping", "NightlyRule",
                                      # made by the framework for s3/sns events, named as it names them
                                      "S3BucketKitchenuploads", "SNSTopicAlerts"}
    assert kitchen.resources["S3BucketKitchenuploads"].properties == {"BucketName": "kitchen-uploads"}
    assert kitchen.resources["SNSTopicAlerts"].type == "AWS::SNS::Topic"
    assert "ApiGatewayRestApi" not in kitchen.resources and "ApiLambdaFunction" not in kitchen.resources
    assert kitchen.resources["WorkQueue"].properties["QueueName"] == "kitchen-dev-work"
    assert kitchen.resources["WorkQueue"].location.line is not None


def test_provider_settings_flow_into_functions(kitchen):
    api = kitchen.function("api")
    worker = kitchen.function("worker")
    assert (api.memory, api.timeout, api.reserved_concurrency) == (1024, 20, 10)
    assert (worker.memory, worker.timeout) == (512, 300)
    assert api.runtime == "python3.12" and api.architecture == "arm64" and api.tracing == "Active"
    assert api.layers == ("arn:aws:lambda:eu-west-1:123456789012:layer:common:3",)
    assert api.handler_file == str((KITCHEN / "src" / "api.py").resolve())
    assert api.code_dir == str(KITCHEN.resolve())
    # function environment overrides the provider's; variables and intrinsics resolved
    assert api.environment["TABLE"] == "override-table"
    assert worker.environment["TABLE"] == "orders-dev-table"
    assert worker.environment["ALERTS"] == "ops@example.com"
    assert worker.environment["API_KEY"] == "${ssm:/kitchen/api-key}"
    assert worker.environment["QUEUE_URL"] == {"Ref": "WorkQueue"}
    assert any("ssm:" in w and w.startswith("info:") for w in kitchen.warnings)


def test_function_and_trigger_lines(kitchen):
    lines = (KITCHEN / "serverless.yml").read_text().splitlines()
    api = kitchen.function("api")
    assert lines[api.location.line - 1].strip() == "api:"
    for trigger in api.triggers:
        assert lines[trigger.location.line - 1].strip().startswith("- http"), trigger


def test_rest_api_auth_kinds(kitchen):
    routes = {(t.path, t.method): t for t in kitchen.function("api").triggers}
    expected = {
        ("/items", "GET"): (True, "none", False),
        ("/items", "POST"): (True, "none", False),
        ("/items/{id}", "DELETE"): (False, "iam", False),
        ("/partner", "GET"): (True, "api_key", True),
        ("/admin", "POST"): (False, "lambda", False),
        ("/users", "GET"): (False, "cognito", False),
    }
    assert {key: (t.public, t.auth, t.api_key_required) for key, t in routes.items()} == expected
    assert routes[("/items", "GET")].config["cors"] is True
    assert routes[("/admin", "POST")].config["request_validation"]["schemas"]["application/json"]["required"] == [
        "name"]


def test_usage_plan_throttle_is_on_rest_routes_marked_as_a_usage_plan(kitchen):
    routes = {(t.path, t.method): t for t in kitchen.function("api").triggers}
    assert routes[("/partner", "GET")].throttling == {"rate": 100, "burst": 200, "usage_plan": True}
    assert routes[("/items", "GET")].throttling == {"rate": 100, "burst": 200, "usage_plan": True}
    assert routes[("/items", "GET")].config["usage_plan"]["quota"] == [{"limit": 5000, "period": "DAY"}]
    assert routes[("/partner", "GET")].config["api_keys"] == ["partner"]
    assert "api_keys" not in routes[("/items", "GET")].config
    assert all(t.throttling is None for t in kitchen.function("httpFn").triggers)


def test_http_api_authorizers_resolved_against_provider(kitchen):
    routes = [(t.path, t.method, t.public, t.auth) for t in kitchen.function("httpFn").triggers]
    assert routes == [
        ("*", "ANY", True, "none"),
        ("/open", "GET", True, "none"),
        ("/jwt", "GET", False, "jwt"),
        ("/custom", "POST", False, "lambda"),
        ("/iam", "POST", False, "iam"),
    ]


def test_websocket_connect_authorizer_covers_the_connection(kitchen):
    routes = [(t.type, t.path, t.public, t.auth) for t in kitchen.function("socket").triggers]
    assert routes == [("websocket", "$connect", False, "lambda"), ("websocket", "$default", False, "lambda")]


def test_stream_and_queue_batch_settings(kitchen):
    by_type = {t.type: t for t in kitchen.function("worker").triggers}
    assert set(by_type) == {"sqs", "dynamodb", "kinesis", "kafka", "mq"}
    assert by_type["sqs"].source == "WorkQueue"
    assert by_type["sqs"].batch == {"batch_size": 5, "maximum_batching_window": 10,
                                    "function_response_types": ["ReportBatchItemFailures"]}
    assert by_type["sqs"].config["filter_patterns"] == [{"body": {"kind": ["order"]}}]
    assert by_type["dynamodb"].source == "OrdersTable"  # typed through the resources: section
    assert by_type["dynamodb"].batch == {
        "batch_size": 100, "starting_position": "LATEST", "maximum_retry_attempts": 2,
        "bisect_batch_on_function_error": True, "parallelization_factor": 4,
        "on_failure": "arn:aws:sqs:eu-west-1:123456789012:failed",
    }
    assert by_type["kinesis"].source == "arn:aws:kinesis:eu-west-1:123456789012:stream/clicks"
    kinds = sorted(t.type for t in kitchen.function("worker").triggers)
    assert kinds.count("kafka") == 2 and kinds.count("mq") == 2
    assert kitchen.function("worker").dead_letter == "arn:aws:sns:eu-west-1:123456789012:dlq"


def test_storage_messaging_and_schedules(kitchen):
    files = [(t.type, t.source) for t in kitchen.function("files").triggers]
    assert files == [("s3", "kitchen-uploads"), ("s3", "existing-bucket"), ("sns", "alerts"),
                     ("sns", "arn:aws:sns:eu-west-1:123456789012:topic")]
    s3 = kitchen.function("files").triggers[0]
    assert s3.config["rules"] == [{"prefix": "incoming/"}, {"suffix": ".csv"}]
    assert kitchen.function("files").triggers[1].config["existing"] is True
    assert kitchen.function("files").on_failure == "arn:aws:sqs:eu-west-1:123456789012:fail"
    cron = [(t.type, t.public, t.auth) for t in kitchen.function("cron").triggers]
    assert cron == [
        ("schedule", False, "none"), ("schedule", False, "none"), ("eventBridge", False, "none"),
        ("schedule", False, "none"), ("cloudwatchLog", False, "none"), ("iot", False, "none"),
        ("cognito", False, "none"), ("alexa", False, "none"), ("alexa", True, "none"),
        ("alb", True, "none"), ("alb", False, "cognito"), ("other", False, "none"),
    ]


def test_unknown_event_type_is_a_warning_with_its_line(kitchen):
    (warning,) = [w for w in kitchen.warnings if "carrierPigeon" in w]
    line = int(warning.split("serverless.yml:")[1].split(":")[0])
    assert (KITCHEN / "serverless.yml").read_text().splitlines()[line - 1].strip() == "- carrierPigeon:"


def test_function_urls(kitchen):
    open_url = kitchen.function("open-url")
    assert open_url.url == {"auth": "none", "cors": None, "invoke_mode": "BUFFERED"}
    url_trigger = next(t for t in open_url.triggers if t.type == "url")
    assert (url_trigger.public, url_trigger.auth, url_trigger.source) == (True, "none", "OpenDashurlLambdaFunctionUrl")
    iam_url = kitchen.function("iam_url")
    assert iam_url.url == {"auth": "iam", "cors": True, "invoke_mode": "BUFFERED"}
    assert [(t.type, t.public, t.auth) for t in iam_url.triggers] == [("url", False, "iam")]
    assert iam_url.vpc is True


def test_shared_provider_role_statements_and_framework_permissions(kitchen):
    api = kitchen.function("api")
    assert api.role == DEFAULT_ROLE
    assert set(api.role_shared_with) == {"authorizer", "httpFn", "socket", "open-url", "iam_url"}
    inline = [s for s in api.statements if s.source == "inline:provider.iam.role.statements"]
    assert [s.resources for s in inline] == [("${OrdersTable.Arn}",), ("${UploadsBucket.Arn}/*",)]
    assert any(s.source == "framework:logs" for s in api.statements)
    assert "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" in api.managed_policies
    # one function in a VPC puts the VPC policy on the role every sharing function runs with
    assert any("AWSLambdaVPCAccessExecutionRole" in m for m in api.managed_policies)


def test_per_function_role_inherits_provider_statements(kitchen):
    worker = kitchen.function("worker")
    assert worker.role is None and worker.role_shared_with == ()
    sources = [s.source for s in worker.statements]
    assert "inline:functions.worker.iamRoleStatements" in sources
    assert "inline:provider.iam.role.statements" in sources  # iamRoleStatementsInherit
    polling = next(s for s in worker.statements if s.source == "framework:sqs")
    assert "sqs:ReceiveMessage" in polling.actions and polling.resources == ("${WorkQueue.Arn}",)
    sends = {s.actions: s.resources for s in worker.statements if s.source == "framework:send"}
    assert sends == {("sns:Publish",): ("arn:aws:sns:eu-west-1:123456789012:dlq",),  # onError
                     ("sqs:SendMessage",): ("arn:aws:sqs:eu-west-1:123456789012:failed",)}  # stream onFailure


def test_function_role_from_resources_and_external_role(kitchen):
    cron = kitchen.function("cron")
    assert cron.role == "CronRole"
    assert [(s.source, s.actions) for s in cron.statements][0] == ("inline:cron", ("ec2:DescribeInstances",))
    assert cron.managed_policies == ("arn:aws:iam::aws:policy/AWSLambdaExecute",)
    managed = [s for s in cron.statements if s.source == "managed:arn:aws:iam::aws:policy/AWSLambdaExecute"]
    assert any("logs:*" in s.actions for s in managed)  # the AWS managed document, expanded
    assert managed[0].location.line == line_number("CronRole:")
    files = kitchen.function("files")
    assert files.role == "arn:aws:iam::123456789012:role/external-files-role"
    assert files.statements == ()
    assert any("external-files-role" in w and "unknown" in w for w in kitchen.warnings)


def test_resources_that_target_functions_by_framework_logical_id(kitchen):
    (invoke,) = kitchen.function("authorizer").triggers
    assert (invoke.type, invoke.public, invoke.auth, invoke.source) == ("invoke", True, "none", "*")
    assert invoke.config["permission"] == "PublicInvoke"
    assert invoke.location.line == line_number("PublicInvoke:")
    declared = {t.type: t for t in kitchen.function("open-url").triggers if t.type != "url"}
    assert set(declared) == {"sns", "kinesis", "schedule"}
    assert declared["sns"].source == "Topic"
    assert declared["kinesis"].batch["starting_position"] == "TRIM_HORIZON"
    assert declared["kinesis"].location.line == line_number("ClicksMapping:")
    assert declared["schedule"].source == "cron(0 3 * * ? *)"
    assert not any("LambdaFunction" in w or "S3Bucket" in w for w in kitchen.warnings)


def test_sources_anyone_may_write_make_public_triggers(kitchen):
    sqs = next(t for t in kitchen.function("worker").triggers if t.type == "sqs")
    assert sqs.public is True  # WorkQueuePolicy lets anyone send
    uploads, existing = [t for t in kitchen.function("files").triggers if t.type == "s3"]
    assert uploads.public is True  # the framework's S3BucketKitchenuploads has a public-write policy
    assert existing.public is False
    stream = next(t for t in kitchen.function("worker").triggers if t.type == "dynamodb")
    assert stream.public is False


def line_number(text: str) -> int:
    lines = (KITCHEN / "serverless.yml").read_text().splitlines()
    return next(index for index, line in enumerate(lines, 1) if line.strip() == text)


@pytest.mark.parametrize(
    "name, logical_id",
    [("hello", "HelloLambdaFunction"), ("my-fn", "MyDashfnLambdaFunction"),
     ("open_url", "OpenUnderscoreurlLambdaFunction"), ("API", "APILambdaFunction")],
)
def test_function_logical_id_follows_the_framework(name, logical_id):
    assert function_logical_id(name) == logical_id


# -- options, versions, shapes -------------------------------------------------------------


def _write(tmp_path: Path, text: str, name: str = "serverless.yml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_stage_and_region_options(tmp_path):
    path = _write(tmp_path, """
service: {name: opts}
provider:
  name: aws
  runtime: python3.11
  environment:
    STAGE: ${sls:stage}
functions:
  f:
    handler: h.main
""")
    app = load(path, load_document(path), options=Options(stage="prod", region="ap-south-1"))
    assert app.name == "opts" and app.region == "ap-south-1"
    assert app.function("f").environment["STAGE"] == "prod"
    assert app.function("f").properties["FunctionName"] == "opts-prod-f"  # the framework's deploy name


@pytest.mark.parametrize(
    "policy, public",
    [
        ("", True),
        ("    resourcePolicy:\n      - {Effect: Allow, Principal: '*', Action: execute-api:Invoke,"
         " Resource: 'execute-api:/*'}\n", True),
        ("    resourcePolicy:\n      - {Effect: Allow, Principal: '*', Action: execute-api:Invoke,"
         " Resource: 'execute-api:/*', Condition: {IpAddress: {aws:SourceIp: [10.0.0.0/8]}}}\n", False),
    ],
)
def test_resource_policy_that_narrows_callers_makes_routes_non_public(tmp_path, policy, public):
    path = _write(tmp_path, "service: rp\nprovider:\n  name: aws\n  apiGateway:\n    minimumCompressionSize: 0\n"
                  + policy + "functions:\n  f:\n    handler: f.handler\n    events:\n      - http: GET x\n")
    (app,) = load_path(path)
    (route,) = app.function("f").triggers
    assert (route.public, route.config["endpoint"]) == (public, ["EDGE"])


def test_default_batch_sizes(kitchen):
    by_source = {t.source: t for t in kitchen.function("worker").triggers}
    assert by_source["arn:aws:kinesis:eu-west-1:123456789012:stream/clicks"].batch == {"batch_size": 100}
    assert by_source["arn:aws:mq:eu-west-1:123456789012:broker:b"].batch == {"batch_size": 100}


def test_private_endpoint_resource_policy_and_access_logs(tmp_path):
    path = _write(tmp_path, """
service: inner
provider:
  name: aws
  runtime: python3.12
  endpointType: PRIVATE
  apiGateway:
    resourcePolicy:
      - Effect: Allow
        Principal: "*"
        Action: execute-api:Invoke
        Resource: execute-api:/*
        Condition:
          StringEquals: {aws:SourceVpce: vpce-1}
  logs:
    restApi: true
functions:
  f:
    handler: f.handler
    name: custom-deploy-name
    events:
      - http: GET inner
      - httpApi: GET /outer
""")
    (app,) = load_path(path)
    rest, http_api = app.function("f").triggers
    assert (rest.public, rest.auth, rest.config["endpoint"]) == (False, "none", ["PRIVATE"])
    statement = rest.config["resource_policy"]["Statement"][0]
    assert statement["Condition"] == {"StringEquals": {"aws:SourceVpce": "vpce-1"}}
    assert rest.config["access_logs"] is True and http_api.config["access_logs"] is False
    assert http_api.public is True
    assert app.function("f").properties["FunctionName"] == "custom-deploy-name"


def test_v4_style_with_legacy_iam_keys_and_string_role(tmp_path):
    path = _write(tmp_path, """
service: legacy
frameworkVersion: "4"
provider:
  name: aws
  runtime: python3.12
  iamRoleStatements:
    - Effect: Allow
      Action: [s3:GetObject]
      Resource: arn:aws:s3:::b/*
  iamManagedPolicies:
    - arn:aws:iam::aws:policy/ReadOnlyAccess
functions:
  a:
    handler: a.handler
    tracing: PassThrough
  b:
    handler: b.handler
""")
    (app,) = load_path(path)
    a = app.function("a")
    assert [s.actions for s in a.statements if s.source == "inline:provider.iamRoleStatements"] == [
        ("s3:GetObject",)]
    assert a.managed_policies == ("arn:aws:iam::aws:policy/ReadOnlyAccess",)
    assert a.role_shared_with == ("b",)
    assert a.tracing == "PassThrough" and app.function("b").tracing is None

    external = _write(tmp_path, """
service: ext
provider:
  name: aws
  iam:
    role: arn:aws:iam::123456789012:role/shared
functions:
  a: {handler: a.handler}
  b: {handler: b.handler}
""", "external.yml")
    app = load(external, load_document(external))
    assert app.function("a").role == "arn:aws:iam::123456789012:role/shared"
    assert app.function("a").statements == () and app.function("a").role_shared_with == ("b",)
    assert sum("defined outside this app" in w for w in app.warnings) == 1


def test_functions_as_a_list_of_files(tmp_path):
    _write(tmp_path, "one:\n  handler: one.handler\n", "one.yml")
    _write(tmp_path, "two:\n  handler: two.handler\n  events:\n    - http: GET two\n  iamRoleStatements:\n"
                     "    - {Effect: Allow, Action: s3:GetObject, Resource: '*'}\n", "two.yml")
    path = _write(tmp_path, """
service: split
provider: {name: aws, runtime: python3.12}
functions:
  - ${file(./one.yml)}
  - ${file(./two.yml)}
""")
    (app,) = load_path(path)
    assert [f.name for f in app.functions] == ["one", "two"]
    two = app.function("two")
    assert [(t.type, t.path, t.method) for t in two.triggers] == [("http", "/two", "GET")]
    # lines of included content are lines of the included file, and locations say so
    assert (two.location.file, two.location.line) == (str((tmp_path / "two.yml").resolve()), 1)
    assert (two.triggers[0].location.file, two.triggers[0].location.line) == (two.location.file, 4)
    inline = next(s for s in two.statements if s.source.startswith("inline:"))
    assert (inline.location.file, inline.location.line) == (two.location.file, 6)


def test_python_module_directory_is_the_code_dir(tmp_path):
    (tmp_path / "svc").mkdir()
    _write(tmp_path / "svc", "def handler(e, c):\n    return 1\n", "app.py")
    path = _write(tmp_path, """
service: mods
provider: {name: aws, runtime: python3.12}
functions:
  f:
    handler: app.handler
    module: svc
""")
    (app,) = load_path(path)
    assert app.function("f").code_dir == str((tmp_path / "svc").resolve())
    assert app.function("f").handler_file == str((tmp_path / "svc" / "app.py").resolve())


# -- bad input ---------------------------------------------------------------------------


def test_malformed_yaml_names_file_and_line(tmp_path):
    _write(tmp_path, "service: x\nprovider:\n  name: aws\nfunctions:\n  f: [a, b\n")
    with pytest.raises(InputError) as error:
        load_path(tmp_path)
    assert "serverless.yml:" in str(error.value) and "invalid YAML" in str(error.value)
    assert "\n" not in str(error.value)


def test_circular_reference_is_one_line_error(tmp_path):
    _write(tmp_path, "service: x\nprovider:\n  name: aws\ncustom:\n  a: ${self:custom.b}\n  b: ${self:custom.a}\n")
    with pytest.raises(InputError, match=r"serverless\.yml: circular variable reference: custom\.a -> custom\.b"):
        load_path(tmp_path)


def test_other_cloud_provider_is_refused(tmp_path):
    _write(tmp_path, "service: x\nprovider:\n  name: azure\nfunctions:\n  f: {handler: h.main}\n")
    with pytest.raises(InputError, match="not AWS"):
        load_path(tmp_path)


def test_malformed_parts_become_warnings_and_the_rest_loads(tmp_path):
    path = _write(tmp_path, """
service: partial
provider:
  name: aws
  memorySize: ${ssm:/memory}
functions:
  broken: just-a-string
  noHandler:
    events: {http: GET x}
  good:
    handler: good.handler
    events:
      - http: GET good
      - [not, a, mapping]
      - sqs: {}
""")
    (app,) = load_path(path)
    assert [f.name for f in app.functions] == ["noHandler", "good"]
    assert app.function("good").memory == 1024  # the unresolvable memory falls back to the default
    assert [t.type for t in app.function("good").triggers] == ["http", "sqs"]
    text = "\n".join(app.warnings)
    assert "function broken: definition is not a mapping" in text
    assert "function noHandler: no handler" in text and "events: is not a list" in text
    assert "not a single-key mapping" in text and "memorySize" in text


def test_missing_file_variable_is_a_warning(tmp_path):
    path = _write(tmp_path, """
service: files
provider:
  name: aws
  environment:
    TOKEN: ${file(./secrets.yml):TOKEN}
functions:
  f: {handler: f.handler}
""")
    (app,) = load_path(path)
    assert app.function("f").environment["TOKEN"] == "${file(./secrets.yml):TOKEN}"
    assert any(not w.startswith("info:") and "secrets.yml" in w and "not found" in w for w in app.warnings)


@pytest.mark.parametrize(
    "text",
    [
        "service: x\nfunctions: {f: {handler: a.b, events: [{sqs: [1, 2]}, {http: 5}, {stream: {arn: 7}}, null]}}\n",
        "service: x\nprovider: {environment: [a], iam: {role: {statements: x, managedPolicies: 5}}, layers: 5,"
        " vpc: [1], tracing: weird, apiGateway: {usagePlan: [1, {b: {throttle: 1}}]}, httpApi: {authorizers: 3}}\n"
        "functions: {f: {handler: a.b, url: {authorizer: 5}, layers: {a: 1}, vpc: 3, destinations: 1}}\n",
        "service: x\nprovider: {name: aws, iam: {role: {Fn::GetAtt: [R, Arn]}}}\n"
        "resources: {Resources: {R: {Type: AWS::IAM::Role, Properties: {Policies: 5, ManagedPolicyArns: 3}}}}\n"
        "functions: {f: {handler: a.b}}\n",
        "service: x\nresources: [1, {Resources: {A: 1, B: {Type: 5}}}]\nfunctions: {f: {handler: a.b}}\n",
        "service: x\nconstructs: {q: {type: queue, worker: 5}, r: {type: queue, worker: {handler: w.h, events: 3}}}\n"
        "functions: {f: {handler: a.b, iamRoleStatements: 5}}\n",
    ],
)
def test_malformed_shapes_load_with_warnings_never_a_crash(tmp_path, text):
    path = _write(tmp_path, text)
    app = load(path, load_document(path))
    assert app.function("f") is not None
    assert all(isinstance(w, str) and "\n" not in w for w in app.warnings)


def test_malformed_event_settings_are_skipped_with_a_warning(tmp_path):
    path = _write(tmp_path, "service: x\nfunctions:\n  f:\n    handler: a.b\n    events:\n      - sqs: [1, 2]\n"
                            "      - http: GET ok\n")
    (app,) = load_path(path)
    assert [t.type for t in app.function("f").triggers] == ["http"]
    assert any(":6: function f: sqs event settings" in w for w in app.warnings)


def test_shared_role_has_one_polling_statement_listing_every_queue(tmp_path):
    path = _write(tmp_path, """
service: q
provider: {name: aws, runtime: python3.12}
functions:
  a:
    handler: a.h
    events: [{sqs: "arn:aws:sqs:us-east-1:123456789012:qa"}]
  b:
    handler: b.h
    events: [{sqs: {arn: {"Fn::GetAtt": [QueueB, Arn]}}}, {stream: "arn:aws:kinesis:us-east-1:123456789012:stream/s"}]
  c:
    handler: c.h
resources:
  Resources:
    QueueB: {Type: AWS::SQS::Queue}
""")
    (app,) = load_path(path)
    for name in ("a", "b", "c"):  # the framework's one role grants every function every source
        polling = {s.source: s.resources for s in app.function(name).statements if s.source != "framework:logs"
                   and s.source.startswith("framework:")}
        assert polling == {
            "framework:sqs": ("arn:aws:sqs:us-east-1:123456789012:qa", "${QueueB.Arn}"),
            "framework:kinesis": ("arn:aws:kinesis:us-east-1:123456789012:stream/s",),
        }


@pytest.mark.parametrize(
    "authorizer, auth",
    [
        ("arn:aws:lambda:us-east-1:123456789012:function:auth", "lambda"),
        ("arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_x", "cognito"),
        ("aws_iam", "iam"),
        ("{name: pool, arn: 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/p'}", "cognito"),
        ("{type: aws_iam}", "iam"),
        ("{type: token, arn: 'arn:aws:lambda:us-east-1:123456789012:function:a'}", "lambda"),
        ("{authorizerId: {Ref: PoolAuthorizer}}", "cognito"),
        ("{authorizerId: {Ref: TokenAuthorizer}}", "lambda"),
        ("{authorizerId: abc123}", "unknown"),
    ],
)
def test_rest_authorizer_forms(tmp_path, authorizer, auth):
    path = _write(tmp_path, f"""
service: auth
provider: {{name: aws}}
functions:
  f:
    handler: f.h
    events:
      - http:
          path: x
          method: get
          authorizer: {authorizer}
resources:
  Resources:
    PoolAuthorizer:
      Type: AWS::ApiGateway::Authorizer
      Properties: {{Type: COGNITO_USER_POOLS, RestApiId: {{Ref: ApiGatewayRestApi}}}}
    TokenAuthorizer:
      Type: AWS::ApiGateway::Authorizer
      Properties: {{Type: TOKEN, RestApiId: {{Ref: ApiGatewayRestApi}}}}
""")
    (app,) = load_path(path)
    (route,) = app.function("f").triggers
    assert (route.auth, route.public) == (auth, False)


def test_legacy_provider_role_naming_a_role_of_resources(tmp_path):
    path = _write(tmp_path, """
service: legacy-role
provider:
  name: aws
  role: AppRole
functions:
  a: {handler: a.h}
  b: {handler: b.h}
resources:
  Resources:
    AppRole:
      Type: AWS::IAM::Role
      Properties:
        Policies:
          - PolicyName: app
            PolicyDocument:
              Statement: [{Effect: Allow, Action: "sqs:*", Resource: "*"}]
    ExtraPolicy:
      Type: AWS::IAM::Policy
      Properties:
        Roles: [!Ref AppRole]
        PolicyDocument:
          Statement: [{Effect: Allow, Action: "s3:GetObject", Resource: "*"}]
""")
    (app,) = load_path(path)
    a = app.function("a")
    assert a.role == "AppRole" and a.role_shared_with == ("b",)
    assert [(s.source, s.actions) for s in a.statements] == [("inline:app", ("sqs:*",)),
                                                            ("inline:ExtraPolicy", ("s3:GetObject",))]
    assert not any("outside this app" in w for w in app.warnings)


def test_serverless_json_form(tmp_path):
    _write(tmp_path, '{\n  "service": "jsonsvc",\n  "provider": {"name": "aws", "runtime": "python3.12"},\n'
                     '  "functions": {\n    "hello": {"handler": "h.main", "events": [{"httpApi": "GET /hi"}]}\n'
                     '  }\n}\n', "serverless.json")
    (app,) = load_path(tmp_path)
    hello = app.function("hello")
    assert app.name == "jsonsvc" and hello.location.line == 5
    assert [(t.type, t.path, t.method, t.public) for t in hello.triggers] == [("httpApi", "/hi", "GET", True)]


def test_events_list_from_an_included_file_points_at_that_file(tmp_path):
    _write(tmp_path, "- http: GET a\n- sqs: arn:aws:sqs:us-east-1:123456789012:q\n", "events.yml")
    path = _write(tmp_path, "service: ev\nprovider: {name: aws}\nfunctions:\n  f:\n    handler: f.h\n"
                            "    events: ${file(./events.yml)}\n")
    (app,) = load_path(path)
    locations = [(Path(t.location.file).name, t.location.line) for t in app.function("f").triggers]
    assert locations == [("events.yml", 1), ("events.yml", 2)]


def test_managed_policies_expand_and_unknown_ones_are_named(tmp_path):
    path = _write(tmp_path, """
service: managed
provider:
  name: aws
  iam:
    role:
      managedPolicies:
        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
        - arn:aws:iam::123456789012:policy/team-policy
functions:
  f: {handler: f.h}
""")
    (app,) = load_path(path)
    f = app.function("f")
    basic = [s for s in f.statements
             if s.source == "managed:arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
    assert basic and "logs:PutLogEvents" in {a for s in basic for a in s.actions}
    assert basic[0].location.line == 7
    (warning,) = [w for w in app.warnings if "team-policy" in w]
    assert "not known to fnguard" in warning and "serverless.yml:7" in warning


def test_destinations_are_granted_on_the_shared_role(tmp_path):
    path = _write(tmp_path, """
service: dest
provider: {name: aws}
functions:
  a:
    handler: a.h
    destinations:
      onSuccess: b
      onFailure: {type: eventBus, arn: "arn:aws:events:us-east-1:123456789012:event-bus/bus"}
  b: {handler: b.h}
""")
    (app,) = load_path(path)
    for name in ("a", "b"):
        sends = {s.actions: s.resources for s in app.function(name).statements if s.source == "framework:send"}
        assert sends == {("lambda:InvokeFunction",): ("${BLambdaFunction.Arn}",),
                         ("events:PutEvents",): ("arn:aws:events:us-east-1:123456789012:event-bus/bus",)}
    assert app.function("a").on_failure == "arn:aws:events:us-east-1:123456789012:event-bus/bus"
