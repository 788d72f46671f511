"""FG3xx through ``fnguard scan`` on the corpus apps, loaded by the real loaders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fnguard.cli import main


def _scan(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[list[dict], str]:
    capsys.readouterr()
    main(["scan", str(path), "--format", "json"])
    captured = capsys.readouterr()
    return [f for f in json.loads(captured.out)["findings"] if f["rule_id"].startswith("FG3")], captured.err


def test_dvsa_order_manager_node_serialize(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    findings, err = _scan(corpus / "apps" / "DVSA", capsys)
    vulnerable = {(f["function"], f["details"]["package"], f["details"]["version"]) for f in findings if f["rule_id"] == "FG301"}
    assert ("OrderManagerFunction", "node-serialize", "0.0.4") in vulnerable
    assert not any(package == "node-jose" for _, package, _ in vulnerable)
    serialize = next(f for f in findings if f["details"].get("package") == "node-serialize")
    assert serialize["details"]["blast_radius"]["public"] is True
    assert serialize["severity"] == "critical"
    assert "dependency_findings failed" not in err


def test_serverless_goat_node_uuid(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    findings, _ = _scan(corpus / "apps" / "Serverless-Goat", capsys)
    uuid = [f for f in findings if f["rule_id"] == "FG301" and f["details"]["package"] == "node-uuid"]
    assert [(f["function"], f["details"]["version"], f["details"]["fixed_in"]) for f in uuid] == [
        ("FunctionConvert", "1.4.3", "1.4.4")]
    assert uuid[0]["file"].endswith("src/api/convert/package-lock.json")
