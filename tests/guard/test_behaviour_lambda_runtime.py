"""Sandbox, decoys and hygiene in a warm container under the real Lambda runtime client."""

from __future__ import annotations

import json
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from lambda_emulator import LambdaProcess, RuntimeApi

pytest.importorskip("awslambdaric")

APP = textwrap.dedent(
    """
    import os, subprocess
    from fnguard import protect

    @protect()
    def handler(event, context):
        action = event.get("action")
        tmp_root = os.environ["TEST_TMP_ROOT"]
        result = {"pid": os.getpid()}
        try:
            if action == "drop":
                with open(os.path.join(tmp_root, "dropped.bin"), "w") as handle:
                    handle.write("payload")
                subprocess.Popen(["sleep", "60"])
            elif action == "check":
                result["dropped_exists"] = os.path.exists(os.path.join(tmp_root, "dropped.bin"))
            elif action == "shell":
                subprocess.run(["sh", "-c", "id"], check=True)
            elif action == "decoy":
                result["key"] = os.environ.get("AWS_SECRET_ACCESS_KEY_DEPLOY", "")[:4]
            result["outcome"] = "ok"
        except PermissionError as exc:
            result["outcome"] = f"denied: {exc}"
        return result
    """
)


@pytest.fixture
def api() -> Iterator[RuntimeApi]:
    with RuntimeApi() as runtime_api:
        yield runtime_api


def deploy(tmp_path: Path, mode: str, max_invocations: int) -> tuple[Path, Path]:
    code = tmp_path / "code"
    code.mkdir()
    tmp_root = tmp_path / "lambda-tmp"
    tmp_root.mkdir()
    (code / "app.py").write_text(APP)
    (code / "fnguard.yml").write_text(textwrap.dedent(f"""
        mode: {mode}
        waf:
          enabled: false
        processes:
          allow: ["sleep"]
        files:
          write_allow: ["{tmp_root}/**"]
        tmp:
          root: "{tmp_root}"
          flush: true
        lifetime:
          max_invocations: {max_invocations}
        decoys:
          env: true
        """))
    return code, tmp_root


@pytest.mark.parametrize("mode", ["alert", "block"])
def test_warm_container_scenarios(api: RuntimeApi, tmp_path: Path, mode: str) -> None:
    code, tmp_root = deploy(tmp_path, mode, max_invocations=4)
    with LambdaProcess(api, code, "app.handler", env={"TEST_TMP_ROOT": str(tmp_root)}) as fn:
        first = fn.invoke({"action": "drop"})
        assert first.kind == "response" and first.payload["outcome"] == "ok"
        second = fn.invoke({"action": "check"})
        assert second.payload["pid"] == first.payload["pid"]  # the same warm container
        assert second.payload["dropped_exists"] is False  # flushed after invocation 1
        shell = fn.invoke({"action": "shell"})
        assert shell.payload["outcome"].startswith("denied") == (mode == "block")
        decoy = fn.invoke({"action": "decoy"})
        assert decoy.kind == "response"
        # max_invocations reached: the process exits once the response was posted.
        deadline = time.monotonic() + 10
        while fn.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert fn.process.poll() == 0, fn.stderr[-10:]
        events = fn.wait_for_events(6)
    hygiene = {(e["finding"], e["action"]) for e in events if e["type"] == "hygiene"}
    assert ("tmp_file_left", "flushed") in hygiene and ("child_process", "killed") in hygiene
    sandbox = [e for e in events if e["type"] == "sandbox"]
    assert [e["rule_id"] for e in sandbox] == ["FGS-PROCESS"]
    assert sandbox[0]["action"] == ("blocked" if mode == "block" else "alerted")
    decoys = [e for e in events if e["type"] == "decoy"]
    assert decoys and decoys[0]["severity"] == "critical" and "app.py" in decoys[0]["stack"]
    (recycle,) = [e for e in events if e["type"] == "recycle"]
    assert recycle["reason"] == "4 invocations"


def test_recycled_container_is_replaced_by_a_fresh_one(api: RuntimeApi, tmp_path: Path) -> None:
    code, tmp_root = deploy(tmp_path, "alert", max_invocations=1)
    env = {"TEST_TMP_ROOT": str(tmp_root)}
    with LambdaProcess(api, code, "app.handler", env=env) as fn:
        first = fn.invoke({"action": "check"})
        assert fn.process.wait(timeout=10) == 0  # recycled right after its response
    # The platform starts a new execution environment (its own Runtime API endpoint) next.
    with RuntimeApi() as new_api, LambdaProcess(new_api, code, "app.handler", env=env) as fresh:
        second = fresh.invoke({"action": "check"})
    assert first.payload["pid"] != second.payload["pid"] and json.dumps(second.payload)
