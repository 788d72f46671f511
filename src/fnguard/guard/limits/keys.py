"""The caller key a limit counts by, from what the platform vouches for.

Never a header the caller writes freely (``X-Forwarded-For`` from the internet is a lie on
demand): the envelope takes the source IP from API Gateway's request context, the function
URL's, or the ALB's own appended address.
"""

from __future__ import annotations

from typing import Any

KEY_KINDS = ("source_ip", "api_key", "sub", "function")


def caller_key(kind: str, envelope: Any, event: Any) -> str | None:
    """The value to count by, or None when this event carries none (then it is not limited per caller)."""
    caller = getattr(envelope, "caller", None)
    if kind == "source_ip":
        return getattr(caller, "ip", None)
    if kind == "api_key":
        return getattr(caller, "api_key_id", None)
    if kind == "sub":
        return getattr(caller, "sub", None)
    if kind == "function":
        return "*"
    if kind.startswith("field:"):
        return _field(event, kind[len("field:"):])
    raise ValueError(f"unknown rate-limit key {kind!r}: use one of {', '.join(KEY_KINDS)} or field:a.b.c")


def _field(event: Any, path: str) -> str | None:
    value = event
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)
