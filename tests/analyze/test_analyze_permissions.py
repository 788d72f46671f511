"""FG2xx permission rules on hand-built apps, and on DVSA against its documented IAM table."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from fnguard.analyze import ScanContext
from fnguard.analyze import permissions as perm
from fnguard.model import App, Finding, Function, Resource, Statement, Trigger

TABLE = Resource("OrdersTable", "AWS::DynamoDB::Table", {"TableName": "orders"})


def app_with(tmp: Path, code: str | None, statements: tuple[Statement, ...], name: str = "Fn",
             role: str | None = None, extra: tuple[Function, ...] = (), **kw: object) -> App:
    handler_file = None
    if code is not None:
        (tmp / f"{name}.py").write_text("import os\nimport boto3\n" + textwrap.dedent(code))
        handler_file = str(tmp / f"{name}.py")
    fn = Function(name, "python3.12", f"{name}.handler", str(tmp), handler_file, statements=statements,
                  environment={"TABLE": {"Ref": "OrdersTable"}}, role=role, **kw)  # type: ignore[arg-type]
    return App("app", str(tmp / "template.yaml"), "sam", str(tmp), functions=(fn, *extra),
               resources={"OrdersTable": TABLE})


def run(app: App) -> list[Finding]:
    context = ScanContext()
    found: list[Finding] = []
    for check in (perm.check_wildcards, perm.check_escalation, perm.check_needed_vs_granted, perm.check_shared_roles):
        found.extend(check(app, context))
    return found


def rules(findings: list[Finding]) -> set[str]:
    return {f.rule_id for f in findings}


PUT = """
def handler(event, context):
    boto3.resource("dynamodb").Table(os.environ["TABLE"]).put_item(Item=event)
"""
EXACT = (Statement("Allow", ("dynamodb:PutItem",), resources=("${OrdersTable.Arn}",)),)


def test_least_privilege_function_has_no_finding(tmp_path: Path) -> None:
    assert run(app_with(tmp_path, PUT, EXACT)) == []


def test_full_admin_is_critical(tmp_path: Path) -> None:
    found = run(app_with(tmp_path, PUT, (Statement("Allow", ("*",), resources=("*",), source="managed:admin"),)))
    admin = [f for f in found if f.rule_id == "FG201"]
    assert admin and admin[0].severity == "critical" and admin[0].details["actions"] == ["*"]
    assert "FG205" in rules(found)  # admin contains every escalation path


def test_service_wildcard_data_plane_and_exfiltration(tmp_path: Path) -> None:
    found = run(app_with(tmp_path, PUT, (Statement("Allow", ("s3:*", "dynamodb:PutItem"), resources=("*",)),)))
    assert {"FG202", "FG203", "FG206", "FG204"} <= rules(found)
    assert next(f for f in found if f.rule_id == "FG202").details["actions"] == ["s3:*"]
    assert "s3:GetObject" in next(f for f in found if f.rule_id == "FG206").details["actions"]
    assert next(f for f in found if f.rule_id == "FG204").details["actions"] == ["s3:*"]


def test_wildcard_wider_than_needed_is_reported_with_its_use(tmp_path: Path) -> None:
    statements = (Statement("Allow", ("dynamodb:*",), resources=("${OrdersTable.Arn}",)),)
    found = [f for f in run(app_with(tmp_path, PUT, statements)) if f.rule_id == "FG204"]
    assert found and found[0].details["broader"] == {"dynamodb:*": ["dynamodb:PutItem"]}
    assert found[0].details["unused"] == [] and "uses 1 of" in found[0].message


def test_wildcard_arn_counts_as_every_resource(tmp_path: Path) -> None:
    statements = (Statement("Allow", ("dynamodb:PutItem",), resources=("arn:aws:dynamodb:us-east-1:1:table/*",)),)
    assert "FG203" in rules(run(app_with(tmp_path, PUT, statements)))
    assert perm.wildcard_resource("arn:aws:s3:::*/*") and not perm.wildcard_resource("arn:aws:s3:::site/*")


def test_needed_but_not_granted(tmp_path: Path) -> None:
    statements = (Statement("Allow", ("dynamodb:GetItem",), resources=("${OrdersTable.Arn}",)),)
    found = [f for f in run(app_with(tmp_path, PUT, statements)) if f.rule_id == "FG208"]
    assert found and found[0].details["actions"] == ["dynamodb:PutItem"]


def test_resource_from_an_unset_variable_is_missing(tmp_path: Path) -> None:
    code = """
