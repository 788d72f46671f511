"""Bad code (FG401–FG429): event data reaching dangerous sinks, and secrets written in code.

The rules are generated from the sink kinds of :mod:`fnguard.code.sinks` and the secret
patterns of :mod:`fnguard.code.secrets`, so a rule is declared once, beside its data. Severity
follows exposure: the kind's severity for a public trigger, one step lower for an
authenticated or internal one, two for a schedule. FG430 and above belong to analyze.config.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from fnguard.analyze.context import ScanContext
from fnguard.analyze.registry import check, define, finding
from fnguard.code import secrets as sec
from fnguard.code import sources as src
from fnguard.code.modules import CodeIndex, code_index, is_test_file, is_vendored
from fnguard.code.sinks import KINDS
from fnguard.code.taint import Flow, analyze_module
from fnguard.model import SEVERITIES, App, Finding, Function, Trigger

for _kind in KINDS.values():
    _description = (f"{_kind.title}, whatever the source ({_kind.cwe})" if _kind.name == "yaml"
                    else f"Event data reaches a sink: {_kind.title} ({_kind.cwe})")
    define(_kind.rule, _kind.severity, _description, _kind.remediation)
for _pattern in sec.RULES:
    define(_pattern.rule, _pattern.severity, _pattern.description, _pattern.remediation)

define("FG414", "low", "eval/exec/compile of a string built at run time (no event data found reaching it)",
       "Replace run-time code with data: map names to functions, build filters with boto3 condition objects.")

_LOWER_BY = {"public": 0, "authenticated": 1, "internal": 1, "scheduled": 2}


def lower(severity: str, steps: int) -> str:
    """``critical`` lowered by 1 is ``high``; never below ``low``."""
    position = min(SEVERITIES.index(severity) + steps, SEVERITIES.index("low"))
    return SEVERITIES[max(position, SEVERITIES.index(severity))]


def flow_finding(flow: Flow, exposure: str, function: str | None, triggers: str) -> Finding:
    """One taint flow as a finding of its kind's rule."""
    kind = KINDS[flow.kind]
    severity = lower(kind.severity, _LOWER_BY.get(exposure, 1))
    note = flow.note
    if flow.kind == "ssrf" and flow.host_fixed:
        severity = "low"
        note = "the host is fixed; the caller controls only the path or query"
    if flow.stored:
        severity = lower(severity, 1)
        note = "second-order: the value is read back from a database record the event selects" + (
            f"; {note}" if note else "")
    message = f"{kind.title}: {flow.source} reaches {flow.sink} (exposure: {exposure}, via {triggers})"
    if note:
        message += f"; {note}"
    return finding(
        kind.rule,
        message,
        function=function,
        file=flow.file,
        line=flow.line,
        severity=severity,
        details={
            "subject": f"{flow.sink}|{flow.source}",
            "sink": flow.sink,
            "source": flow.source,
            "source_kind": flow.source_kind,
            "cwe": kind.cwe,
            "kind": flow.kind,
            "exposure": exposure,
            "second_order": flow.stored,
            "entry": flow.entry,
            "flow": [step.to_json() for step in flow.flow],
        },
    )


def yaml_finding(file: str, line: int, function: str | None) -> Finding:
    return finding("FG408", "yaml.load without a safe Loader builds arbitrary Python objects",
                   function=function, file=file, line=line,
                   details={"subject": f"yaml.load|{line}", "sink": "yaml.load", "cwe": "CWE-502"})


def _handler_parts(function: Function) -> tuple[str | None, str | None]:
    """(file, function name) of a Python handler, when the loader found its file."""
    if not function.handler_file or not function.handler_file.endswith(".py"):
        return None, None
    handler = function.handler or ""
    return function.handler_file, handler.rpartition(".")[2] or None


