"""The guard stages that watch what the handler does, rather than what it is sent.

``SandboxStage`` enforces the egress/process/file policy through the audit hook, plants decoys
and feeds learn mode; ``HygieneStage`` checks and cleans the container between invocations and
recycles it when needed. Both plug into the wrapper's pipeline like the WAF.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from fnguard.guard import decoys, hygiene, learn, sandbox
from fnguard.guard.errors import ConfigError
from fnguard.guard.events import ACTIONS, new_id, now

SECTIONS = ("egress", "processes", "files", "native", "tmp", "lifetime", "hygiene", "decoys", "learn")
_SEVERITY = {"decoy": "critical", "code_from_event": "critical", "process": "high", "egress": "high",
             "file_read": "high", "source_read": "high", "file_write": "medium", "native": "medium"}


def code_dirs(handler_dir: str | None) -> list[str]:
    return [d for d in (os.environ.get("LAMBDA_TASK_ROOT"), handler_dir) if d]


def _strings(value: Any, found: list[str] | None = None, limit: int = 2000) -> list[str]:
    """String leaves of event data (at least 4 characters), for the code-from-event check."""
    found = [] if found is None else found
    stack = [value]
    while stack and len(found) < limit:
        item = stack.pop()
        if isinstance(item, str):
            if len(item) >= 4:
                found.append(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return found


class SandboxStage:
    """Behaviour policy while the handler runs, decoys around it, and the learn recorder."""

    name = "sandbox"

    def __init__(self, sections: Mapping[str, Any], *, mode: str, emit: Callable[[dict[str, Any]], None],
                 function_name: Callable[[Any], str | None], handler_dir: str | None) -> None:
        self.mode = mode
        self.emit = emit
        self.function_name = function_name
        self._inv: Any = None
        decoy_config = sections.get("decoys") or {}
        learn_config = sections.get("learn") or {}
        if not isinstance(decoy_config, Mapping) or not isinstance(learn_config, Mapping):
            raise ConfigError("decoys and learn must be mappings")
        policy = sandbox.build_policy(sections, mode, code_dirs(handler_dir))
        tmp_root = str((sections.get("tmp") or {}).get("root", "/tmp"))
        planted: list[str] = []
        if decoy_config.get("files"):
            planted = decoys.plant_files(str(decoy_config.get("root", tmp_root)))
        if decoy_config.get("env"):
            decoys.plant_env(self._decoy_env_alarm)
        from dataclasses import replace

        self.policy = replace(policy, decoy_files=frozenset(planted))
        self.decoy_files = planted
        name = function_name(None) or "function"
        self.recorder = learn.Recorder(str(name)) if mode == "learn" or learn_config.get("enabled") else None
        self.profile_path = str(learn_config.get("output") or os.path.join(tmp_root, f"fnguard-profile-{name}.json"))
        sandbox.install()

    def before(self, inv: Any) -> Any:
        self._inv = inv
        envelope = inv.envelope
        if self.recorder is not None:
            self.recorder.invocation(envelope.trigger)
        learn.watch_aws_calls(self.recorder)

        cached: list[list[str]] = []

        def event_strings() -> list[str]:
            """The event's strings, gathered once per invocation at the first compile that asks."""
            if not cached:
                cached.append(_strings([part.value for part in envelope.parts]))
            return cached[0]

        sandbox.activate(self.policy, self._report, self.recorder, event_strings)
        return None

    def after(self, inv: Any, result: Any) -> Any:
        return result

    def finish(self, inv: Any) -> None:
        sandbox.deactivate()
        learn.watch_aws_calls(None)
        self._inv = None
        if self.recorder is not None and self.recorder.dirty:
            self.recorder.dirty = False
            try:
                self.recorder.write(self.profile_path)
            except OSError:
                pass
            self.emit({"id": new_id(), "type": "learn_profile", "action": "learned",
                       "function": self.function_name(inv), "profile": self.recorder.profile(), "time": now()})

    def _base(self, kind: str) -> dict[str, Any]:
        inv = self._inv
        return {"id": new_id(), "type": kind, "function": self.function_name(inv),
                "trigger": getattr(inv, "trigger", None) if inv is not None else None,
                "request_id": getattr(inv, "request_id", None) if inv is not None else None, "time": now()}

    def _report(self, violation: sandbox.Violation) -> None:
        event = self._base("decoy" if violation.kind == "decoy" else "sandbox")
        event.update({"rule_id": sandbox.RULES[violation.kind], "severity": _SEVERITY.get(violation.kind, "high"),
                      "action": "blocked" if violation.blocked else ACTIONS[self.mode] if self.mode != "learn"
                      else "alerted",
                      "operation": violation.operation, "target": violation.target})
        if violation.kind == "decoy":
            event["stack"] = decoys.stack()
        self.emit(event)

    def _decoy_env_alarm(self, kind: str, what: str, stack: str) -> None:
        event = self._base("decoy")
        event.update({"rule_id": "FGS-DECOY", "severity": "critical", "action": "alerted",
                      "operation": "read decoy environment variable", "target": what, "stack": stack})
        self.emit(event)


