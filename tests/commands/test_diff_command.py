"""``fnguard diff OLD.json NEW.json``: permissions, triggers, findings, and the exit status gate."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from fnguard.cli import main

BASE = {
    "fnguard": "0.1.0",
    "apps": [{
        "name": "orders", "source": "serverless.yml",
        "functions": [{
            "name": "createOrder", "runtime": "python3.12", "handler": "h.handler",
            "triggers": [{"type": "http", "public": False, "auth": "cognito", "path": "/orders", "method": "POST"}],
            "permissions": [{"Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": ["${OrdersTable.Arn}"]}],
        }],
    }],
    "findings": [{"rule_id": "FG204", "risk": "permissions", "severity": "medium", "function": "createOrder",
                  "file": "serverless.yml", "line": 10, "message": "unused", "remediation": "", "details": {}}],
}


def diff(tmp_path: Path, old: dict, new: dict, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new))
    code = main(["diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"), *extra])
    return code, capsys.readouterr().out


def test_identical_reports_exit_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = diff(tmp_path, BASE, BASE, capsys)
    assert code == 0 and "risk did not grow" in out


def test_line_moves_are_not_new_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = copy.deepcopy(BASE)
    new["findings"][0]["line"] = 99
    code, out = diff(tmp_path, BASE, new, capsys, "--format", "json")
    assert code == 0 and json.loads(out)["findings"] == {"new": [], "fixed": []}


def test_added_permission_grows_the_risk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = copy.deepcopy(BASE)
    new["apps"][0]["functions"][0]["permissions"].append({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    code, out = diff(tmp_path, BASE, new, capsys, "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["risk_grew"]
    assert doc["functions"][0]["permissions_added"] == ["Allow s3:* on *"]


def test_widened_resource_shows_as_added_and_removed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = copy.deepcopy(BASE)
    new["apps"][0]["functions"][0]["permissions"][0]["Resource"] = "*"
    code, out = diff(tmp_path, BASE, new, capsys)
    assert code == 1
    assert "+ permission Allow dynamodb:PutItem on *" in out
    assert "- permission Allow dynamodb:PutItem on ${OrdersTable.Arn}" in out


def test_removed_permission_and_fixed_finding_do_not_grow_the_risk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = copy.deepcopy(BASE)
    new["apps"][0]["functions"][0]["permissions"] = []
    new["findings"] = []
    code, out = diff(tmp_path, BASE, new, capsys, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and not doc["risk_grew"]
    assert doc["findings"]["fixed"][0]["rule_id"] == "FG204"


def test_new_public_entry_point(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = copy.deepcopy(BASE)
    new["apps"][0]["functions"][0]["triggers"].append({"type": "url", "public": True, "auth": "none"})
    new["apps"][0]["functions"][0]["triggers"][0]["public"] = True  # the route lost its authorizer
    code, out = diff(tmp_path, BASE, new, capsys, "--format", "json")
    fn = json.loads(out)["functions"][0]
    assert code == 1
    assert [t["type"] for t in fn["triggers_added"]] == ["url"]
    assert sorted(t["type"] for t in fn["new_public_entry_points"]) == ["http", "url"]


def test_new_function_and_new_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = copy.deepcopy(BASE)
    new["apps"][0]["functions"].append({"name": "admin", "triggers": [], "permissions": []})
    new["findings"].append({**BASE["findings"][0], "rule_id": "FG201", "severity": "critical", "message": "admin"})
    code, out = diff(tmp_path, BASE, new, capsys)
    assert code == 1
    assert "function admin (added)" in out and "new   critical FG201" in out


def test_info_findings_alone_do_not_fail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = copy.deepcopy(BASE)
    new["findings"].append({**BASE["findings"][0], "rule_id": "FG210", "severity": "info", "message": "x"})
    assert diff(tmp_path, BASE, new, capsys)[0] == 0


@pytest.mark.parametrize("content", ["not json", "[]", '{"apps": "x"}'])
def test_bad_input_exits_two(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str) -> None:
    (tmp_path / "bad.json").write_text(content)
    (tmp_path / "ok.json").write_text(json.dumps(BASE))
    assert main(["diff", str(tmp_path / "bad.json"), str(tmp_path / "ok.json")]) == 2
    assert main(["diff", str(tmp_path / "ok.json"), str(tmp_path / "missing.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 2


def test_real_scan_reports(examples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two scans of the same app compare equal; vulnerable after fixed shows the risk grew."""
    reports = {}
    for name in ("fixed", "vulnerable"):
        main(["scan", str(examples / "orders-api" / name), "--format", "json"])
        reports[name] = json.loads(capsys.readouterr().out)
    assert diff(tmp_path, reports["fixed"], reports["fixed"], capsys)[0] == 0
    code, out = diff(tmp_path, reports["fixed"], reports["vulnerable"], capsys, "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["findings"]["new"]
    assert any(f["new_public_entry_points"] for f in doc["functions"])


# -- a template scan against an account scan (fnguard scan --aws) -------------------------------

ACCOUNT_ID = "123456789012"
TABLE_ARN = f"arn:aws:dynamodb:us-east-1:{ACCOUNT_ID}:table/orders-dev"
FN_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:orders-api-dev-createOrder"


def template_report() -> dict:
    """A template scan: resources as the template writes them, findings on the template's file."""
    return {
        "fnguard": "0.1.0",
        "apps": [{
            "name": "orders", "source": "serverless.yml", "format": "serverless",
            "functions": [{
                "name": "createOrder", "runtime": "python3.12", "handler": "h.handler",
                "triggers": [{"type": "http", "public": False, "auth": "cognito", "path": "/orders", "method": "POST"},
                             {"type": "s3", "public": False, "auth": "none", "source": "UploadsBucket"}],
                "permissions": [
                    {"Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:GetItem"], "Resource": ["${OrdersTable.Arn}"]},
                    {"Effect": "Allow", "Action": "dynamodb:Query", "Resource":
                     "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${OrdersTable}/index/*"},
                    {"Effect": "Allow", "Action": "sqs:SendMessage",
                     "Resource": {"Fn::Join": [":", ["arn:aws:sqs", {"Ref": "AWS::Region"}, "dlq"]]}},
                    {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"},
                ],
            }, {
                "name": "getOrder", "runtime": "python3.12", "handler": "g.handler", "triggers": [],
                "permissions": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "${OrdersTable.Arn}"}],
            }],
        }],
        "findings": [
            {"rule_id": "FG202", "severity": "high", "function": "createOrder", "file": "serverless.yml", "line": 30,
             "message": "createOrder: grants whole services: s3:*", "details": {"subject": "s3:*"}},
            {"rule_id": "FG430", "severity": "high", "function": "createOrder", "file": "serverless.yml", "line": 18,
             "message": "Environment variable KEY of createOrder is stored in plain text",
             "details": {"subject": "env:KEY", "functions": ["createOrder", "getOrder"]}},
            {"rule_id": "FG207", "severity": "medium", "function": "createOrder", "file": "serverless.yml", "line": 34,
             "message": "role IamRoleLambdaExecution is shared by createOrder, getOrder",
             "details": {"subject": "IamRoleLambdaExecution", "functions": ["createOrder", "getOrder"]}},
            {"rule_id": "FG401", "severity": "critical", "function": "createOrder", "file": "src/handlers/h.py",
             "line": 12, "message": "OS command injection in src/handlers/h.py:12", "details": {}},
        ],
    }


