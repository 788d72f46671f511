"""``fnguard scan --aws`` against a real moto server seeded with the bundled example apps.

The account scan must find what the template scan finds for the same app (rule ids per
function), use the template's function names so ``fnguard diff`` lines the two up, and a
permission added by hand after deployment must show in the diff between two snapshots.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_load_aws_seed import ACCOUNT, AWS_ENV, REGION, Seeder, deploy_example  # noqa: E402

from fnguard.aws_policy import ACTIONS, policy_document  # noqa: E402
from fnguard.cli import main as cli  # noqa: E402
from fnguard.load import load_path  # noqa: E402
from fnguard.load.aws.client import Account, Options, iam_action  # noqa: E402
from fnguard.load.aws.code import _unpack  # noqa: E402
from fnguard.load.aws.names import serverless_key  # noqa: E402
from fnguard.model import InputError  # noqa: E402
from moto_server import moto_server  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
APPS = {
    "vulnerable": [("orders-api/vulnerable", "orders-api-dev"), ("media-pipeline/vulnerable", "media")],
    "fixed": [("orders-api/fixed", "orders-api-dev"), ("media-pipeline/fixed", "media")],
}
# What the two scans may rightly disagree on, and why:
# - FG430 (secret in environment): a template that sets the variable once (serverless provider
#   environment) reports it once, on the first function; deployed, every function holds it.
TEMPLATE_DEDUPED = {"FG430"}
# - moto keeps no DeadLetterConfig, so a function with a dead-letter queue loses it in the emulator:
#   FG433 (async trigger without DLQ) appears and the DLQ's sqs:SendMessage grant looks unused (FG204).
MOTO_NO_DLQ = {"FG433", "FG204"}


@pytest.fixture(scope="module")
def accounts() -> Iterator[dict[str, str]]:
    """Two emulated accounts: one holding both vulnerable apps, one both fixed apps."""
    saved = {key: os.environ.get(key) for key in AWS_ENV}
    os.environ.update(AWS_ENV)
    try:
        with moto_server() as vulnerable, moto_server() as fixed:
            for endpoint, kind in ((vulnerable, "vulnerable"), (fixed, "fixed")):
                seeder = Seeder(endpoint)
                for example, stack in APPS[kind]:
                    deploy_example(seeder, EXAMPLES / example, stack)
            yield {"vulnerable": vulnerable, "fixed": fixed}
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    status = cli(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def account_scan(endpoint: str, prefix: str, output: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    status, _out, err = run(["scan", "--aws", "--endpoint-url", endpoint, "--region", REGION, "--function-prefix",
                             prefix, "--format", "json", "--output", str(output), "--force"], capsys)
    assert status in (0, 1), err
    return json.loads(output.read_text())


def rule_ids(report: dict[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for item in report["findings"]:
        if item["function"]:
            found.setdefault(item["function"], set()).add(item["rule_id"])
    return found


@pytest.mark.parametrize("kind,index", [("vulnerable", 0), ("vulnerable", 1), ("fixed", 0), ("fixed", 1)])
def test_account_scan_finds_what_the_template_scan_finds(accounts: dict[str, str], kind: str, index: int,
                                                          tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    example, stack = APPS[kind][index]
    account = account_scan(accounts[kind], f"{stack}-", tmp_path / "account.json", capsys)
    status, out, err = run(["scan", str(EXAMPLES / example), "--format", "json"], capsys)
    template = json.loads(out)
    (app,) = account["apps"]
    assert app["format"] == "aws" and app["source"] == f"aws:{ACCOUNT}:{REGION}"
    names = {f["name"] for f in template["apps"][0]["functions"]}
    assert {f["name"] for f in app["functions"]} == names
    with_dlq = {f.name for f in load_path(EXAMPLES / example)[0].functions if f.dead_letter}
    got, want = rule_ids(account), rule_ids(template)
    assert want, "the template scan found nothing: the comparison would prove nothing"
    for name in names:
        tolerated = TEMPLATE_DEDUPED | (MOTO_NO_DLQ if name in with_dlq else set())
        assert want.get(name, set()) - got.get(name, set()) - (MOTO_NO_DLQ if name in with_dlq else set()) == set(), \
            f"{name}: the account scan misses {sorted(want.get(name, set()) - got.get(name, set()))}"
        added = got.get(name, set()) - want.get(name, set()) - tolerated
        assert added == set(), f"{name}: the account scan adds " + "; ".join(
            f"{f['rule_id']} {f['message']}" for f in account["findings"] if f["rule_id"] in added
            and f["function"] == name)
    template_triggers = {(f["name"], t["type"], t["public"], t["auth"], t.get("path"), t.get("method"),
                          tuple(sorted((t.get("throttling") or {}).items())))
                         for f in template["apps"][0]["functions"] for t in f["triggers"]}
    account_triggers = {(f["name"], t["type"], t["public"], t["auth"], t.get("path"), t.get("method"),
                         tuple(sorted((t.get("throttling") or {}).items())))
                        for f in app["functions"] for t in f["triggers"]}
    assert account_triggers == template_triggers


def test_diff_shows_a_permission_added_by_hand(accounts: dict[str, str], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    endpoint = accounts["vulnerable"]
    before = tmp_path / "before.json"
    after = tmp_path / "after.json"
    account_scan(endpoint, "media-", before, capsys)
    role = Seeder(endpoint).c("iam")
    role.put_role_policy(RoleName="media-AnalyticsFunctionRole", PolicyName="hotfix", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                                                 "Resource": "*"}]}))
    try:
        account_scan(endpoint, "media-", after, capsys)
        status, out, _err = run(["diff", str(before), str(after), "--format", "json"], capsys)
    finally:
        role.delete_role_policy(RoleName="media-AnalyticsFunctionRole", PolicyName="hotfix")
    diff = json.loads(out)
    assert status == 1 and diff["risk_grew"]
    changed = {f["name"]: f for f in diff["functions"]}
    assert set(changed) == {"AnalyticsFunction"}
    assert changed["AnalyticsFunction"]["permissions_added"] == ["Allow secretsmanager:GetSecretValue on *"]
    assert changed["AnalyticsFunction"]["status"] == "changed"


def test_diff_between_template_and_account_lines_functions_up(accounts: dict[str, str], tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    endpoint = accounts["vulnerable"]
    Seeder(endpoint).c("lambda").create_function_url_config(FunctionName="media-CleanupFunction-ABC123",
                                                            AuthType="NONE")
    try:
        account_scan(endpoint, "media-", tmp_path / "account.json", capsys)
    finally:
        Seeder(endpoint).c("lambda").delete_function_url_config(FunctionName="media-CleanupFunction-ABC123")
    status, out, _err = run(["scan", str(EXAMPLES / "media-pipeline/vulnerable"), "--format", "json",
                             "--output", str(tmp_path / "template.json")], capsys)
    status, out, _err = run(["diff", str(tmp_path / "template.json"), str(tmp_path / "account.json"),
                             "--format", "json"], capsys)
    diff = json.loads(out)
    assert {f["status"] for f in diff["functions"]} <= {"changed"}, "functions did not line up by name"
    cleanup = next(f for f in diff["functions"] if f["name"] == "CleanupFunction")
    assert [t["type"] for t in cleanup["new_public_entry_points"]] == ["url"]


def test_paging_reads_every_function(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in AWS_ENV.items():
        monkeypatch.setenv(key, value)
    with moto_server() as endpoint:
        seeder = Seeder(endpoint)
        bucket, key = seeder.upload_code(None, "def handler(event, context):\n    return 1\n")
        role = seeder.c("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        for index in range(60):  # moto answers ListFunctions 50 at a time
            seeder.c("lambda").create_function(FunctionName=f"many-{index:02d}", Runtime="python3.12", Role=role,
                                               Handler="index.handler", Code={"S3Bucket": bucket, "S3Key": key})
        report = account_scan(endpoint, "many-", tmp_path / "many.json", capsys)
        status, out, err = run(["scan", "--aws", "--endpoint-url", endpoint, "--region", REGION, "--region",
                                "eu-west-1", "--function-prefix", "many-1", "--format", "json"], capsys)
        sarif_status, sarif, _ = run(["scan", "--aws", "--endpoint-url", endpoint, "--region", REGION,
                                      "--function-prefix", "many-1", "--format", "sarif"], capsys)
    assert len(report["apps"][0]["functions"]) == 60
    assert status in (0, 1), err
    regions = {app["source"]: len(app["functions"]) for app in json.loads(out)["apps"]}
    assert regions == {f"aws:{ACCOUNT}:{REGION}": 10, f"aws:{ACCOUNT}:eu-west-1": 0}
    assert sarif_status in (0, 1) and json.loads(sarif)["runs"]


def test_every_call_is_in_the_printed_policy(accounts: dict[str, str], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    called: set[tuple[str, str]] = set()
    original_call, original_pages = Account.call, Account.pages

    def call(self: Account, service: str, region: str, operation: str, **kwargs: Any) -> Any:
        called.add((service, operation))
        return original_call(self, service, region, operation, **kwargs)

    def pages(self: Account, service: str, region: str, operation: str, key: str, **kwargs: Any) -> list[Any]:
        called.add((service, operation))
        return original_pages(self, service, region, operation, key, **kwargs)

    monkeypatch.setattr(Account, "call", call)
    monkeypatch.setattr(Account, "pages", pages)
    for kind in ("vulnerable", "fixed"):
        account_scan(accounts[kind], "", tmp_path / f"{kind}.json", capsys)
    assert len(called) > 25
    assert {iam_action(s, o) for s, o in called} - set(ACTIONS) == set()
    status, out, _err = run(["scan", "--aws", "--print-policy"], capsys)
    assert status == 0 and json.loads(out) == policy_document()
    assert not any(a.split(":")[1].startswith(("Put", "Create", "Delete", "Update", "Add", "Remove")) for a in ACTIONS)


def _stub_denied(monkeypatch: pytest.MonkeyPatch, operation: str) -> None:
    """Every Lambda client answers ``operation`` with AccessDenied, as AWS does without the grant."""
    from botocore.stub import Stubber

    original = Account.client

    def client(self: Account, service: str, region: str) -> Any:
        made = original(self, service, region)
        if service == "lambda" and not hasattr(made, "_fnguard_stub"):
            stubber = Stubber(made)
            stubber.add_client_error(operation, service_error_code="AccessDeniedException", http_status_code=403,
                                     service_message="User is not authorized to perform: lambda:ListFunctions")
            stubber.activate()
            made._fnguard_stub = stubber
        return made

    monkeypatch.setattr(Account, "client", client)


def test_missing_permission_names_the_action_and_the_policy(capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in AWS_ENV.items():
        monkeypatch.setenv(key, value)
    with moto_server() as endpoint:
        _stub_denied(monkeypatch, "list_functions")
        status, out, err = run(["scan", "--aws", "--endpoint-url", endpoint, "--region", REGION], capsys)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "missing permission lambda:ListFunctions" in err and "--print-policy" in err


def test_no_credentials_and_no_region_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION",
                "AWS_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    status, _out, err = run(["scan", "--aws"], capsys)
    assert status == 2 and "no AWS region" in err and err.count("\n") == 1
    status, _out, err = run(["scan", "--aws", "--region", "eu-west-1", "--endpoint-url", "http://127.0.0.1:9"],
                            capsys)
    assert status == 2 and "no AWS credentials" in err and err.count("\n") == 1
    status, _out, err = run(["scan", "--aws", "--profile", "nope"], capsys)
    assert status == 2 and "profile 'nope' not found" in err


def test_path_and_aws_are_exclusive(capsys: pytest.CaptureFixture[str]) -> None:
    status, _out, err = run(["scan", str(EXAMPLES / "orders-api/vulnerable"), "--aws"], capsys)
    assert status == 2 and "either PATH or --aws" in err
    status, _out, err = run(["scan"], capsys)
    assert status == 2 and "PATH is required" in err


def test_retries_are_adaptive_and_bounded() -> None:
    account = Account(Options(regions=("eu-west-1",)))
    try:
        assert account.config.retries == {"mode": "adaptive", "total_max_attempts": 10}
        assert account.pool._max_workers == 16
    finally:
        account.close()


def test_denied_call_becomes_input_error() -> None:
    from botocore.exceptions import ClientError

    account = Account(Options(regions=("eu-west-1",)))
    error = ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}, "ResponseMetadata": {"HTTPStatusCode": 403}},
                        "GetBucketNotificationConfiguration")
    with pytest.raises(InputError, match=r"missing permission s3:GetBucketNotification \(in eu-west-1\)"):
        account._failed(error, "s3", "eu-west-1", "GetBucketNotificationConfiguration", True)
    missing = ClientError({"Error": {"Code": "NoSuchBucketPolicy"}, "ResponseMetadata": {"HTTPStatusCode": 404}},
                          "GetBucketPolicy")
    assert account._failed(missing, "s3", "eu-west-1", "GetBucketPolicy", True) is None
    account.close()


def test_serverless_keys_are_recovered_from_logical_ids() -> None:
    assert serverless_key("CreateOrderLambdaFunction", "orders-api-dev-createOrder") == "createOrder"
    assert serverless_key("SendDashmailLambdaFunction", "svc-prod-send-mail") == "send-mail"
    assert serverless_key("SendUnderscoremailLambdaFunction", "svc-prod-send_mail") == "send_mail"
    assert serverless_key("ThumbnailFunction", "media-ThumbnailFunction-ABC123") is None


def test_packages_cannot_write_outside_their_directory(tmp_path: Path) -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../escape.py", "x = 1\n")
    with pytest.raises(ValueError, match="outside"):
        _unpack(buffer.getvalue(), tmp_path / "pkg")
    assert not (tmp_path.parent / "escape.py").exists()


def test_throttled_calls_are_retried_with_backoff() -> None:
    """A local endpoint answers ListFunctions with TooManyRequests twice, then with one page."""
    import http.server
    import threading

    answers = [(429, {"Type": "User", "message": "Rate exceeded"}), (429, {"Type": "User", "message": "Rate exceeded"}),
               (200, {"Functions": [{"FunctionName": "f", "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f"}]})]
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            seen.append(self.path)
            status, body = answers[min(len(seen), len(answers)) - 1]
            data = json.dumps(body).encode()
            self.send_response(status)
            if status == 429:
                self.send_header("x-amzn-ErrorType", "TooManyRequestsException")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    saved = {key: os.environ.get(key) for key in AWS_ENV}
    os.environ.update(AWS_ENV)
    account = Account(Options(regions=(REGION,), endpoint_url=f"http://127.0.0.1:{server.server_port}",
                              max_attempts=4))
    try:
        functions = account.pages("lambda", REGION, "ListFunctions", "Functions")
    finally:
        account.close()
        server.shutdown()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    assert [f["FunctionName"] for f in functions] == ["f"]
    assert len(seen) == 3 and all(path.startswith("/2015-03-31/functions") for path in seen)


def test_topics_queues_and_rules_with_their_policies(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Triggers the examples lack: an SNS topic anyone may publish to, a queue anyone may send to,
    an EventBridge pattern rule, and a resource policy letting any account invoke the function."""
    for key, value in AWS_ENV.items():
        monkeypatch.setenv(key, value)
    anyone = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "{action}",
                                                      "Resource": "{arn}"}]}
    with moto_server() as endpoint:
        seeder = Seeder(endpoint)
        bucket, key = seeder.upload_code(None, "def handler(event, context):\n    return 1\n")
        role = seeder.c("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        arns = {}
        for name in ("onsns", "onsqs", "onrule", "open"):
            arns[name] = seeder.c("lambda").create_function(
                FunctionName=f"ev-{name}", Runtime="python3.12", Role=role, Handler="index.handler",
                Code={"S3Bucket": bucket, "S3Key": key})["FunctionArn"]
        sns, sqs = seeder.c("sns"), seeder.c("sqs")
        topic = sns.create_topic(Name="public-topic")["TopicArn"]
        sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(anyone).replace(
            "{action}", "sns:Publish").replace("{arn}", topic))
        sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arns["onsns"])
        url = sqs.create_queue(QueueName="public-queue")["QueueUrl"]
        queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(anyone).replace(
            "{action}", "sqs:SendMessage").replace("{arn}", queue)})
        seeder.c("lambda").create_event_source_mapping(EventSourceArn=queue, FunctionName=arns["onsqs"])
        seeder.c("events").put_rule(Name="orders", EventPattern=json.dumps({"source": ["shop"]}))
        seeder.c("events").put_targets(Rule="orders", Targets=[{"Id": "1", "Arn": arns["onrule"]}])
        seeder.c("lambda").add_permission(FunctionName="ev-open", StatementId="anyone", Action="lambda:InvokeFunction",
                                          Principal="*")
        report = account_scan(endpoint, "ev-", tmp_path / "ev.json", capsys)
    triggers = {f["name"]: [(t["type"], t["public"], t.get("source")) for t in f["triggers"]]
                for f in report["apps"][0]["functions"]}
    assert triggers["ev-onsns"] == [("sns", True, "publictopic")]
    assert triggers["ev-onsqs"] == [("sqs", True, "publicqueue")]
    assert triggers["ev-onrule"] == [("eventBridge", False, "default")]
    assert triggers["ev-open"] == [("invoke", True, "*")]
    rules = {(f["rule_id"], f["function"]) for f in report["findings"]}
    assert {("FG105", "ev-onsns"), ("FG105", "ev-onsqs"), ("FG104", "ev-open")} <= rules


