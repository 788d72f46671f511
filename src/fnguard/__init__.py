"""fnguard: security for serverless applications.

``from fnguard import protect`` is the guard's API. The package root stays tiny and imports the
guard lazily, because it is imported inside every Lambda cold start.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_GUARD_EXPORTS = {"protect", "Blocked", "handler"}


def __getattr__(name: str) -> Any:
    """Import the guard only when its API is used (``fnguard.handler`` included)."""
    if name in _GUARD_EXPORTS:
        from fnguard import guard

        return getattr(guard, name)
    raise AttributeError(f"module 'fnguard' has no attribute {name!r}")
