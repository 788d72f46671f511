"""Every row of the sink table is reported when event data reaches its dangerous argument.

The handler for each row is generated from the row itself (callee, argument, condition), so a
row that the engine cannot match (a wrong qualified name, an argument spec it ignores) fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fnguard.analyze.code import analyze_paths
from fnguard.code.sinks import KINDS, SINKS, Sink


def _handler(row: Sink) -> str:
    tainted = "json.loads(event['body'])" if row.when == "obj" else "event['body']"
    spec = row.args[0] if row.args else 0
    extra = ", shell=True" if row.when == "shell" else ""
    if row.when == "formatted" or row.kind == "log":
        tainted = f'f"got {{{tainted}}}"'
    if isinstance(spec, int):
        arguments = ", ".join(["'GET'"] * spec + [tainted])
    elif spec == "self":
        arguments = ""
    elif "." in spec:
        keyword, key = spec.split(".", 1)
        arguments = f"'get_object', {keyword}={{'{key}': {tainted}}}"
    else:
        arguments = f"{spec}={tainted}"
    lines = ["import json"]
    if row.name.startswith("."):
        receiver = tainted if spec == "self" else "make()"
        lines += ["def handler(event, context):", f"    obj = {receiver}", f"    obj{row.name}({arguments}{extra})"]
    elif spec == "self":
        constructor, method = row.name.rsplit(".", 1)
        lines += [f"import {constructor.split('.')[0]}", "def handler(event, context):",
                  f"    obj = {constructor}({tainted})", f"    obj.{method}()"]
    else:
        if "." in row.name:
            lines.append(f"import {row.name.split('.')[0]}")
        lines += ["def handler(event, context):", "    pass", f"    {row.name}({arguments}{extra})"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("row", SINKS, ids=[f"{r.name}:{r.args}:{r.when}" for r in SINKS])
def test_every_sink_row_is_reported(tmp_path: Path, row: Sink) -> None:
    source = _handler(row)
    path = tmp_path / "handler.py"
    path.write_text(source)
    sink_line = len(source.splitlines())
    rule = KINDS[row.kind].rule
    found = [(f.rule_id, f.line) for f in analyze_paths([path], root=tmp_path, secrets=False)]
    assert (rule, sink_line) in found, source
