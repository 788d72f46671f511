"""``fnguard waf eval FILE.jsonl``: the metrics object, and one-line errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fnguard.cli import main


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_eval_prints_metrics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = [
        {"payload": "1' or '1'='1", "label": "attack", "class": "sqli"},
        {"payload": "<script>alert(1)</script>", "label": "attack", "class": "xss"},
        {"payload": "plain words only", "label": "attack", "class": "xss"},
        {"payload": "John Smith", "label": "benign", "class": "generic"},
        {"payload": "O'Reilly", "label": "benign", "class": "sqli"},
    ]
    path = _write(tmp_path, [json.dumps(r) for r in records])
    assert main(["waf", "eval", str(path), "--show-misses", "5"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["detection_rate"] == round(2 / 3, 4)
    assert metrics["false_positive_rate"] == 0.0
    assert metrics["per_class"]["xss"]["attack"] == 2 and metrics["per_class"]["xss"]["detected"] == 1
    assert metrics["per_class"]["sqli"]["benign"] == 1
    assert metrics["microseconds_per_payload"] > 0
    assert [m["payload"] for m in metrics["misses"]] == ["plain words only"]


@pytest.mark.parametrize("content", ["not json", '{"payload": 3, "label": "attack"}', '["a"]', ""])
def test_bad_file_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str) -> None:
    path = _write(tmp_path, [content])
    assert main(["waf", "eval", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fnguard: ") and err.count("\n") == 1


def test_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["waf", "eval", "/nonexistent/x.jsonl"]) == 2
    assert "cannot read" in capsys.readouterr().err
