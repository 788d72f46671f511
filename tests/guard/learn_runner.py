"""Invoke real example handlers under the guard in a fresh interpreter; print results and events.

Usage: python learn_runner.py SPEC.json — SPEC: ``mode``, ``sections`` (fnguard.yml sections),
``calls``: [{"code_dir", "module", "function", "name", "event", "env"}].
"""

from __future__ import annotations

import importlib
import io
import json
import os
import sys
from contextlib import redirect_stdout


def main() -> None:
    spec = json.loads(open(sys.argv[1]).read())
    from fnguard import protect

    outputs = []
    buffer = io.StringIO()
    for call in spec["calls"]:
        os.environ.update(call.get("env", {}))
        sys.path.insert(0, call["code_dir"])
        module = importlib.import_module(call["module"])
        guard = protect(mode=spec["mode"], config={"function": call["name"], "waf": {"enabled": False},
                                                   **spec["sections"]})(getattr(module, call["function"]))
        with redirect_stdout(buffer):
            try:
                outputs.append({"ok": True, "result": guard(call["event"], None)})
            except Exception as exc:  # noqa: BLE001 - reported to the test
                outputs.append({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
    events = [json.loads(line)["fnguard_event"] for line in buffer.getvalue().splitlines()
              if line.startswith('{"fnguard_event"')]
    print(json.dumps({"outputs": outputs, "events": events}, default=str))


if __name__ == "__main__":
    main()
