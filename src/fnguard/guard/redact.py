"""Redaction of payload excerpts before they leave the function.

Security events travel to CloudWatch and to ``fnguard serve``, which more people read than the
function's data; an excerpt must show the attack, never a caller's credentials or card number.
"""

from __future__ import annotations

import re

EXCERPT_LIMIT = 120
_ELLIPSIS = "…"

# (secret field names, replacements, card numbers, high-entropy tokens)
_Patterns = tuple[re.Pattern, tuple[tuple[re.Pattern, str], ...], re.Pattern, re.Pattern]
_compiled: _Patterns | None = None


def _patterns() -> _Patterns:
    """Compiled on the first event, not at import: most invocations never emit one."""
    global _compiled
    if _compiled is None:
        # Locations whose whole value is a credential: the excerpt says only that it was there.
        secret_field = re.compile(
            r"(?:^|[.\[])(?:password|passwd|pwd|secret|client_secret|authorization|proxy-authorization|"
            r"x-api-key|api[_-]?key|access[_-]?token|refresh[_-]?token|id[_-]?token|token|session[_-]?token)"
            r"(?:$|[.\[\]])",
            re.IGNORECASE,
        )
        replacements = (
            (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.S),
             "[PRIVATE_KEY]"),
            (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), "[JWT]"),
            (re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|A3T[A-Z0-9])[A-Z0-9]{16}\b"), "[AWS_KEY_ID]"),
            (re.compile(r"(?i)(aws.{0,20}?(?:secret|key).{0,5}?[=:\"'\s]{1,4})[A-Za-z0-9/+]{40}\b"), r"\1[AWS_SECRET]"),
            (re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})"), "[GITHUB_TOKEN]"),
            (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), "[SLACK_TOKEN]"),
            (re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}"), "[API_KEY]"),
            (re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), "[API_KEY]"),
            (re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 [TOKEN]"),
            (
                re.compile(
                    r"(?i)\b((?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|auth|session(?:id)?|sid)"
                    r"[\"']?\s*[=:]\s*[\"']?)[^\s&;,\"'}]{3,}"
                ),
                r"\1[REDACTED]",
            ),
        )
        card = re.compile(r"(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])")
        high_entropy = re.compile(r"[A-Za-z0-9+/_-]{48,}={0,2}")
        _compiled = (secret_field, replacements, card, high_entropy)
    return _compiled


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"[ -]", "", match.group(0))
    return "[CARD]" if 13 <= len(digits) <= 19 and _luhn(digits) else match.group(0)


def _entropy(match: re.Match[str]) -> str:
    token = match.group(0)
    mixed = any(c.isdigit() for c in token) and any(c.isupper() for c in token) and any(c.islower() for c in token)
    return "[REDACTED]" if mixed else token


def redact(text: str, location: str = "") -> str:
    """``text`` with secrets replaced by ``[KIND]`` markers."""
    secret_field, replacements, card, high_entropy = _patterns()
    if location and secret_field.search(location):
        return "[REDACTED]"
    for pattern, replacement in replacements:
        text = pattern.sub(replacement, text)
    text = card.sub(_card, text)
    return high_entropy.sub(_entropy, text)


def truncate(text: str, limit: int = EXCERPT_LIMIT) -> str:
    """At most ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + _ELLIPSIS


def excerpt(text: str, location: str = "") -> str:
    """What a security event may carry of a payload: redacted, then truncated."""
    # Bound the work on huge excerpts before the regexes run; the cut is re-applied after.
    return truncate(redact(text[: EXCERPT_LIMIT * 4], location))
