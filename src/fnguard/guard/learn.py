"""Learn mode: record what a function really does, to turn it into allow-lists and IAM policy.

The recorder is fed by the sandbox's audit hook (hosts and ports, files read and written,
processes, native libraries) and by a wrapper around botocore's API call (service and
operation). The profile is written to a JSON file after each invocation that learned something
new, and emitted as a ``learn_profile`` event so it also reaches CloudWatch and serve.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

PROFILE_VERSION = 1
KINDS = ("egress", "file_read", "file_write", "process", "native", "aws_call")
_MAX_ITEMS = 2000


class Recorder:
    """Accumulates one function's observed behaviour; safe to call from the audit hook."""

    def __init__(self, function: str) -> None:
        self.function = function
        self.items: dict[str, set[str]] = {kind: set() for kind in KINDS}
        self.invocations: dict[str, int] = {}
        self.peak_per_minute: dict[str, int] = {}
        self._minute: dict[str, tuple[int, int]] = {}
        self.first_seen = time.time()
        self.last_seen = self.first_seen
        self.dirty = False

    def record(self, kind: str, value: Any) -> None:
        bucket = self.items.get(kind)
        if bucket is None or value is None or len(bucket) >= _MAX_ITEMS:
            return
        text = str(value)
        if text not in bucket:
            bucket.add(text)
            self.dirty = True

    def invocation(self, trigger: str | None) -> None:
        name = trigger or "unknown"
        self.invocations[name] = self.invocations.get(name, 0) + 1
        now = time.time()
        self.last_seen = now
        minute = int(now // 60)
        current, count = self._minute.get(name, (minute, 0))
        count = count + 1 if current == minute else 1
        self._minute[name] = (minute, count)
        if count > self.peak_per_minute.get(name, 0):
            self.peak_per_minute[name] = count
            self.dirty = True

    def profile(self) -> dict[str, Any]:
        return {
            "fnguard_profile": PROFILE_VERSION,
            "function": self.function,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "invocations": dict(self.invocations),
            "peak_per_minute": dict(self.peak_per_minute),
            **{kind: sorted(values) for kind, values in self.items.items()},
        }

    def write(self, path: str) -> None:
        temporary = f"{path}.{os.getpid()}.tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(self.profile(), handle, indent=1)
        os.replace(temporary, path)


_BOTO_STATE: dict[str, Any] = {"recorder": None, "patched": False}


def watch_aws_calls(recorder: Recorder | None) -> None:
    """Record boto3 calls (``<service>.<Operation>``) while a recorder is active.

    botocore is imported by the handler, not by the guard: the wrapper is installed the first
    time an invocation finds botocore loaded, and costs one dictionary lookup per API call.
    """
    _BOTO_STATE["recorder"] = recorder
    if recorder is None or _BOTO_STATE["patched"]:
        return
    import sys

    client_module = sys.modules.get("botocore.client")
    if client_module is None:
        return
    base = client_module.BaseClient
    original = base._make_api_call

    def _make_api_call(self: Any, operation_name: str, api_params: Any) -> Any:
        active = _BOTO_STATE["recorder"]
        if active is not None:
            try:
                active.record("aws_call", f"{self.meta.service_model.service_name}.{operation_name}")
            except Exception:  # noqa: BLE001
                pass
        return original(self, operation_name, api_params)

    _make_api_call.__wrapped__ = original  # type: ignore[attr-defined]
    base._make_api_call = _make_api_call
    _BOTO_STATE["patched"] = True
