"""SARIF 2.1.0, for code-scanning dashboards; taint flows become ``codeFlows``."""

from __future__ import annotations

import json
from typing import Any

from fnguard import __version__
from fnguard.analyze import RULES, load_rules
from fnguard.model import Finding
from fnguard.scan import ScanResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}


def render(result: ScanResult) -> str:
    load_rules()
    used = sorted({f.rule_id for f in result.findings} | set(RULES))
    index = {rule_id: position for position, rule_id in enumerate(used)}
    rules = [_rule(rule_id) for rule_id in used]
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "fnguard",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": "https://github.com/fnguard/fnguard",
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"SRCROOT": {"description": {"text": "The scanned directory."}}},
                "results": [_result(item, index) for item in result.findings],
                "invocations": [{"executionSuccessful": True,
                                 "toolExecutionNotifications": [{"level": "warning", "message": {"text": w}}
                                                                for w in result.warnings]}],
            }
        ],
    }
    return json.dumps(document, indent=2, default=str) + "\n"


def _rule(rule_id: str) -> dict[str, Any]:
    rule = RULES.get(rule_id)
    description = rule.description if rule else rule_id
    severity = rule.severity if rule else "medium"
    entry: dict[str, Any] = {
        "id": rule_id,
        "name": rule_id,
        "shortDescription": {"text": description},
        "fullDescription": {"text": description},
        "defaultConfiguration": {"level": _LEVEL[severity]},
        "properties": {"tags": ["security", rule.risk if rule else "unknown"],
                       "security-severity": _SECURITY_SEVERITY[severity]},
    }
    if rule and rule.remediation:
        entry["help"] = {"text": rule.remediation}
    return entry


def _location(file: str | None, line: int | None, message: str | None = None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": file or ".", "uriBaseId": "SRCROOT"}}
    if line:
        physical["region"] = {"startLine": int(line)}
    location: dict[str, Any] = {"physicalLocation": physical}
    if message:
        location["message"] = {"text": message}
    return location


def _result(item: Finding, index: dict[str, int]) -> dict[str, Any]:
    text = item.message if not item.function else f"{item.function}: {item.message}"
    entry: dict[str, Any] = {
        "ruleId": item.rule_id,
        "ruleIndex": index[item.rule_id],
        "level": _LEVEL[item.severity],
        "message": {"text": text},
        "locations": [_location(item.file, item.line)],
        "partialFingerprints": {"fnguard/v1": item.fingerprint},
        "properties": {"severity": item.severity, "risk": item.risk, "remediation": item.remediation},
    }
    flow = item.details.get("flow") if item.details else None
    if isinstance(flow, list) and flow:
        steps = []
        for step in flow:
            if isinstance(step, dict):
                steps.append({"location": _location(step.get("file") or item.file, step.get("line"),
                                                    str(step.get("step") or ""))})
        if steps:
            entry["codeFlows"] = [{"threadFlows": [{"locations": steps}]}]
    return entry
