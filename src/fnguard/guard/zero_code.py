"""Zero-code install: Lambda handler ``fnguard.handler``, the real one in ``FNGUARD_HANDLER``.

Like other Lambda security and observability layers, the guard becomes the entry point and
imports the function's own handler (``module.function`` or ``dir/module.function``, as Lambda
writes handlers), wrapped with ``protect()`` and its config beside the handler module.
"""

from __future__ import annotations

import importlib
import os
import threading
from typing import Any

from fnguard.guard.wrapper import protect

_lock = threading.Lock()
_resolved: dict[str, Any] = {}


class HandlerNotFound(ImportError):
    """FNGUARD_HANDLER is missing or names no callable; nothing can run, so this raises."""


def resolve(spec: str) -> Any:
    """Import ``module.function`` (``dir/module.function`` allowed) and return the function."""
    module_path, sep, function_name = spec.strip().replace("/", ".").rpartition(".")
    if not sep or not module_path or not function_name:
        raise HandlerNotFound(f"FNGUARD_HANDLER must be 'module.function', not {spec!r}")
    try:
        module = importlib.import_module(module_path)
    except ImportError as exc:
        raise HandlerNotFound(f"cannot import {module_path!r} from FNGUARD_HANDLER: {exc}") from exc
    target = getattr(module, function_name, None)
    if not callable(target):
        raise HandlerNotFound(f"{module_path!r} has no callable {function_name!r} (FNGUARD_HANDLER={spec!r})")
    return target


def wrapped_handler() -> Any:
    """The guarded user handler, resolved once per container (and again if the spec changes)."""
    spec = os.environ.get("FNGUARD_HANDLER", "")
    guarded = _resolved.get(spec)
    if guarded is None:
        with _lock:
            guarded = _resolved.get(spec)
            if guarded is None:
                if not spec:
                    raise HandlerNotFound("set FNGUARD_HANDLER=module.function to use fnguard.handler")
                guarded = protect()(resolve(spec))
                _resolved[spec] = guarded
    return guarded


def handler(event: Any, context: Any) -> Any:
    """The Lambda entry point of a zero-code install."""
    return wrapped_handler()(event, context)
