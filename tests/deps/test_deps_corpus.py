"""Ground truth of the shared corpus (corpus/apps/README.md, "Dependencies" sections)."""

from __future__ import annotations

import json
from pathlib import Path

from fnguard.cli import main


def _deps_json(path: Path, capsys) -> dict:  # type: ignore[no-untyped-def]
    capsys.readouterr()
    assert main(["deps", str(path), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def _vulnerable(report: dict) -> dict[str, dict]:
    return {f"{f['details']['package'].lower()}@{f['details']['version']}": f["details"]
            for f in report["findings"] if f["rule_id"] == "FG301"}


def test_dvfaas_pipfile_lock(corpus: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    found = _vulnerable(_deps_json(corpus / "apps" / "DVFaaS" / "Pipfile.lock", capsys))
    assert "pyyaml@3.13" in found and "urllib3@1.24.1" in found and "requests@2.21.0" in found
    assert {"CVE-2017-18342", "CVE-2020-14343"} <= set(found["pyyaml@3.13"]["ids"])
    # The corpus README also names CVE-2021-33503, but its record (PYSEC-2021-108) starts at 1.25.4.
    assert {"CVE-2019-11324", "CVE-2019-11236", "CVE-2020-26137", "CVE-2023-43804"} <= set(found["urllib3@1.24.1"]["ids"])
    assert "CVE-2021-33503" not in found["urllib3@1.24.1"]["ids"]
    assert found["pyyaml@3.13"]["fixed_in"] == "5.4"
    assert "gitpython@2.1.11" in found and "CVE-2022-24439" in found["gitpython@2.1.11"]["ids"]


def test_dvfaas_vendored_pyyaml(corpus: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    lab = corpus / "apps" / "DVFaaS" / "insecure_deserialization" / "insecure-deserialization"
    found = _vulnerable(_deps_json(lab, capsys))
    assert found["pyyaml@3.13"]["ecosystem"] == "PyPI"


def test_dvsa_order_manager(corpus: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    report = _deps_json(corpus / "apps" / "DVSA" / "backend" / "functions" / "order-manager" / "package.json", capsys)
    found = _vulnerable(report)
    assert "node-serialize@0.0.4" in found
    assert found["node-serialize@0.0.4"]["fixed_in"] is None
    assert not any(key.startswith("node-jose@") for key in found)  # CVE-2023-25653 affects < 2.2.0 only
    packages = {p["name"]: p["version"] for p in report["apps"][0]["functions"][0]["packages"]}
    assert packages == {"node-jose": "2.2.0", "node-serialize": "0.0.4"}


def test_serverless_goat_node_uuid(corpus: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    found = _vulnerable(_deps_json(corpus / "apps" / "Serverless-Goat" / "src" / "api" / "convert", capsys))
    assert found["node-uuid@1.4.3"]["fixed_in"] == "1.4.4"
    assert "CVE-2015-8851" in found["node-uuid@1.4.3"]["ids"]


def test_serverless_examples_flask_and_auth0(corpus: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    examples = corpus / "apps" / "serverless-examples-aws-python"
    flask = _vulnerable(_deps_json(examples / "aws-python-flask-api" / "requirements.txt", capsys))
    assert "flask@1.1.4" in flask and "CVE-2023-30861" in flask["flask@1.1.4"]["ids"]
    assert "werkzeug@1.0.1" in flask
    auth0 = _vulnerable(_deps_json(examples / "aws-python-auth0-custom-authorizers-api" / "requirements.txt", capsys))
    assert "CVE-2022-29217" in auth0["pyjwt@1.6.4"]["ids"] and "cryptography@2.3" in auth0


def test_dvsa_bulk_lock_is_audited(corpus: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    report = _deps_json(corpus / "apps" / "DVSA" / "client" / "package-lock.json", capsys)
    packages = report["apps"][0]["functions"][0]["packages"]
    assert len(packages) > 1000
    assert len(_vulnerable(report)) >= 1
