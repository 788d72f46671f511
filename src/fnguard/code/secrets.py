"""Secrets written in code: known key and token formats, and literals given secret-like names.

A function's code is readable by anyone who can read its deployment package or the bucket it
was uploaded to, and often by the whole repository. Formats with a recognisable shape are
found wherever they are (strings, comments); anything else is judged by its name and its
entropy. Values that are plainly placeholders (``YOUR-SECRET-HERE``, ``<token>``, ``${env:X}``)
and the keys AWS prints in its documentation are not secrets.
"""

from __future__ import annotations

import ast
import math
import re
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class SecretRule:
    """A rule of this module: what ``fnguard rules`` lists."""

    rule: str
    severity: str
    description: str
    remediation: str


_MOVE = ("Move it to Secrets Manager or SSM Parameter Store (SecureString), read it at run time, "
         "and rotate it: it is in the deployment package and the repository history.")

RULES = (
    SecretRule("FG420", "critical", "AWS access key written in code", _MOVE),
    SecretRule("FG421", "high", "Private key written in code", _MOVE),
    SecretRule("FG422", "high", "Token of a known service written in code (GitHub, Slack, Stripe, JWT...)", _MOVE),
    SecretRule("FG423", "high", "High-entropy literal assigned to a secret-like name", _MOVE),
    SecretRule("FG424", "medium", "Password or secret literal assigned to a secret-like name", _MOVE),
)


@dataclass(frozen=True)
class TokenPattern:
    """A token format with a recognisable shape."""

    kind: str
    rule: str
    severity: str
    regex: re.Pattern[str]


