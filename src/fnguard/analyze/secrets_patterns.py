"""Recognise secrets written as configuration values (environment variables, parameter defaults).

Configuration differs from code: a value is one string under a name, so the name is as strong a
signal as the value. Code literals are the code engineer's :mod:`fnguard.code.secrets`; this module
only judges ``NAME: value`` pairs, and is a table of patterns so that adding a token format is
adding a row.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

# Names that say "this holds a secret". Matched on the upper-cased name split at _ - . and camelCase.
_SECRET_NAME = re.compile(
    r"(?:^|_)(PASSWORD|PASSWD|PWD|PASS|SECRET|SECRETS|TOKEN|APIKEY|API_KEY|ACCESS_KEY|SECRET_KEY|"
    r"PRIVATE_KEY|PRIVATEKEY|CLIENT_SECRET|AUTH_KEY|CREDENTIALS?|SIGNING_KEY|ENCRYPTION_KEY|"
    r"WEBHOOK_SECRET|CONNECTION_STRING|DSN|SESSION_KEY|MASTER_KEY|AUTH)(?:_|$)"
)
# Names that contain a secret word but hold a reference, not a secret (SECRET_ARN, TOKEN_URL...).
_REFERENCE_SUFFIX = re.compile(
    r"(?:_|^)(ARN|ID|NAME|PATH|URL|URI|ENDPOINT|REGION|TTL|EXPIRY|EXPIRES|EXPIRATION|LENGTH|"
    r"HEADER|TABLE|BUCKET|QUEUE|TOPIC|PARAM|PARAMETER|KEY_ID|SSM|ENABLED|TYPE|FILE|VERSION|POOL|PORT|HOST|"
    r"TIMEOUT|SIZE|LEVEL|MODE|COUNT|FORMAT|PREFIX|ALGORITHM|ALG|LOCATION|DIR|FIELD|ATTRIBUTE|METHOD|STORE)$"
)


@dataclass(frozen=True)
class ValuePattern:
    """A secret format recognisable by its value alone."""

    name: str
    regex: re.Pattern[str]


VALUE_PATTERNS: tuple[ValuePattern, ...] = (
    ValuePattern("AWS access key id", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA)[0-9A-Z]{16}\b")),
    ValuePattern("private key", re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY(?: BLOCK)?-----")),
    ValuePattern("GitHub token", re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{60,}")),
    ValuePattern("GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20}\b")),
    ValuePattern("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ValuePattern("Slack webhook", re.compile(r"https://hooks\.slack\.com/services/T[A-Za-z0-9_/]+")),
    ValuePattern("Stripe key", re.compile(r"\b(?:sk|rk)_live_[A-Za-z0-9]{20,}")),
    ValuePattern("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ValuePattern("Twilio key", re.compile(r"\bSK[0-9a-f]{32}\b")),
    ValuePattern("SendGrid key", re.compile(r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b")),
    ValuePattern("OpenAI key", re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_-]{32,}")),
    ValuePattern("JSON web token", re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")),
    ValuePattern("credentials in URL", re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s:@]{3,}@[^/\s]+")),
)

# Values that are obviously not filled in; they still show the practice, but they are not a leak.
_PLACEHOLDER = re.compile(
    r"^(?:<[^>]*>|\{\{[^}]*\}\}|x{3,}|\*{3,}|\.{3,}|-+|changeme!?|change[-_ ]?me|replace[-_ ]?me|todo|tbd|"
    r"dummy|test|testing|example|sample|secret|password|none|null|undefined|your[-_ ].*|.*[-_ ]here|"
    r"put[-_ ].*|insert[-_ ].*|fill[-_ ]?me.*|placeholder.*)$",
    re.IGNORECASE,
)
# Well-known documentation examples (AWS's own docs use these keys).
DOCUMENTATION_EXAMPLES = frozenset({
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AKIAI44QH8DHBEXAMPLE",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
})
# Deploy-time references that keep the secret out of the template.
_REFERENCE_VALUE = re.compile(
    r"\{\{resolve:(?:secretsmanager|ssm-secure|ssm):|\$\{(?:ssm|aws:ssm|secretsmanager|aws:secretsmanager)[:(]"
    r"|^arn:aws[a-z-]*:(?:secretsmanager|ssm|kms):",
    re.IGNORECASE,
)
_TOKEN_CHARS = re.compile(r"^[A-Za-z0-9+/=_\-.~]{20,}$")


@dataclass(frozen=True)
class SecretMatch:
    """Why a ``NAME: value`` pair looks like a secret."""

    kind: str
    """``name`` (the name says secret), ``value`` (the value has a known format) or ``entropy``."""
    detail: str
    placeholder: bool = False
    """The value is a placeholder (``YOUR-SECRET-HERE``): the practice is wrong, nothing leaked."""
    example: bool = False
    """The value is a well-known documentation example (AWS's ``AKIA...EXAMPLE``)."""
    deploy_time: bool = False
    """The value comes from the deployer's environment (``${env:X}``): not in the template, but stored in
    plain text in the function configuration once deployed."""


def name_says_secret(name: str) -> bool:
    """True for ``DB_PASSWORD``, ``apiKey``, ``stripe-secret``; false for ``SECRET_ARN``, ``TOKEN_URL``."""
    split = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    upper = re.sub(r"[^A-Za-z0-9]+", "_", split).upper().strip("_")
    if _REFERENCE_SUFFIX.search(upper):
        return False
    return bool(_SECRET_NAME.search(upper)) or upper in {"KEY", "APIKEY"}


def is_reference(value: str) -> bool:
    """A Secrets Manager / SSM reference, resolved where it is used rather than written here."""
    return bool(_REFERENCE_VALUE.search(value))


def is_placeholder(value: str) -> bool:
    return not value.strip() or bool(_PLACEHOLDER.match(value.strip()))


def shannon_entropy(value: str) -> float:
    """Bits per character: random tokens are above 4, words and identifiers below."""
    if not value:
        return 0.0
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def _looks_random(value: str) -> bool:
    if not _TOKEN_CHARS.match(value) or value.startswith(("arn:", "http", "/")):
        return False
    if re.fullmatch(r"[a-z0-9._-]+", value) and re.search(r"[-_.]", value):
        return False  # resource names (my-bucket-123456789012-us-east-1), host names, versions
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]"))
    if classes < 2 or re.fullmatch(r"[a-z0-9.-]+", value) and "." in value:  # host names, versions
        return False
    return shannon_entropy(value) >= (3.5 if re.fullmatch(r"[0-9a-fA-F]+", value) else 4.2)


def classify(name: str, value: object) -> SecretMatch | None:
    """Judge one configuration pair; ``None`` when it is not a secret written in plaintext."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or is_reference(text) or text.startswith("${") and text.endswith("}") and ":" not in text:
        return None
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return None
    env_only = re.fullmatch(r"\$\{env:([A-Za-z0-9_]+)(?:,[^}]*)?\}", text)
    if env_only:
        if name_says_secret(name) or name_says_secret(env_only.group(1)):
            return SecretMatch("name", f"copied from the deployer's ${{env:{env_only.group(1)}}}", deploy_time=True)
        return None
    if text in DOCUMENTATION_EXAMPLES:
        return SecretMatch("value", "AWS documentation example key", example=True)
    for pattern in VALUE_PATTERNS:
        if pattern.regex.search(text):
            return SecretMatch("value", pattern.name)
    if name_says_secret(name):
        if text.lower() in {"true", "false", "0", "1", "yes", "no", "enabled", "disabled"}:
            return None
        return SecretMatch("name", f"the name {name} says it holds a secret", placeholder=is_placeholder(text))
    if _looks_random(text):
        return SecretMatch("entropy", f"a high-entropy value ({shannon_entropy(text):.1f} bits/char)")
    return None