def handler(event, context):
    boto3.client("s3").get_object(Bucket=os.environ["NOT_SET"], Key="k")
"""
    scoped = (Statement("Allow", ("s3:GetObject",), resources=("arn:aws:s3:::other/*",)),)
    found = [f for f in run(app_with(tmp_path, code, scoped)) if f.rule_id == "FG208"]
    assert found and found[0].details["unset_environment"] == ["NOT_SET"]
    everywhere = (Statement("Allow", ("s3:GetObject",), resources=("*",)),)
    assert "FG208" not in rules(run(app_with(tmp_path, code, everywhere)))


def test_escalation_path(tmp_path: Path) -> None:
    statements = EXACT + (Statement("Allow", ("iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"),
                                    resources=("*",)),)
    found = [f for f in run(app_with(tmp_path, PUT, statements)) if f.rule_id == "FG205"]
    assert found and "PassExistingRoleToNewLambdaThenInvoke" in found[0].details["paths"]
    assert {"iam:PassRole", "lambda:CreateFunction"} <= set(found[0].details["actions"])
    scoped = EXACT + (Statement("Allow", ("iam:PassRole",), resources=("arn:aws:iam::1:role/one",)),
                      Statement("Allow", ("lambda:CreateFunction", "lambda:InvokeFunction"), resources=("*",)))
    assert "FG205" not in rules(run(app_with(tmp_path, PUT, scoped)))


def test_pass_role_limited_to_another_service_opens_no_lambda_path(tmp_path: Path) -> None:
    limited = EXACT + (
        Statement("Allow", ("iam:PassRole",), resources=("*",),
                  conditions={"StringEquals": {"iam:PassedToService": "application-autoscaling.amazonaws.com"}}),
        Statement("Allow", ("lambda:CreateFunction", "lambda:InvokeFunction"), resources=("*",)),
    )
    assert "FG205" not in rules(run(app_with(tmp_path, PUT, limited)))
    to_lambda = EXACT + (
        Statement("Allow", ("iam:PassRole",), resources=("*",),
                  conditions={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}),
        Statement("Allow", ("lambda:CreateFunction", "lambda:InvokeFunction"), resources=("*",)),
    )
    assert "FG205" in rules(run(app_with(tmp_path, PUT, to_lambda)))


def test_misspelt_action(tmp_path: Path) -> None:
    statements = EXACT + (Statement("Allow", ("sts:GetCallerIdentify",), resources=("*",)),)
    found = [f for f in run(app_with(tmp_path, PUT, statements)) if f.rule_id == "FG209"]
    assert found and found[0].severity == "low" and found[0].details["suggestion"] == "sts:GetCallerIdentity"


def test_unresolved_calls_are_reported_and_block_unused_claims(tmp_path: Path) -> None:
    code = PUT + "    boto3.client(event['svc']).go()\n"
    statements = EXACT + (Statement("Allow", ("sqs:SendMessage",), resources=("*",)),)
    found = run(app_with(tmp_path, code, statements))
    assert "FG210" in rules(found) and "FG204" not in rules(found)


def test_platform_permissions_are_not_unused(tmp_path: Path) -> None:
    statements = EXACT + (
        Statement("Allow", ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"), resources=("*",)),
        Statement("Allow", ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"), resources=("*",)),
    )
    app = app_with(tmp_path, PUT, statements, triggers=(Trigger("sqs", source="Jobs"),))
    assert run(app) == []


def test_no_code_means_no_unused_or_missing_claims(tmp_path: Path) -> None:
    app = app_with(tmp_path, None, (Statement("Allow", ("sqs:SendMessage",), resources=("${Q.Arn}",)),))
    assert run(app) == []


def test_external_role_is_unknown(tmp_path: Path) -> None:
    app = app_with(tmp_path, PUT, (), role="arn:aws:iam::123456789012:role/shared")
    assert rules(run(app)) == {"FG211"}


def test_shared_role_with_different_needs(tmp_path: Path) -> None:
    (tmp_path / "Other.py").write_text("import boto3\ndef handler(e, c):\n    boto3.client('sqs').send_message(QueueUrl='q', MessageBody='m')\n")
    other = Function("Other", "python3.12", "Other.handler", str(tmp_path), str(tmp_path / "Other.py"), role="SharedRole")
    app = app_with(tmp_path, PUT, EXACT, role="SharedRole", extra=(other,))
    found = [f for f in run(app) if f.rule_id == "FG207"]
    assert found and found[0].details["functions"] == ["Fn", "Other"]
    same = Function("Same", "python3.12", "Fn.handler", str(tmp_path), str(tmp_path / "Fn.py"), role="SharedRole")
    assert "FG207" not in rules(run(app_with(tmp_path, PUT, EXACT, role="SharedRole", extra=(same,))))


# -- DVSA, against the corpus README's "IAM least privilege" table ---------------------------------
DVSA_MIRROR = Path("/work/.mirror/OWASP+DVSA/repo")
DVSA_COMMIT = "c04e0a536ac54db8f732144be92b5f208169f8c4"


@pytest.fixture(scope="module")
def dvsa(tmp_path_factory: pytest.TempPathFactory) -> App:
    if not DVSA_MIRROR.is_dir():
        pytest.skip("DVSA mirror not on this machine (its code is not ours to commit)")
    root = tmp_path_factory.mktemp("dvsa")
    archive = subprocess.run(["git", "--git-dir", str(DVSA_MIRROR), "archive", DVSA_COMMIT, "template.yml", "backend"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
    from fnguard.load import load_path

    return load_path(root)[0]


def test_dvsa_needs_match_the_ground_truth(dvsa: App) -> None:
    from fnguard.iam.generate import function_needs

    expected = {
        "OrderNewFunction": {"dynamodb:PutItem"},
        "OrderCompleteFunction": {"dynamodb:Query"},
        "OrderBillingFunction": {"dynamodb:GetItem", "dynamodb:UpdateItem", "sqs:SendMessage"},
        "GetTotalFunction": {"s3:GetObject"},
        "SendReceiptFunction": {"dynamodb:GetItem", "s3:GetObject", "s3:PutObject", "ses:SendEmail"},
        "CronOrderCleanerFunction": {"dynamodb:Scan", "dynamodb:DeleteItem", "logs:DescribeLogGroups",
                                     "logs:PutRetentionPolicy"},
        "CronJobUpdateFunction": {"dynamodb:Scan", "lambda:InvokeFunction"},
        "UserCreateFunction": {"dynamodb:PutItem", "lambda:InvokeFunction", "ses:VerifyEmailIdentity"},
        "UserInboxFunction": {"ses:VerifyEmailIdentity"},  # sts:GetCallerIdentity needs no permission
        "FeedbackUploadFunction": {"s3:PutObject"},  # presigned POST
        "AdminGetOrders": {"dynamodb:Scan"},
    }
    for name, actions in expected.items():
        needs = function_needs(dvsa, dvsa.function(name))  # type: ignore[arg-type]
        assert set(needs.actions) == actions, name
    invoke = function_needs(dvsa, dvsa.function("CronJobUpdateFunction"))  # type: ignore[arg-type]
    lam = next(n for n in invoke.needs if n.action == "lambda:InvokeFunction")
    assert lam.resources[0].endswith(":function:${CreateReceiptFunction}")  # FunctionName DVSA-CREATE-RECEIPT


def test_dvsa_findings_match_the_ground_truth(dvsa: App) -> None:
    found = run(dvsa)
    by_rule: dict[str, set[str]] = {}
    for f in found:
        by_rule.setdefault(f.rule_id, set()).add(f.function or "")
    assert {"SendReceiptFunction", "UserInboxFunction"} <= by_rule["FG209"]  # sts:GetCallerIdentify
    assert {"SendReceiptFunction", "CreateReceiptFunction", "OrderCompleteFunction"} <= by_rule["FG203"]
    assert {"FeedbackUploadFunction", "AdminGetOrders", "AdminGetReceiptFunction"} <= by_rule["FG202"]
    assert {"CronJobUpdateFunction", "OrderManagerFunction"} <= by_rule["FG203"]  # AWSLambdaRole invoke on *
    assert "OrderBillingFunction" in by_rule["FG204"]  # its S3 grant is unused
    unused = next(f for f in found if f.rule_id == "FG204" and f.function == "OrderBillingFunction")
    assert "s3:PutObject" in unused.details["actions"]
    # CreateReceiptFunction reads the inventory from a bucket named by CLIENT_BUCKET, which its
    # environment does not set: the documented under-privilege.
    missing = [f for f in found if f.rule_id == "FG208"]
    assert [(f.function, f.details.get("unset_environment")) for f in missing] == [
        ("CreateReceiptFunction", ["CLIENT_BUCKET"])]
    # UserCreateFunction is the documented near-least-privilege true negative.
    assert "UserCreateFunction" not in by_rule.get("FG203", set()) | by_rule.get("FG202", set()) \
        | by_rule.get("FG205", set()) | by_rule.get("FG208", set())


def test_unknown_key_inside_a_narrower_grant_is_not_missing(tmp_path: Path) -> None:
    code = """
