"""Sandbox, decoys and hygiene, each scenario in a fresh interpreter and in each mode."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCENARIO = Path(__file__).with_name("sandbox_scenario.py")


# The scenarios put attack strings in the event (paths, code): the WAF, off here, would stop them first.
def run(tmp_path: Path, mode: str, invocations: list, sections: dict | None = None, payload: str = "1",
        config: dict | None = None) -> dict:
    tmp_root = tmp_path / "tmp"
    tmp_root.mkdir(exist_ok=True)
    base = {"files": {"write_allow": [f"{tmp_root}/**"]}, "tmp": {"root": str(tmp_root), "flush": True}}
    for key, value in (sections or {}).items():
        base[key] = {**base.get(key, {}), **value}
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"mode": mode, "sections": base, "invocations": invocations, "payload": payload,
                               "config": config or {"waf": {"enabled": False}}}))
    process = subprocess.run([sys.executable, str(SCENARIO), str(spec)], capture_output=True, text=True,
                             timeout=120, cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout.strip().splitlines()[-1])


def events(report: dict, kind: str) -> list[dict]:
    return [e for e in report["events"] if e["type"] == kind]


@pytest.mark.parametrize("mode", ["learn", "alert", "block"])
def test_spawn_connect_environ_and_write_outside_tmp(tmp_path, mode):
    outside = tmp_path / "outside.txt"
    report = run(tmp_path, mode, [[["spawn", None], ["connect", None], ["read", "/proc/self/environ"],
                                   ["write", str(outside)]]])
    result = report["results"][0]
    sandbox = events(report, "sandbox")
    rules = {e["rule_id"] for e in sandbox}
    if mode == "block":
        assert all(value.startswith("denied: fnguard sandbox") for value in result.values()), result
        assert rules == {"FGS-PROCESS", "FGS-EGRESS", "FGS-FILE-READ", "FGS-FILE-WRITE"}
        assert all(e["action"] == "blocked" for e in sandbox)
        assert not outside.exists()
    elif mode == "alert":
        assert set(result.values()) == {"ok"}
        assert rules == {"FGS-PROCESS", "FGS-EGRESS", "FGS-FILE-READ", "FGS-FILE-WRITE"}
        assert all(e["action"] == "alerted" for e in sandbox)
    else:
        assert set(result.values()) == {"ok"} and not sandbox
        (profile_event,) = events(report, "learn_profile")[-1:]
        profile = profile_event["profile"]
        assert any(p.endswith("sh") for p in profile["process"])
        assert any(e.startswith("127.0.0.1:") for e in profile["egress"])
        assert str(outside) in profile["file_write"] and "/proc/self/environ" in profile["file_read"]


@pytest.mark.parametrize("mode", ["learn", "alert", "block"])
def test_decoy_reads_are_critical_in_every_mode(tmp_path, mode):
    report = run(tmp_path, mode, [[["env", "AWS_SECRET_ACCESS_KEY_DEPLOY"]]],
                 sections={"decoys": {"env": True, "files": True}})
    decoy_file = next(p for p in report["decoys"][0] if p.endswith("credentials"))
    report2 = run(tmp_path, mode, [[["read", decoy_file]]], sections={"decoys": {"env": True, "files": True}})
    for rep in (report, report2):
        alarms = events(rep, "decoy")
        assert alarms and all(e["severity"] == "critical" for e in alarms)
        assert all(e["stack"] for e in alarms)
    assert events(report, "decoy")[0]["target"] == "AWS_SECRET_ACCESS_KEY_DEPLOY"
    blocked_read = report2["results"][0]["read"]
    assert blocked_read.startswith("denied") == (mode == "block")


def test_leftovers_of_invocation_1_are_gone_or_reported_in_invocation_2(tmp_path):
    dropped = tmp_path / "tmp" / "dropped.bin"
    report = run(tmp_path, "alert", [[["write", str(dropped)], ["background", None]], [], []],
                 sections={"processes": {"allow": ["sleep"]}})
    hygiene = events(report, "hygiene")
    findings = {(e["finding"], e["action"]) for e in hygiene}
    assert ("tmp_file_left", "flushed") in findings and ("child_process", "killed") in findings
    assert not dropped.exists()
    assert len([e for e in hygiene if e["finding"] == "child_process"]) == 1  # reported once, then gone


def test_monkey_patching_is_a_compromise_and_recycles_the_container(tmp_path):
    report = run(tmp_path, "alert", [[["patch", None]], []], sections={"lifetime": {"max_invocations": 1000}})
    patched = [e for e in events(report, "hygiene") if e["finding"] == "function_patched"]
    assert patched and patched[0]["target"] == "os.popen" and patched[0]["severity"] == "critical"
    assert events(report, "recycle")[0]["reason"] == "compromise seen"


def test_lifetime_limit_recycles(tmp_path):
    report = run(tmp_path, "alert", [[], [], []], sections={"lifetime": {"max_invocations": 2}})
    recycle = events(report, "recycle")
    assert recycle and recycle[0]["reason"] == "2 invocations"
    assert report["exits"] == []  # outside a Lambda runtime client the process is never exited


@pytest.mark.parametrize("mode, expected", [("alert", "ok"), ("block", "denied")])
def test_code_compiled_from_the_event_is_caught(tmp_path, mode, expected):
    # The WAF would stop this payload first; switch it off to see the sandbox catch it.
    report = run(tmp_path, mode, [[["eval", None]]], payload="__import__('os').getpid()")
    assert report["results"][0]["eval"].startswith(expected)
    (caught,) = [e for e in events(report, "sandbox") if e["rule_id"] == "FGS-CODE-FROM-EVENT"]
    assert caught["severity"] == "critical"


def test_hook_costs_little_for_allowed_operations(tmp_path):
    """Not a timing threshold: checks the hook is inactive outside invocations (no events, no effect)."""
    report = run(tmp_path, "block", [[]])
    assert report["results"] == [{}] and not events(report, "sandbox")
