"""``fnguard deps`` output formats and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fnguard.cli import main


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "handler.py").write_text("import yaml\n")
    (tmp_path / "requirements.txt").write_text("PyYAML==3.13\nrequests>=2\n")
    (tmp_path / "package-lock.json").write_text(json.dumps(
        {"lockfileVersion": 3, "packages": {"": {}, "node_modules/node-uuid": {"version": "1.4.3"},
                                             "node_modules/@scope/lib": {"version": "1.0.0"}}}))
    return tmp_path


def test_text_report(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deps", str(project)]) == 0
    out = capsys.readouterr().out
    assert "PyYAML 3.13" in out and "node-uuid 1.4.3" in out and "fixed in 1.4.4" in out
    assert "FG302" in out and "requests" in out


def test_json_report_and_fail_on(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deps", str(project), "--format", "json", "--fail-on", "low"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert {s["ecosystem"] for s in report["database"]} == {"PyPI", "npm"}
    function = report["apps"][0]["functions"][0]
    assert {(p["name"], p["version"]) for p in function["packages"]} == {
        ("PyYAML", "3.13"), ("node-uuid", "1.4.3"), ("@scope/lib", "1.0.0")}
    assert [u["name"] for u in function["unpinned"]] == ["requests"]
    for item in report["findings"]:
        assert set(item) == {"rule_id", "risk", "severity", "function", "file", "line", "message", "remediation", "details"}
    vulnerable = [f["details"] for f in report["findings"] if f["rule_id"] == "FG301"]
    assert all({"ecosystem", "package", "version", "ids", "fixed_in", "reachable", "imported_by", "blast_radius"} <= set(d)
               for d in vulnerable)


def test_cyclonedx_sbom_is_valid(project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("cyclonedx")
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    output = tmp_path / "bom.json"
    assert main(["deps", str(project), "--format", "cyclonedx", "--output", str(output)]) == 0
    text = output.read_text()
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert errors is None, errors
    bom = json.loads(text)
    refs = {c["bom-ref"] for c in bom["components"]}
    assert {"pkg:pypi/pyyaml@3.13", "pkg:npm/node-uuid@1.4.3", "pkg:npm/%40scope/lib@1.0.0"} <= refs
    affected = {a["ref"] for v in bom["vulnerabilities"] for a in v["affects"]}
    assert "pkg:npm/node-uuid@1.4.3" in affected and "pkg:npm/%40scope/lib@1.0.0" not in affected


def test_bad_input_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deps", str(tmp_path / "nope")]) == 2
    assert main(["deps", str(tmp_path), "--db", str(tmp_path / "missing.zip")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("fnguard: ") for line in err)


def test_plain_directory_guesses_its_entry_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "app.py").write_text("import yaml\n")  # Chalice's entry file
    assert main(["deps", str(project), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    pyyaml = next(f["details"] for f in report["findings"] if f["details"].get("package") == "PyYAML")
    assert pyyaml["reachable"] is True and pyyaml["imported_by"] == ["app.py"]