TOKEN_PATTERNS = (
    TokenPattern("aws-access-key-id", "FG420", "critical",
                 re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}(?![A-Z0-9])")),
    TokenPattern("private-key", "FG421", "high",
                 re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----")),
    TokenPattern("github-token", "FG422", "high", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{60,})\b")),
    TokenPattern("slack-token", "FG422", "high", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b")),
    TokenPattern("slack-webhook", "FG422", "high",
                 re.compile(r"https://hooks\.slack\.com/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]{16,}")),
    TokenPattern("stripe-live-key", "FG422", "high", re.compile(r"\b(?:sk|rk)_live_[A-Za-z0-9]{16,}\b")),
    TokenPattern("stripe-test-key", "FG422", "low", re.compile(r"\b(?:sk|rk)_test_[A-Za-z0-9]{16,}\b")),
    TokenPattern("google-api-key", "FG422", "high", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    TokenPattern("sendgrid-key", "FG422", "high", re.compile(r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b")),
    TokenPattern("npm-token", "FG422", "high", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
    TokenPattern("openai-key", "FG422", "high", re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_-]{32,}\b")),
    TokenPattern("twilio-key", "FG422", "high", re.compile(r"\bSK[0-9a-f]{32}\b")),
    TokenPattern("jwt", "FG422", "medium",
                 re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,}\b")),
)

DOCUMENTED_EXAMPLES = ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "EXAMPLE")
"""AWS documentation keys: reported at ``info`` (worth knowing, not worth a page)."""

SECRET_NAME = re.compile(
    r"(pass(word|wd|phrase)?|pwd|(?:^|_)pw(?:$|_)|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|"
    r"client[_-]?secret|credential|auth[_-]?key|signing[_-]?key|hmac|bearer|session[_-]?key)",
    re.IGNORECASE)
NOT_SECRET_NAME = re.compile(
    r"(name|arn|_id|url|uri|path|file|param(eter)?|env|header|field|type|prefix|length|len|endpoint|"
    r"format|regex|pattern|policy|expir\w*|ttl|timeout|count|_key_id|key_?name|id)$", re.IGNORECASE)
PLACEHOLDER = re.compile(
    r"(your|example|sample|dummy|placeholder|xxx|<[^>]*>|\$\{|\{\{|%\(|todo|replace|insert|fake|redacted|"
    r"\*\*\*|^test$|^none$|^null$|^secret$|^password$|^token$|here$)", re.IGNORECASE)
LOOKS_LIKE_REFERENCE = re.compile(r"^(arn:|https?://|/|[A-Z0-9_]+$|[\w.-]+/[\w./-]+$|\w+\.\w+$)")


@dataclass(frozen=True)
class SecretHit:
    """One secret found in a source text."""

    rule: str
    kind: str
    line: int
    severity: str
    message: str
    redacted: str
    name: str | None = None


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def redact(value: str) -> str:
    """Enough of a secret to recognise it in a report, not enough to use it."""
    return value[:4] + "…" + f"({len(value)} chars)" if len(value) > 8 else "…"


def is_placeholder(value: str) -> bool:
    return bool(PLACEHOLDER.search(value.strip())) or len(set(value)) <= 2


def is_high_entropy(value: str) -> bool:
    if len(value) < 16 or " " in value.strip():
        return False
    if re.fullmatch(r"[0-9a-fA-F]+", value):
        return len(value) >= 32 and entropy(value) >= 3.0
    return entropy(value) >= 3.5


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def scan_tokens(text: str) -> list[SecretHit]:
    """Known token formats anywhere in the text."""
    hits: list[SecretHit] = []
    for pattern in TOKEN_PATTERNS:
        for match in pattern.regex.finditer(text):
            value = match.group(0)
            severity = pattern.severity
            message = f"{pattern.kind} written in code"
            if any(example in value for example in DOCUMENTED_EXAMPLES) or value.endswith("EXAMPLE"):
                severity = "info"
                message += " (the AWS documentation example key)"
            hits.append(SecretHit(pattern.rule, pattern.kind, _line_of(text, match.start()), severity, message,
                                  redact(value)))
    return hits


def _named_literals(tree: ast.AST) -> list[tuple[str, str, int]]:
    """(name, literal, line) for assignments, keyword arguments and dict entries."""
    pairs: list[tuple[str, str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            value = node.value
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                for target in targets:
                    name = target.id if isinstance(target, ast.Name) else (
                        target.attr if isinstance(target, ast.Attribute) else None)
                    if name:
                        pairs.append((name, value.value, value.lineno))
        elif isinstance(node, ast.keyword) and node.arg:
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                pairs.append((node.arg, node.value.value, node.value.lineno))
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if (isinstance(key, ast.Constant) and isinstance(key.value, str)
                        and isinstance(value, ast.Constant) and isinstance(value.value, str)):
                    pairs.append((key.value, value.value, value.lineno))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            positional = [*args.posonlyargs, *args.args]
            for arg, default in zip(positional[len(positional) - len(args.defaults):], args.defaults, strict=True):
                if isinstance(default, ast.Constant) and isinstance(default.value, str):
                    pairs.append((arg.arg, default.value, default.lineno))
    return pairs


def scan_names(tree: ast.AST, known_lines: set[int]) -> list[SecretHit]:
    """Literals assigned to secret-like names: high entropy → FG423, other real-looking → FG424."""
    hits: list[SecretHit] = []
    for name, value, line in _named_literals(tree):
        if line in known_lines or not SECRET_NAME.search(name) or NOT_SECRET_NAME.search(name):
            continue
        stripped = value.strip()
        if len(stripped) < 6 or is_placeholder(stripped) or LOOKS_LIKE_REFERENCE.match(stripped):
            continue
        if stripped.lower() == name.lower() or " " in stripped and not is_high_entropy(stripped):
            continue
        if re.fullmatch(r"[a-z0-9_.:]+|[A-Z0-9_]+", stripped) and SECRET_NAME.search(stripped) and not is_high_entropy(stripped):
            continue  # a name that mentions a secret ("aws_secret_access_key"), not a secret
        if is_high_entropy(stripped):
            hits.append(SecretHit("FG423", "high-entropy-secret", line, "high",
                                  f"high-entropy literal assigned to {name!r}", redact(stripped), name))
        else:
            hits.append(SecretHit("FG424", "hardcoded-secret", line, "medium",
                                  f"literal assigned to secret-like name {name!r}", redact(stripped), name))
    return hits


def scan_source(text: str, names: bool = True) -> list[SecretHit]:
    """Every secret of one Python source (token formats even when it does not parse).

    ``names=False`` keeps only the token formats: for test code, whose literals assigned to
    ``password`` are fixtures.
    """
    hits = scan_tokens(text)
    if not names:
        return hits
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return hits
    return hits + scan_names(tree, {hit.line for hit in hits})
