"""The values the WAF engine hands to the guard runtime.

They are frozen so the runtime can redact, log and batch them without copying, and so a rule
can never be changed by whoever reads its result.
"""

from __future__ import annotations

from dataclasses import dataclass

ATTACK_CLASSES = (
    "sqli",
    "nosqli",
    "cmdi",
    "code_injection",
    "path_traversal",
    "rfi",
    "ssrf",
    "xss",
    "xxe",
    "ssti",
    "deserialization",
    "jndi",
    "prototype_pollution",
    "orm_injection",
)
SEVERITIES = ("critical", "high", "medium", "low")
EXCERPT_MAX = 200


@dataclass(frozen=True)
class Detection:
    """One rule that fired on one field of an event."""

    rule_id: str
    """``FGW-<CLASS>-<nnn>``; stable once released."""
    attack_class: str
    """One of :data:`ATTACK_CLASSES`."""
    severity: str
    """critical|high|medium|low."""
    paranoia: int
    """1..4: the lowest paranoia level at which the rule is enabled."""
    location: str
    """Field path given by the caller, e.g. ``body.items[0].name``."""
    excerpt: str
    """The matched part of the value, raw (the runtime redacts), at most 200 chars."""
    key: bool = False
    """True when the detection was on a mapping key, not on a value."""


@dataclass(frozen=True)
class InspectionResult:
    """What :meth:`Engine.inspect` found in a whole event."""

    detections: tuple[Detection, ...]
    budget_exceeded: bool
    """True when the byte, time or depth budget ran out; the caller decides what to do."""
    inspected_bytes: int
