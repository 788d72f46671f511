"""Run guarded invocations in a fresh interpreter (audit hooks are process-wide) and report.

Usage: python sandbox_scenario.py SPEC.json — SPEC has ``mode``, ``sections`` (the fnguard.yml
sections of the sandbox/hygiene/decoys) and ``invocations``: a list of action lists. Prints one
JSON document: the handler's per-invocation results and the security events written.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import threading
from contextlib import redirect_stdout


def serve_once() -> int:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    threading.Thread(target=lambda: [server.accept()[0].close() for _ in range(8)], daemon=True).start()
    return server.getsockname()[1]


def main() -> None:
    spec = json.loads(open(sys.argv[1]).read())
    port = serve_once()
    from fnguard import protect
    from fnguard.guard import behaviour

    def handler(event, context):
        results = {}
        for action, argument in event["actions"]:
            try:
                if action == "spawn":
                    subprocess.run(["sh", "-c", "true"], check=True)
                elif action == "connect":
                    socket.create_connection(("127.0.0.1", port), timeout=2).close()
                elif action == "read":
                    with open(argument) as handle:
                        handle.read(10)
                elif action == "env":
                    os.environ[argument]
                elif action == "write":
                    with open(argument, "w") as handle:
                        handle.write("x")
                elif action == "background":
                    subprocess.Popen(["sleep", "30"])
                elif action == "patch":
                    os.popen = lambda *a, **k: None
                elif action == "eval":
                    eval(event["payload"])
                results[action] = "ok"
            except PermissionError as exc:
                results[action] = f"denied: {exc}"
        return results

    guard = protect(mode=spec["mode"], config={"function": "scenario", **spec.get("config", {}),
                                               **spec["sections"]})(handler)
    exits = []
    for stage in guard.stages:
        if isinstance(stage, behaviour.HygieneStage):
            stage.exit_function = exits.append
    outputs = []
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        for actions in spec["invocations"]:
            outputs.append(guard({"actions": actions, "payload": spec.get("payload", "1")}, None))
    events = [json.loads(line)["fnguard_event"] for line in buffer.getvalue().splitlines()
              if line.startswith('{"fnguard_event"')]
    print(json.dumps({"results": outputs, "events": events, "exits": exits,
                      "decoys": [s.decoy_files for s in guard.stages if hasattr(s, "decoy_files")]}))


if __name__ == "__main__":
    main()
