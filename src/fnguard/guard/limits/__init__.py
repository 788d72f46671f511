"""Function self-protection against DoS and denial of wallet (issue 10).

- :mod:`.window`: exact sliding-window counting, in process;
- :mod:`.redis_backend`: the same decision shared by every warm container through Redis;
- :mod:`.keys`: the caller key, taken from what the platform vouches for;
- :mod:`.spend`: spend per function against hourly and daily budgets;
- :mod:`.spike`: an invocation-rate baseline and "attack in progress" state;
- :mod:`.payload`: size, depth, key-count and batch limits checked before parsing;
- :mod:`.stage`: the guard pipeline stage that applies them.

Standard library only, except the Redis backend which imports ``redis`` when configured.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    """The answer of a limiter for one request."""

    allowed: bool
    remaining: int
    retry_after_s: float = 0.0
    backend_error: str | None = None
    """Set when the shared backend failed and the limiter failed open."""