class HygieneStage:
    """Between invocations: report and clean what was left behind; recycle when due."""

    name = "hygiene"

    def __init__(self, sections: Mapping[str, Any], *, emit: Callable[[dict[str, Any]], None],
                 function_name: Callable[[Any], str | None], handler_dir: str | None,
                 keep: list[str] | None = None, exit_function: Callable[[int], Any] = os._exit) -> None:
        config = hygiene.parse_config(sections, code_dirs(handler_dir))
        if keep:
            from dataclasses import replace

            config = replace(config, keep=config.keep + tuple(keep))
        self.hygiene = hygiene.Hygiene(config)
        self.emit = emit
        self.function_name = function_name
        self.exit_function = exit_function
        self.counter = 0
        self.recycling = False

    def before(self, inv: Any) -> Any:
        self.counter += 1
        self.recycling = False  # a pending recycle watcher gives up when a new invocation starts
        if self.hygiene.baseline is None:
            self.hygiene.take_baseline()
        return None

    def after(self, inv: Any, result: Any) -> Any:
        return result

    def finish(self, inv: Any) -> None:
        leftovers = self.hygiene.after_invocation()
        function = self.function_name(inv)
        for item in leftovers:
            self.emit({"id": new_id(), "type": "hygiene", "finding": item.kind, "target": item.target,
                       "action": item.action, "severity": item.severity, "function": function,
                       "trigger": inv.trigger, "request_id": inv.request_id, "time": now()})
        reason = self.hygiene.recycle_reason()
        if reason and not self.recycling:
            self.recycling = True
            self.emit({"id": new_id(), "type": "recycle", "action": "recycling", "reason": reason,
                       "function": function, "request_id": inv.request_id, "time": now()})
            hygiene.recycle_after_response(lambda: self.counter, exit_function=self.exit_function)


def wants_sandbox(sections: Mapping[str, Any], mode: str) -> bool:
    return mode == "learn" or any(sections.get(name) for name in ("egress", "processes", "files", "native",
                                                                  "decoys", "learn"))


def wants_hygiene(sections: Mapping[str, Any]) -> bool:
    return any(sections.get(name) for name in ("tmp", "lifetime", "hygiene"))


def attach(guard: Any, sections: Mapping[str, Any], handler_dir: str | None = None) -> None:
    """Add the behaviour stages a configuration asks for to a protected handler's pipeline."""
    mode = guard.config.mode
    keep: list[str] = []
    if wants_sandbox(sections, mode):
        stage = SandboxStage(sections, mode=mode, emit=guard.emit, function_name=guard.function_name,
                             handler_dir=handler_dir)
        guard.stages.append(stage)
        keep += [*stage.decoy_files, stage.profile_path]
    if wants_hygiene(sections):
        guard.stages.append(HygieneStage(sections, emit=guard.emit, function_name=guard.function_name,
                                         handler_dir=handler_dir, keep=keep))