def account_report() -> dict:
    """The same app as ``fnguard scan --aws`` reads it once deployed."""
    return {
        "fnguard": "0.1.0",
        "apps": [{
            "name": f"{ACCOUNT_ID}/us-east-1", "source": f"aws:{ACCOUNT_ID}:us-east-1", "format": "aws",
            "functions": [{
                "name": "createOrder", "runtime": "python3.12", "handler": "h.handler",
                "triggers": [{"type": "http", "public": False, "auth": "cognito", "path": "/orders", "method": "POST"},
                             {"type": "s3", "public": False, "auth": "none", "source": "uploads-bucket-1a2b"}],
                "permissions": [
                    {"Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:GetItem"], "Resource": [TABLE_ARN]},
                    {"Effect": "Allow", "Action": "dynamodb:Query", "Resource": f"{TABLE_ARN}/index/*"},
                    {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:dlq"},
                    {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"},
                ],
            }, {
                "name": "getOrder", "runtime": "python3.12", "handler": "g.handler", "triggers": [],
                "permissions": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": TABLE_ARN}],
            }],
        }],
        "findings": [
            {"rule_id": "FG202", "severity": "high", "function": "createOrder", "file": FN_ARN, "line": None,
             "message": "createOrder: grants whole services: s3:*", "details": {"subject": "s3:*"}},
            {"rule_id": "FG430", "severity": "high", "function": "createOrder", "file": FN_ARN, "line": None,
             "message": "Environment variable KEY of createOrder is stored in plain text",
             "details": {"subject": "env:KEY"}},
            {"rule_id": "FG430", "severity": "high", "function": "getOrder", "file": FN_ARN.replace("create", "get"),
             "line": None, "message": "Environment variable KEY of getOrder is stored in plain text",
             "details": {"subject": "env:KEY"}},
            {"rule_id": "FG207", "severity": "medium", "function": "createOrder", "file": FN_ARN, "line": None,
             "message": "role ordersapidevIamRoleLambdaExecution is shared by createOrder, getOrder",
             "details": {"subject": "ordersapidevIamRoleLambdaExecution", "functions": ["createOrder", "getOrder"]}},
            {"rule_id": "FG401", "severity": "critical", "function": "createOrder", "file": "handlers/h.py",
             "line": 14, "message": "OS command injection in handlers/h.py:14", "details": {}},
        ],
    }


def test_template_and_account_of_one_app_compare_equal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = diff(tmp_path, template_report(), account_report(), capsys, "--format", "json")
    doc = json.loads(out)
    assert code == 0, out
    assert doc["functions"] == [] and doc["findings"] == {"new": [], "fixed": []}
    assert doc["comparison"]["kind"] == "template-vs-account" and doc["comparison"]["cross"]
    assert doc["comparison"]["new"] == {"kind": "account", "sources": [f"aws:{ACCOUNT_ID}:us-east-1"]}
    code, out = diff(tmp_path, template_report(), account_report(), capsys)
    assert out.splitlines()[0].startswith("comparing template scan (serverless.yml) with account scan (aws:")
    assert "template references matched to deployed ARNs" in out.splitlines()[0]
    code, out = diff(tmp_path, account_report(), template_report(), capsys, "--format", "json")
    assert code == 0 and json.loads(out)["comparison"]["kind"] == "account-vs-template"
    assert json.loads(out)["functions"] == [] and json.loads(out)["findings"] == {"new": [], "fixed": []}


def test_same_kind_comparisons_stay_literal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two template scans: a resource written another way is a change, findings keep their file."""
    concrete = template_report()
    concrete["apps"][0]["functions"][1]["permissions"][0]["Resource"] = TABLE_ARN
    code, out = diff(tmp_path, template_report(), concrete, capsys, "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["comparison"] == {
        "kind": "template-vs-template", "cross": False, "old": {"kind": "template", "sources": ["serverless.yml"]},
        "new": {"kind": "template", "sources": ["serverless.yml"]}}
    assert doc["functions"][0]["permissions_added"] == [f"Allow dynamodb:GetItem on {TABLE_ARN}"]
    moved = account_report()
    moved["findings"][0]["file"] = "somewhere-else"
    code, out = diff(tmp_path, account_report(), moved, capsys)
    assert code == 1 and out.splitlines()[0].startswith("comparing account scan (aws:")
    assert "new   high FG202 createOrder" in out and "fixed high FG202 createOrder" in out


def test_a_deployed_resource_wider_than_the_template_shows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """${...} never stands for '*': a grant widened to every table is a change."""
    account = account_report()
    account["apps"][0]["functions"][1]["permissions"][0]["Resource"] = "*"
    code, out = diff(tmp_path, template_report(), account, capsys, "--format", "json")
    fn = json.loads(out)["functions"]
    assert code == 1
    assert fn == [{"name": "getOrder", "status": "changed", "permissions_added": ["Allow dynamodb:GetItem on *"],
                   "permissions_removed": ["Allow dynamodb:GetItem on ${OrdersTable.Arn}"], "triggers_added": [],
                   "triggers_removed": [], "new_public_entry_points": []}]


def test_a_grant_on_another_resource_is_not_hidden_by_the_template(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """${OrdersTable.Arn} stands for the table every other match agrees on, not for any table."""
    account = account_report()
    users = f"arn:aws:dynamodb:us-east-1:{ACCOUNT_ID}:table/users"
    account["apps"][0]["functions"][1]["permissions"].append(
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": users})
    account["apps"][0]["functions"][0]["permissions"].append(
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"})
    code, out = diff(tmp_path, template_report(), account, capsys, "--format", "json")
    changed = {f["name"]: f for f in json.loads(out)["functions"]}
    assert code == 1
    assert changed["getOrder"]["permissions_added"] == [f"Allow dynamodb:GetItem on {users}"]
    assert changed["getOrder"]["permissions_removed"] == []
    assert changed["createOrder"]["permissions_added"] == ["Allow secretsmanager:GetSecretValue on *"]
    code, out = diff(tmp_path, account, template_report(), capsys, "--format", "json")  # the other way round
    changed = {f["name"]: f for f in json.loads(out)["functions"]}
    assert code == 0 and changed["getOrder"]["permissions_removed"] == [f"Allow dynamodb:GetItem on {users}"]


def test_a_removed_grant_shows_between_template_and_account(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    account = account_report()
    del account["apps"][0]["functions"][0]["permissions"][1]
    code, out = diff(tmp_path, template_report(), account, capsys)
    assert code == 0
    assert ("- permission Allow dynamodb:Query on arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}"
            ":table/${OrdersTable}/index/*") in out
    assert "+ permission" not in out


def test_findings_between_template_and_account_compare_by_subject(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    account = account_report()
    account["findings"].append({**account["findings"][0], "rule_id": "FG203", "message": "createOrder: * on *",
                                "details": {"subject": "*"}})
    account["findings"][0]["details"]["subject"] = "dynamodb:*,s3:*"  # widened: not the template's finding
    code, out = diff(tmp_path, template_report(), account, capsys, "--format", "json")
    findings = json.loads(out)["findings"]
    assert code == 1
    assert sorted((f["rule_id"], f["details"]["subject"]) for f in findings["new"]) == [
        ("FG202", "dynamodb:*,s3:*"), ("FG203", "*")]
    assert [(f["rule_id"], f["details"]["subject"]) for f in findings["fixed"]] == [("FG202", "s3:*")]


def test_a_setting_the_template_reports_once_is_not_new_on_every_function(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """FG430 on a provider-wide variable: once in the template (details.functions), per function deployed."""
    template = template_report()
    template["findings"][1]["details"]["functions"] = ["createOrder"]
    code, out = diff(tmp_path, template, account_report(), capsys, "--format", "json")
    findings = json.loads(out)["findings"]
    assert code == 1 and [(f["rule_id"], f["function"]) for f in findings["new"]] == [("FG430", "getOrder")]


def test_messages_are_normalised_when_there_is_no_subject() -> None:
    from fnguard.report_diff import normalise_message

    assert normalise_message("injection in src/handlers/h.py:12 via arn:aws:sqs:us-east-1:1:q") == \
        normalise_message("injection in handlers/h.py:40 via arn:aws:sqs:us-east-1:1:other-q") == \
        "injection in h.py via <arn>"
    assert normalise_message("see line 12 of template.yaml") == "see line of template.yaml"


def test_triggers_between_template_and_account(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A bucket known by its logical id in the template and its name in the account is one trigger;
    a function URL added by hand is a new public entry point."""
    account = account_report()
    account["apps"][0]["functions"][1]["triggers"].append({"type": "url", "public": True, "auth": "none"})
    account["apps"][0]["functions"][0]["triggers"][1]["public"] = True  # the bucket's policy was opened
    code, out = diff(tmp_path, template_report(), account, capsys, "--format", "json")
    changed = {f["name"]: f for f in json.loads(out)["functions"]}
    assert code == 1
    assert changed["getOrder"]["triggers_added"] == [{"type": "url", "public": True, "auth": "none"}]
    assert changed["getOrder"]["new_public_entry_points"] == changed["getOrder"]["triggers_added"]
    assert changed["createOrder"]["triggers_added"] == [] and changed["createOrder"]["triggers_removed"] == []
    assert [t["source"] for t in changed["createOrder"]["new_public_entry_points"]] == ["uploads-bucket-1a2b"]


def test_account_scan_of_several_regions_lines_up_with_one_template(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    account = account_report()
    account["apps"].append({"name": f"{ACCOUNT_ID}/eu-west-1", "source": f"aws:{ACCOUNT_ID}:eu-west-1",
                            "format": "aws", "functions": []})
    code, out = diff(tmp_path, template_report(), account, capsys, "--format", "json")
    assert code == 0 and json.loads(out)["functions"] == []