def _wsgi_apps(index: CodeIndex) -> list[str]:
    """Top-level modules of a serverless-wsgi function that define routes."""
    found: list[str] = []
    for path in sorted(index.root.glob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if ".route(" in text and ("flask" in text.lower() or "fastapi" in text.lower()):
            found.append(str(path))
    return found


def analyze_function(function: Function, context: ScanContext) -> list[Finding]:
    """Taint and unconditional findings of one Python function of an app."""
    file, handler = _handler_parts(function)
    root = function.code_dir or (str(Path(file).parent) if file else None)
    if root is None:
        return []
    index = code_index(root, context.cache)
    targets: list[tuple[str, str | None]] = []
    if file is not None:
        targets.append((file, handler))
    elif (function.handler or "").startswith(("wsgi_handler.", "serverless_wsgi.")):
        targets.extend((path, "") for path in _wsgi_apps(index))
    findings: list[Finding] = []
    for path, name in targets:
        findings.extend(_module_findings(index, path, name or None, function.triggers, function.name,
                                         entry_only=name == ""))
    for path, error in index.errors.items():
        context.warn(f"could not parse {path}: {error}")
    return findings


def _module_findings(index: CodeIndex, path: str, handler: str | None, triggers: Sequence[Trigger],
                     function: str | None, entry_only: bool = False) -> list[Finding]:
    result = analyze_module(index, path, handler if not entry_only else "\0no-handler")
    findings: list[Finding] = []
    entry_triggers = {entry.function.key: entry.trigger for entry in result.entries}
    # A value read back from our own database and placed after a fixed host is doubly indirect:
    # not worth a finding (it was the bulk of the low-severity noise on the corpus).
    kept = [flow for flow in result.flows if not (flow.stored and flow.host_fixed)]
    for flow, others in _group_flows(kept):
        if triggers:
            exposure, described = src.exposure(triggers), src.describe_triggers(triggers)
        else:
            implied = entry_triggers.get(flow.entry)
            exposure = "public" if implied in {"http", "url", "websocket"} else "internal"
            described = f"{implied} (framework decorator)" if implied else "direct invocation"
        item = flow_finding(flow, exposure, function, described)
        if others:
            item.details["other_sources"] = others  # type: ignore[index]
        findings.append(item)
    flagged = {(f.file, f.line) for f in findings if f.rule_id == "FG407"}
    for file, line in result.unsafe_yaml:
        if (file, line) not in flagged:
            findings.append(yaml_finding(file, line, function))
    tainted_code = {(f.file, f.line) for f in findings if f.rule_id == "FG402"}
    for file, line in result.dynamic_code:
        if (file, line) not in tainted_code:
            findings.append(finding("FG414", "code is evaluated from a string built at run time", function=function,
                                    file=file, line=line,
                                    details={"subject": f"eval|{line}", "sink": "eval", "cwe": "CWE-95"}))
    return findings


def _group_flows(flows: Sequence[Flow]) -> list[tuple[Flow, list[str]]]:
    """One finding per sink line and kind: the shortest flow, and the other sources named."""
    groups: dict[tuple[str, str, int], list[Flow]] = {}
    for flow in flows:
        groups.setdefault((flow.kind, flow.file, flow.line), []).append(flow)
    result: list[tuple[Flow, list[str]]] = []
    for members in groups.values():
        members.sort(key=lambda f: (f.host_fixed, f.stored, len(f.flow), f.source))
        primary = members[0]
        others = sorted({f.source for f in members if f.source != primary.source})
        result.append((primary, others))
    return result


def analyze_paths(files: Iterable[str | Path], root: str | Path | None = None,
                  handlers: dict[str, str] | None = None, triggers: Sequence[Trigger] = (),
                  context: ScanContext | None = None, secrets: bool = True) -> list[Finding]:
    """Analyse Python files without a template (Chalice projects, a folder of handlers).

    Every handler-shaped function (``(event, context)``) and every framework route or event
    handler of each file is an entry point; ``handlers`` maps a file to its handler function
    name when it is known. ``root`` is the code directory imports resolve against (default: the
    common parent of the files).
    """
    paths = [Path(f).resolve() for f in files]
    if not paths:
        return []
    base = Path(root).resolve() if root else Path(_common_parent(paths))
    context = context or ScanContext()
    index = code_index(base, context.cache)
    findings: list[Finding] = []
    for path in paths:
        if path.suffix != ".py" or is_vendored(path):
            continue
        handler = (handlers or {}).get(str(path))
        findings.extend(_module_findings(index, str(path), handler, triggers, None))
        if secrets:
            findings.extend(_secret_findings([str(path)], None, context))
    for path, error in index.errors.items():
        context.warn(f"could not parse {path}: {error}")
    return _unique(findings)


def _common_parent(paths: list[Path]) -> str:
    import os

    return os.path.commonpath([str(p.parent) for p in paths])


def _secret_findings(files: Iterable[str], function: str | None, context: ScanContext) -> list[Finding]:
    done: set[str] = context.cache.setdefault("fnguard.code.secrets.done", set())
    findings: list[Finding] = []
    for file in files:
        if file in done or is_vendored(file):
            continue
        done.add(file)
        try:
            text = Path(file).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for hit in sec.scan_source(text, names=not is_test_file(file)):
            findings.append(finding(
                hit.rule, hit.message, function=function, file=file, line=hit.line, severity=hit.severity,
                details={"subject": f"{hit.kind}|{hit.name or hit.redacted}", "kind": hit.kind,
                         "name": hit.name, "redacted": hit.redacted, "cwe": "CWE-798"},
            ))
    return findings


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[object, ...]] = set()
    result: list[Finding] = []
    for item in findings:
        key = (item.rule_id, item.file, item.line, item.details.get("source"), item.details.get("subject"))
        if key in seen:
            continue
        seen.add(key)
        result.append(item)
    return result


_ALL_RULES = tuple(k.rule for k in KINDS.values()) + ("FG414",) + tuple(p.rule for p in sec.RULES)


@check(*_ALL_RULES)
def code_findings(app: App, context: ScanContext) -> Iterable[Finding]:
    """Taint flows and secrets of every Python function of the app."""
    findings: list[Finding] = []
    for function in app.functions:
        if function.runtime and not function.runtime.startswith("python"):
            continue
        try:
            findings.extend(analyze_function(function, context))
        except (RecursionError, ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
            # One odd handler must not cost the other functions their findings.
            context.warn(f"{function.name}: code analysis failed: {exc!r}")
        reached = {f.file for f in findings if f.file} | ({function.handler_file} if function.handler_file else set())
        index_root = function.code_dir
        if index_root:
            index = code_index(index_root, context.cache)
            reached.update(m.path for m in index.parsed)
        findings.extend(_secret_findings(sorted(p for p in reached if p.endswith(".py")), function.name, context))
        if function.inline_code:
            for hit in sec.scan_source(function.inline_code):
                findings.append(finding(hit.rule, hit.message, function=function.name, file=app.source,
                                        line=function.location.line, severity=hit.severity,
                                        details={"subject": f"{hit.kind}|{hit.name or hit.redacted}",
                                                 "kind": hit.kind, "redacted": hit.redacted, "cwe": "CWE-798"}))
    return _unique(findings)
