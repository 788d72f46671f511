"""The WAF is imported in every cold start: standard library only."""

from __future__ import annotations

import json
import subprocess
import sys


def test_import_pulls_no_third_party_module() -> None:
    code = (
        "import sys, json; before = set(sys.modules); import fnguard.guard.waf as w; w.default_engine();"
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = json.loads(out)
    stdlib = set(sys.stdlib_module_names)
    foreign = [m for m in loaded if m.split(".")[0] not in stdlib and m.split(".")[0] != "fnguard"]
    assert foreign == [], f"third-party modules imported: {foreign}"
    ours = [m for m in loaded if m.startswith("fnguard.") and not m.startswith(("fnguard.guard", "fnguard.model"))]
    assert ours == [], f"the WAF pulled in other fnguard parts: {ours}"
