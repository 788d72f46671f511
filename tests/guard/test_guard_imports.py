"""The guard is standard-library only: nothing third-party, nothing of the scanner, ever."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN_FNGUARD = ("fnguard.load", "fnguard.analyze", "fnguard.model", "fnguard.code", "fnguard.deps",
                     "fnguard.iam", "fnguard.report", "fnguard.server", "fnguard.cli")

SCRIPT = """
import json, sys
before = set(sys.modules)
{body}
loaded = sorted(set(sys.modules) - before)
print(json.dumps(loaded))
"""


def loaded_by(body: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(body=body)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def third_party(modules: list[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0] not in sys.stdlib_module_names and m.split(".")[0] != "fnguard"]


def test_import_loads_no_third_party_module() -> None:
    modules = loaded_by("import fnguard.guard")
    assert "fnguard.guard" in modules
    assert third_party(modules) == []
    assert not [m for m in modules if m.startswith(FORBIDDEN_FNGUARD)]


def test_protecting_and_running_loads_no_third_party_module() -> None:
    body = (
        "from fnguard import protect\n"
        "h = protect(config={'events': {'stdout': False}})(lambda e, c: 1)\n"
        "h({'Records': [{'eventSource': 'aws:sqs', 'messageId': 'm', 'body': '{\\\"a\\\": \\\"<b>x</b>\\\"}'}]}, None)\n"
    )
    modules = loaded_by(body)
    assert "fnguard.guard.waf" in modules and "fnguard.guard.wrapper" in modules
    assert third_party(modules) == []
    assert not [m for m in modules if m.startswith(FORBIDDEN_FNGUARD)]
    assert not {"yaml", "boto3", "botocore", "rich", "urllib.request"} & set(modules)
