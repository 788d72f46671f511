from __future__ import annotations

import json
import subprocess
import sys

import pytest

from fnguard.cli import main


def test_cost_json_for_an_example(examples, capsys):
    assert main(["cost", str(examples / "orders-api/vulnerable"), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["assumptions"]["rps"] == 10_000
    points = document["entry_points"]
    assert {p["function"] for p in points} >= {"createOrder", "getOrder", "webhook"}
    for point in points:
        assert set(point) >= {"function", "trigger", "offered", "admitted", "served", "lambda_cost",
                              "gateway_cost", "source_cost", "total_cost", "bounded_by", "recommendation"}
    assert document["total_cost"] == pytest.approx(sum(p["total_cost"] for p in points), abs=0.05)
    rest = next(p for p in points if p["function"] == "createOrder")
    assert rest["total_cost"] == pytest.approx(4636.80, abs=0.01)  # 1024 MB, no reserved concurrency


def test_cost_html_has_a_chart(examples, tmp_path, capsys):
    target = tmp_path / "cost.html"
    assert main(["cost", str(examples / "media-pipeline/vulnerable"), "--format", "html", "-o", str(target)]) == 0
    page = target.read_text()
    assert page.count("<svg") >= 1 and "concurrency limit" in page and "<script" not in page


@pytest.mark.parametrize("args", [["--rps", "-1"], ["--rps", "lots"], ["--duration-ms", "0"], ["--hours", "0"]])
def test_bad_values_exit_2_with_one_line(examples, args):
    process = subprocess.run([sys.executable, "-m", "fnguard.cli", "cost", str(examples / "orders-api/vulnerable"),
                              *args], capture_output=True, text=True, timeout=60)
    assert process.returncode == 2
    assert len(process.stderr.strip().splitlines()) == 1 and "Traceback" not in process.stderr
