"""Recognise secrets written as configuration values (environment variables, parameter defaults).

Configuration differs from code: a value is one string under a name, so the name is as strong a
signal as the value, and references (``{{resolve:secretsmanager:...}}``, ``${ssm:...}``) and
deploy-time copies (``${env:X}``) have their own meaning. The token formats and the entropy measure
are :mod:`fnguard.code.secrets`'s, shared with the code rules; this module only adds the judgement
of ``NAME: value`` pairs.
"""

from __future__ import annotations

import re
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


# Token formats are the code engineer's table (fnguard.code.secrets.TOKEN_PATTERNS): one list of
# shapes for code and configuration. Configuration adds one shape code rarely holds.
_CREDENTIALS_IN_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s:@]{3,}@[^/\s]+")


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
    severity: str | None = None
    """A lower severity the format itself implies (a Stripe *test* key, a JWT); None keeps the rule's."""
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
    from fnguard.code.secrets import entropy

    return entropy(value)


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
    from fnguard.code.secrets import TOKEN_PATTERNS

    for pattern in TOKEN_PATTERNS:
        if pattern.regex.search(text):
            capped = None if pattern.severity in ("critical", "high") else pattern.severity
            return SecretMatch("value", pattern.kind, severity=capped)
    if _CREDENTIALS_IN_URL.search(text):
        return SecretMatch("value", "credentials in a URL")
    if name_says_secret(name):
        if text.lower() in {"true", "false", "0", "1", "yes", "no", "enabled", "disabled"}:
            return None
        return SecretMatch("name", f"the name {name} says it holds a secret", placeholder=is_placeholder(text))
    if _looks_random(text):
        return SecretMatch("entropy", f"a high-entropy value ({shannon_entropy(text):.1f} bits/char)")
    return None
