import json

import pytest

from fnguard.model import Finding, InputError
from fnguard.output import write_output
from fnguard.project_config import load_project_config
from fnguard.suppression import Baseline, Suppressor, inline_ignored


def _finding(**overrides):
    values = dict(rule_id="FG401", risk="code", severity="high", function="fn", file="app.py", line=2,
                  message="m", remediation="r", details={})
    values.update(overrides)
    return Finding(**values)


def test_write_output_refuses_to_overwrite_a_user_file(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("my notes")
    with pytest.raises(InputError, match="--force"):
        write_output('{"fnguard": "x"}', str(target))
    assert target.read_text() == "my notes"
    write_output('{"fnguard": "x"}', str(target), force=True)
    assert target.read_text() == '{"fnguard": "x"}'


def test_write_output_replaces_an_earlier_report(tmp_path):
    target = tmp_path / "report.json"
    write_output('{"fnguard": "1"}', str(target))
    write_output('{"fnguard": "2"}', str(target))
    assert json.loads(target.read_text()) == {"fnguard": "2"}


def test_inline_comment_suppresses_only_the_named_rule(tmp_path):
    source = tmp_path / "app.py"
    source.write_text("x = 1\nos.system(cmd)  # fnguard: ignore[FG401, FG402]\nos.system(cmd)\n")
    assert inline_ignored(source, 2, "FG401")
    assert not inline_ignored(source, 2, "FG403")
    assert not inline_ignored(source, 3, "FG401")


def test_config_ignore_requires_a_reason(tmp_path):
    (tmp_path / "fnguard.yml").write_text("ignore:\n  - rule: FG401\n")
    with pytest.raises(InputError, match="reason"):
        load_project_config(tmp_path)


def test_config_ignore_matches_rule_function_and_path(tmp_path):
    (tmp_path / "fnguard.yml").write_text(
        "ignore:\n  - rule: FG4*\n    function: fn\n    reason: accepted\n"
        "  - path: 'scripts/*'\n    reason: tooling\n")
    config = load_project_config(tmp_path)
    suppressor = Suppressor(tmp_path, config.ignore)
    assert suppressor.why_suppressed(_finding()) == "config"
    assert suppressor.why_suppressed(_finding(function="other")) is None
    assert suppressor.why_suppressed(_finding(function="other", file="scripts/x.py")) == "config"


def test_baseline_hides_known_findings_even_when_lines_move(tmp_path):
    report = tmp_path / "old.json"
    report.write_text(json.dumps({"fnguard": "0", "findings": [_finding().to_json()]}))
    baseline = Baseline.read(report)
    assert baseline.contains(_finding(line=40))
    assert not baseline.contains(_finding(rule_id="FG402"))


def test_baseline_must_be_a_report(tmp_path):
    report = tmp_path / "old.json"
    report.write_text("[1, 2]")
    with pytest.raises(InputError, match="not an 'fnguard scan"):
        Baseline.read(report)
