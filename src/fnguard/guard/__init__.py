"""The guard: a standard-library-only runtime wrapped around a Lambda handler.

``protect`` wraps a handler, ``handler`` is the zero-code entry point, ``Blocked`` is what a
blocked non-HTTP event raises. This module imports nothing else: the runtime loads when a
handler is protected (during the cold start's init phase, once), so that importing the package
costs next to nothing and tools that only need ``Blocked`` pay nothing.
"""

from __future__ import annotations

from fnguard.guard.errors import Blocked, ConfigError, GuardUnavailable

TYPE_CHECKING = False  # typing itself costs milliseconds to import; annotations stay lazy strings
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from fnguard.guard.firewall import Inspector

__all__ = ["Blocked", "ConfigError", "GuardUnavailable", "handler", "protect"]


def protect(
    mode: str | Callable[[Any, Any], Any] | None = None,
    config: Mapping[str, Any] | None = None,
    *,
    engine: Inspector | None = None,
) -> Any:
    """Guard a Lambda handler: ``@protect()``, ``@protect(mode="block", config={...})``.

    See :func:`fnguard.guard.wrapper.protect`; this shim only defers loading the runtime.
    """
    from fnguard.guard.wrapper import protect as _protect

    return _protect(mode, config, engine=engine)


def handler(event: Any, context: Any) -> Any:
    """Lambda entry point of a zero-code install (``FNGUARD_HANDLER=module.function``)."""
    from fnguard.guard.zero_code import handler as _handler

    return _handler(event, context)
