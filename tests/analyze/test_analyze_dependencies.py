"""FG3xx through the registry, on functions built by hand (as loaders will build them).

Also the "bad lock file" contract: truncated JSON, an unknown lockfileVersion and conflicting
pins each give a warning naming the file, and the other files of the scan are still audited.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fnguard.analyze import ScanContext, analyze
from fnguard.analyze.dependencies import dependency_findings
from fnguard.analyze.registry import RULES
from fnguard.deps.vulndb import database as database_module
from fnguard.model import App, Function, Statement, Trigger


@pytest.fixture(autouse=True)
def _no_user_database(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FNGUARD_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("FNGUARD_VULN_DB", raising=False)
    database_module._cached.cache_clear()


def _app(root: Path, *functions: Function) -> App:
    return App(name="app", source=str(root / "template.yaml"), format="sam", root=str(root), functions=functions)


def _function(code: Path, name: str = "Fn", handler: str | None = "app.py", **kwargs: object) -> Function:
    return Function(name=name, runtime="python3.12", code_dir=str(code),
                    handler_file=str(code / handler) if handler else None, **kwargs)  # type: ignore[arg-type]


def test_rules_are_registered_with_dependency_risk() -> None:
    import fnguard.analyze.dependencies  # noqa: F401

    assert {RULES[r].risk for r in ("FG301", "FG302", "FG303")} == {"dependencies"}
    assert RULES["FG302"].severity == "low"


def test_vulnerable_unpinned_and_unauditable_findings(tmp_path: Path) -> None:
    code = tmp_path / "fn"
    code.mkdir()
    (code / "app.py").write_text("import yaml\nimport helpers\n\ndef handler(event, context):\n    return helpers.go(event)\n")
    (code / "helpers.py").write_text("import jwt\n\ndef go(e):\n    return jwt.decode(e['t'], options={})\n")
    (code / "requirements.txt").write_text(
        "PyYAML==3.13\nPyJWT==1.6.4\nurllib3==1.24.1\nboto3\ngit+https://github.com/org/lib.git#egg=lib\n")
    function = _function(code, triggers=(Trigger("http", public=True),),
                         statements=(Statement(actions=("dynamodb:*",), resources=("*",)),))
    context = ScanContext()
    findings = list(dependency_findings(_app(tmp_path, function), context))
    vulnerable = {f.details["package"]: f for f in findings if f.rule_id == "FG301"}
    assert set(vulnerable) == {"PyYAML", "PyJWT", "urllib3"}
    pyyaml = vulnerable["PyYAML"].details
    assert pyyaml["version"] == "3.13" and pyyaml["fixed_in"] == "5.4"
    assert {"PYSEC-2018-49", "CVE-2017-18342", "GHSA-rprw-h62v-c2w7", "CVE-2020-14343"} <= set(pyyaml["ids"])
    assert pyyaml["reachable"] is True and pyyaml["imported_by"] == ["fn/app.py"]  # relative to the app root
    assert vulnerable["PyJWT"].details["reachable"] is True  # through the local helpers module
    assert vulnerable["PyJWT"].details["imported_by"] == ["fn/helpers.py"]
    assert vulnerable["urllib3"].details["reachable"] is False
    assert vulnerable["PyYAML"].details["blast_radius"]["wide_permissions"] is True
    assert vulnerable["PyYAML"].details["blast_radius"]["services"] == ["dynamodb"]
    assert vulnerable["PyYAML"].line == 1 and vulnerable["PyYAML"].file == str(code / "requirements.txt")
    assert "imported by app.py" in vulnerable["PyYAML"].message
    assert [f.details["package"] for f in findings if f.rule_id == "FG302"] == ["boto3"]
    assert [f.details["package"] for f in findings if f.rule_id == "FG303"] == ["lib"]


def test_public_imported_wide_ranks_above_unused_internal(tmp_path: Path) -> None:
    public_code, internal_code = tmp_path / "public", tmp_path / "internal"
    for code, source in ((public_code, "import yaml\n"), (internal_code, "import json\n")):
        code.mkdir()
        (code / "app.py").write_text(source)
        (code / "requirements.txt").write_text("PyYAML==5.3\n")
    public = _function(public_code, "Public", triggers=(Trigger("http", public=True, auth="none"),),
                       managed_policies=("arn:aws:iam::aws:policy/AmazonS3FullAccess",))
    internal = _function(internal_code, "Internal", triggers=(Trigger("sqs", public=False, auth="iam"),),
                         statements=(Statement(actions=("sqs:ReceiveMessage",), resources=("arn:aws:sqs:us-east-1:1:q",)),))
    findings = {f.function: f for f in dependency_findings(_app(tmp_path, public, internal), ScanContext())
                if f.rule_id == "FG301"}
    order = ("info", "low", "medium", "high", "critical")
    assert order.index(findings["Public"].severity) > order.index(findings["Internal"].severity)
    assert "(raised)" in findings["Public"].message and "(lowered)" in findings["Internal"].message


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        ("package-lock.json", '{"lockfileVersion": 2, "packages": {"node_modules/a": {"vers', "not valid JSON"),
        ("package-lock.json", json.dumps({"lockfileVersion": 7, "packages": {}}), "unknown lockfileVersion 7"),
        ("Pipfile.lock", '{"default": {"a": {"version": "==1.0"}', "not valid JSON"),
        ("requirements.txt", "urllib3==1.24.1\nurllib3==1.25.0\n", "conflicting pins for urllib3"),
        ("poetry.lock", "[[package]\nname = ", "not valid TOML"),
        ("pnpm-lock.yaml", "lockfileVersion: 99\npackages: {}\n", "unknown lockfileVersion"),
        ("yarn.lock", "# yarn lockfile v1\n\nleft-pad@^1.0.0:\n  resolved \"x\"\n", "has no version"),
    ],
)
def test_bad_lock_file_is_a_warning_naming_it_and_the_scan_goes_on(
    tmp_path: Path, filename: str, content: str, expected: str
) -> None:
    broken_dir, good_dir = tmp_path / "broken", tmp_path / "good"
    broken_dir.mkdir()
    good_dir.mkdir()
    (broken_dir / filename).write_text(content)
    (good_dir / "requirements.txt").write_text("PyYAML==3.13\n")
    broken = _function(broken_dir, "Broken", handler=None)
    good = _function(good_dir, "Good", handler=None)
    context = ScanContext()
    findings = analyze(_app(tmp_path, broken, good), context)
    assert any(str(broken_dir / filename) in w and expected in w for w in context.warnings), context.warnings
    assert any(f.rule_id == "FG301" and f.function == "Good" for f in findings)
    assert not any("check dependency_findings failed" in w for w in context.warnings)


@pytest.mark.parametrize(("age_days", "warned"), [(45, True), (3, False)])
def test_database_older_than_30_days_is_a_warning(tmp_path: Path, age_days: int, warned: bool) -> None:
    import datetime as dt

    modified = (dt.date.today() - dt.timedelta(days=age_days)).isoformat() + "T00:00:00Z"
    record = {"id": "PYSEC-0000-1", "modified": modified, "affected": [
        {"package": {"ecosystem": "PyPI", "name": "x"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}
    dump = tmp_path / "osv.jsonl"
    dump.write_text(json.dumps(record) + "\n")
    context = ScanContext(vuln_db=str(dump))
    list(dependency_findings(_app(tmp_path), context))
    assert any("older than 30 days" in w and "fnguard db update" in w for w in context.warnings) is warned


def test_unreadable_database_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    context = ScanContext(vuln_db=str(tmp_path / "missing.zip"))
    assert list(dependency_findings(_app(tmp_path), context)) == []
    assert any("vulnerability database unavailable" in w for w in context.warnings)


def test_markers_that_exclude_the_runtime_are_not_shipped(tmp_path: Path) -> None:
    code = tmp_path / "fn"
    code.mkdir()
    (code / "requirements.txt").write_text(
        "PyYAML==3.13 ; python_version < '3.8'\nurllib3==1.24.1 ; python_version >= '3.8'\n")
    old = Function(name="Old", runtime="python3.7", code_dir=str(code))
    new = Function(name="New", runtime="python3.12", code_dir=str(code))
    unknown = Function(name="Unknown", runtime=None, code_dir=str(code))
    findings = list(dependency_findings(_app(tmp_path, old, new, unknown), ScanContext()))
    shipped = {(f.function, f.details["package"]) for f in findings if f.rule_id == "FG301"}
    assert shipped == {("Old", "PyYAML"), ("New", "urllib3"), ("Unknown", "PyYAML"), ("Unknown", "urllib3")}


def test_conflicting_pins_across_files_of_one_python_function(tmp_path: Path) -> None:
    code = tmp_path / "fn"
    code.mkdir()
    (code / "requirements.txt").write_text("urllib3==1.24.1\n")
    (code / "Pipfile.lock").write_text(json.dumps({"default": {"urllib3": {"version": "==1.26.5"}}}))
    context = ScanContext()
    findings = list(dependency_findings(_app(tmp_path, _function(code, handler=None)), context))
    warning = next(w for w in context.warnings if "conflicting pins for urllib3" in w)
    assert str(code / "requirements.txt") in warning and str(code / "Pipfile.lock") in warning
    assert {f.details["version"] for f in findings if f.rule_id == "FG301"} == {"1.24.1", "1.26.5"}


def test_framework_tooling_beside_python_code_is_not_unpinned_and_ranks_lower(tmp_path: Path) -> None:
    code = tmp_path / "fn"
    code.mkdir()
    (code / "package.json").write_text(json.dumps({"dependencies": {"node-uuid": "1.4.3", "left-pad": "^1.0.0"},
                                                   "devDependencies": {"serverless-wsgi": "^3.0.1"}}))
    (code / "requirements.txt").write_text("requests>=2\n")
    python_fn = Function(name="Py", runtime="python3.12", code_dir=str(code))
    node_fn = Function(name="Node", runtime="nodejs20.x", code_dir=str(code))
    findings = list(dependency_findings(_app(tmp_path, python_fn, node_fn), ScanContext()))
    unpinned = {(f.function, f.details["package"]) for f in findings if f.rule_id == "FG302"}
    assert unpinned == {("Py", "requests"), ("Node", "left-pad")}
    uuid = {f.function: f for f in findings if f.rule_id == "FG301"}
    order = ("info", "low", "medium", "high", "critical")
    assert order.index(uuid["Py"].severity) < order.index(uuid["Node"].severity)
    assert "build tooling" in uuid["Py"].message
