"""Learn-mode profiles on the tooling side: read them, merge them, turn them into allow-lists.

Profiles come as the JSON files the guard writes (``fnguard_profile``) or inside log exports
(JSON lines holding ``fnguard_event`` objects of type ``learn_profile``, as CloudWatch keeps them).
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from fnguard.model import InputError

LIST_KINDS = ("egress", "file_read", "file_write", "process", "native", "aws_call")
_DEFAULT_EGRESS_SUFFIXES = (".amazonaws.com:443", ".amazonaws.com.cn:443", ".api.aws:443")


def _lines(path: Path) -> Iterable[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
            yield from handle
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None


def read_profiles(paths: Iterable[str]) -> list[dict[str, Any]]:
    """Every profile in the given files; the latest per function and file when logs repeat them."""
    profiles: list[dict[str, Any]] = []
    for name in paths:
        path = Path(name)
        if not path.is_file():
            raise InputError(f"{path}: no such profile file")
        text_start = "".join(_head(path))
        if text_start.lstrip().startswith("{") and '"fnguard_profile"' in text_start:
            try:
                document = json.loads("".join(_lines(path)))
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{exc.lineno}: invalid profile JSON: {exc.msg}") from None
            profiles.append(_checked(document, path))
            continue
        latest: dict[str, dict[str, Any]] = {}
        for number, line in enumerate(_lines(path), 1):
            start = line.find('{"fnguard_event"')
            if start < 0:
                continue
            try:
                event = json.loads(line[start:])["fnguard_event"]
            except (json.JSONDecodeError, KeyError, TypeError):
                raise InputError(f"{path}:{number}: malformed fnguard_event line") from None
            if isinstance(event, dict) and event.get("type") == "learn_profile":
                profile = _checked(event.get("profile"), path)
                latest[str(profile.get("function"))] = profile
        if not latest:
            raise InputError(f"{path}: no learn profile in it (neither a profile file nor learn_profile events)")
        profiles.extend(latest.values())
    return profiles


def _head(path: Path) -> list[str]:
    head = []
    for line in _lines(path):
        head.append(line)
        if len(head) >= 3:
            break
    return head


def _checked(document: Any, path: Path) -> dict[str, Any]:
    if not isinstance(document, dict) or "fnguard_profile" not in document:
        raise InputError(f"{path}: not an fnguard learn profile")
    for kind in LIST_KINDS:
        if not isinstance(document.get(kind, []), list):
            raise InputError(f"{path}: profile field {kind} must be a list")
    return document


def merge(profiles: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """One profile with the union of everything observed."""
    merged: dict[str, Any] = {kind: set() for kind in LIST_KINDS}
    functions = set()
    invocations: dict[str, int] = {}
    for profile in profiles:
        functions.add(str(profile.get("function")))
        for kind in LIST_KINDS:
            merged[kind].update(str(v) for v in profile.get(kind, []))
        for trigger, count in (profile.get("invocations") or {}).items():
            invocations[trigger] = invocations.get(trigger, 0) + int(count)
    result = {kind: sorted(values) for kind, values in merged.items()}
    result["functions"] = sorted(functions)
    result["invocations"] = invocations
    return result


def _write_pattern(path: str) -> str:
    if path.startswith("/tmp/") or path == "/tmp":
        return "/tmp/**"
    if path.startswith("/dev/"):
        return path
    return os.path.dirname(path).rstrip("/") + "/**"


def allow_lists(merged: Mapping[str, Any]) -> dict[str, Any]:
    """The runtime allow-lists (fnguard.yml sections) that let the observed behaviour through."""
    egress = [e for e in merged["egress"] if not e.endswith(_DEFAULT_EGRESS_SUFFIXES) and not e.endswith(":None")]
    writes = sorted({_write_pattern(p) for p in merged["file_write"]} | {"/tmp/**"})
    sections: dict[str, Any] = {
        "mode": "block",
        "egress": {"allow": sorted(set(egress))},
        "processes": {"allow": sorted(set(merged["process"]))},
        "files": {"write_allow": writes},
    }
    if merged["native"]:
        sections["native"] = {"allow": sorted(set(merged["native"]))}
    return sections


def diff(merged: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, list[str]]:
    """Observed behaviour the config would refuse, and allowances never used."""
    from fnguard.guard import sandbox

    policy = sandbox.build_policy(config, "block", ())
    refused: list[str] = []
    for entry in merged["egress"]:
        host, _, port = entry.rpartition(":")
        port_number = int(port) if port.isdigit() else None
        if not any(rule.matches(host, port_number) for rule in policy.egress):
            refused.append(f"egress {entry}")
    for executable in merged["process"]:
        if not sandbox._process_allowed(policy, executable):
            refused.append(f"process {executable}")
    for path in merged["file_write"]:
        if not sandbox._glob_match(path, policy.write_allow):
            refused.append(f"write {path}")
    for path in merged["file_read"]:
        if sandbox._glob_match(path, policy.read_deny):
            refused.append(f"read {path}")
    unused = []
    for pattern in (config.get("egress") or {}).get("allow") or []:
        rule = sandbox.parse_egress(str(pattern))
        if not any(rule.matches(e.rpartition(":")[0], int(e.rpartition(":")[2]) if e.rpartition(":")[2].isdigit()
                                else None) for e in merged["egress"]):
            unused.append(f"egress {pattern}")
    for pattern in (config.get("processes") or {}).get("allow") or []:
        if not any(sandbox._process_allowed(sandbox.SandboxPolicy(processes=(str(pattern),)), p)
                   for p in merged["process"]):
            unused.append(f"process {pattern}")
    return {"refused": refused, "unused": unused}