def test_fnguard_yml_of_the_current_directory_applies(accounts: dict[str, str], tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "fnguard.yml").write_text(
        "ignore:\n  - rule: FG430\n    function: UploadUrlFunction\n    reason: rotated, moving to SSM\n")
    monkeypatch.chdir(tmp_path)
    report = account_scan(accounts["vulnerable"], "media-", tmp_path / "out.json", capsys)
    assert ("FG430", "UploadUrlFunction") not in {(f["rule_id"], f["function"]) for f in report["findings"]}
    assert report["suppressed"]["config"] == 1


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from fnguard.load.aws.scan import _progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for stream, drawn in ((io.StringIO(), False), (Terminal(), True)):
        monkeypatch.setattr(sys, "stderr", stream)
        with _progress(True) as report:
            report("us-east-1: functions", 3, 10)
        assert bool(stream.getvalue()) is drawn


def test_rest_lambda_authorizer_and_private_api(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A route behind a Lambda (TOKEN) authorizer is not public, but the authorizer function is:
    API Gateway calls it with whatever token the caller sends. A PRIVATE API is public to nobody."""
    for key, value in AWS_ENV.items():
        monkeypatch.setenv(key, value)
    with moto_server() as endpoint:
        seeder = Seeder(endpoint)
        bucket, key = seeder.upload_code(None, "def handler(event, context):\n    return 1\n")
        role = seeder.c("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        arns = {name: seeder.c("lambda").create_function(
            FunctionName=f"gw-{name}", Runtime="python3.12", Role=role, Handler="index.handler",
            Code={"S3Bucket": bucket, "S3Key": key})["FunctionArn"] for name in ("api", "auth", "private")}
        gateway = seeder.c("apigateway")

        def route(api: dict[str, Any], function: str, authorization: str, **extra: Any) -> None:
            resource = gateway.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="items")
            gateway.put_method(restApiId=api["id"], resourceId=resource["id"], httpMethod="GET",
                               authorizationType=authorization, **extra)
            gateway.put_integration(restApiId=api["id"], resourceId=resource["id"], httpMethod="GET", type="AWS_PROXY",
                                    integrationHttpMethod="POST", uri=f"arn:aws:apigateway:{REGION}:lambda:path/"
                                    f"2015-03-31/functions/{arns[function]}/invocations")

        api = gateway.create_rest_api(name="shop")
        authorizer = gateway.create_authorizer(
            restApiId=api["id"], name="token", type="TOKEN", identitySource="method.request.header.Authorization",
            authorizerUri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arns['auth']}/invocations")
        route(api, "api", "CUSTOM", authorizerId=authorizer["id"])
        private = gateway.create_rest_api(name="inside", endpointConfiguration={"types": ["PRIVATE"]})
        route(private, "private", "NONE")
        report = account_scan(endpoint, "gw-", tmp_path / "gw.json", capsys)
    triggers = {f["name"]: [(t["type"], t["public"], t["auth"]) for t in f["triggers"]]
                for f in report["apps"][0]["functions"]}
    assert triggers["gw-api"] == [("http", False, "lambda")]
    assert triggers["gw-auth"] == [("other", True, "none")]
    assert triggers["gw-private"] == [("http", False, "none")]


def test_diff_between_a_template_scan_and_an_account_scan_of_one_app(accounts: dict[str, str], tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Template against deployed orders-api: nothing spurious (``${PaymentsQueue.Arn}`` is the queue's
    ARN, findings on serverless.yml are those on the deployed ARNs); then a grant added by hand to
    the role and a function URL added by hand both show, and the risk grew."""
    endpoint, stack = accounts["vulnerable"], "orders-api-dev"
    template, deployed, drifted = tmp_path / "template.json", tmp_path / "deployed.json", tmp_path / "drifted.json"
    status, _out, err = run(["scan", str(EXAMPLES / "orders-api/vulnerable"), "--format", "json", "--output",
                             str(template)], capsys)
    assert status in (0, 1), err
    account_scan(endpoint, f"{stack}-", deployed, capsys)
    status, out, _err = run(["diff", str(template), str(deployed), "--format", "json"], capsys)
    diff = json.loads(out)
    assert diff["comparison"]["kind"] == "template-vs-account"
    assert diff["functions"] == [], "spurious permission or trigger changes"
    assert diff["findings"] == {"new": [], "fixed": []}, "spurious finding changes"
    assert status == 0 and not diff["risk_grew"]
    seeder = Seeder(endpoint)
    role = seeder.c("lambda").get_function_configuration(FunctionName=f"{stack}-createOrder")["Role"].rsplit("/", 1)[-1]
    seeder.c("iam").put_role_policy(RoleName=role, PolicyName="hotfix", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                                                 "Resource": "*"}]}))
    seeder.c("lambda").create_function_url_config(FunctionName=f"{stack}-getOrder", AuthType="NONE")
    try:
        account_scan(endpoint, f"{stack}-", drifted, capsys)
    finally:
        seeder.c("iam").delete_role_policy(RoleName=role, PolicyName="hotfix")
        seeder.c("lambda").delete_function_url_config(FunctionName=f"{stack}-getOrder")
    status, out, _err = run(["diff", str(template), str(drifted), "--format", "json"], capsys)
    diff = json.loads(out)
    assert status == 1 and diff["risk_grew"]
    changed = {f["name"]: f for f in diff["functions"]}
    names = {f["name"] for f in json.loads(template.read_text())["apps"][0]["functions"]}
    assert set(changed) == names, "the role is shared: every function gained the grant"
    for function in changed.values():
        assert function["status"] == "changed" and function["permissions_removed"] == []
        assert function["permissions_added"] == ["Allow secretsmanager:GetSecretValue on *"]
    assert [t["type"] for t in changed["getOrder"]["new_public_entry_points"]] == ["url"]
    assert all(not f["new_public_entry_points"] for name, f in changed.items() if name != "getOrder")
    assert {f["rule_id"] for f in diff["findings"]["new"] if f["function"] == "getOrder"} >= {"FG103"}
    status, text, _err = run(["diff", str(template), str(drifted)], capsys)
    assert status == 1 and text.startswith("comparing template scan (") and "with account scan (aws:" in text