def handler(event, context):
    boto3.client("s3").delete_object(Bucket="site", Key=event["key"])
"""
    site = Resource("Site", "AWS::S3::Bucket", {"BucketName": "site"})
    narrow = (Statement("Allow", ("s3:DeleteObject",), resources=("${Site.Arn}/thumbnails/*",)),)
    app = app_with(tmp_path, code, narrow)
    app = App(app.name, app.source, app.format, app.root, app.functions, {"Site": site})
    assert "FG208" not in rules(run(app))
    other = (Statement("Allow", ("s3:DeleteObject",), resources=("arn:aws:s3:::elsewhere/*",)),)
    app = app_with(tmp_path, code, other)
    app = App(app.name, app.source, app.format, app.root, app.functions, {"Site": site})
    assert "FG208" in rules(run(app))


@pytest.mark.parametrize(("name", "expected", "absent"), [
    ("orders-api/vulnerable", {"FG202", "FG203", "FG204", "FG205", "FG206", "FG207"}, {"FG208"}),
    ("orders-api/fixed", set(), {"FG201", "FG202", "FG203", "FG204", "FG205", "FG206", "FG207", "FG208"}),
    ("media-pipeline/fixed", set(), {"FG201", "FG202", "FG203", "FG204", "FG205", "FG206", "FG207", "FG208"}),
])
def test_examples_permission_findings(examples: Path, name: str, expected: set[str], absent: set[str]) -> None:
    if not (examples / name).is_dir():
        pytest.skip(f"example {name} not present")
    from fnguard.load import load_path

    found = rules([f for app in load_path(examples / name) for f in run(app)])
    assert expected <= found
    assert not (absent & found), absent & found


GOAT_MIRROR = Path("/work/.mirror/motikan2010+Serverless-Goat-Python/repo")


def test_serverless_goat_python_needs_and_overgrant(tmp_path: Path) -> None:
    """Corpus G2: DynamoDBCrudPolicy where only PutItem is needed, S3FullAccess for PutObject(+Acl)."""
    if not GOAT_MIRROR.is_dir():
        pytest.skip("Serverless-Goat-Python mirror not on this machine")
    archive = subprocess.run(["git", "--git-dir", str(GOAT_MIRROR), "archive", "9cfa9e029251", "template.yaml", "src"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tmp_path)], input=archive, check=True)
    from fnguard.iam.generate import function_needs
    from fnguard.load import load_path

    app = load_path(tmp_path)[0]
    convert = app.function("FunctionConvert")
    assert convert is not None
    assert function_needs(app, convert).actions == ("dynamodb:PutItem", "s3:PutObject", "s3:PutObjectAcl")
    unused = next(f for f in run(app) if f.rule_id == "FG204" and f.function == "FunctionConvert")
    assert {"dynamodb:DeleteItem", "dynamodb:Scan"} <= set(unused.details["actions"])
