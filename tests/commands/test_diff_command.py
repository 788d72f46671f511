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
