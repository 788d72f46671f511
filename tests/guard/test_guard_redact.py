"""Excerpts never carry credentials or card numbers, and never exceed 120 characters."""

from __future__ import annotations

import pytest

from fnguard.guard.redact import EXCERPT_LIMIT, excerpt, redact

JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"


@pytest.mark.parametrize(
    ("text", "secret", "marker"),
    [
        (f"Authorization: Bearer {JWT}", JWT, "[JWT]"),
        ("Authorization: Bearer abcdef0123456789", "abcdef0123456789", "Bearer [TOKEN]"),
        (f"x={JWT}", JWT, "[JWT]"),
        ("key AKIAIOSFODNN7EXAMPLE used", "AKIAIOSFODNN7EXAMPLE", "[AWS_KEY_ID]"),
        ("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "[AWS_SECRET]"),
        ("card 4111 1111 1111 1111 '; DROP TABLE x", "4111 1111 1111 1111", "[CARD]"),
        ("card=5500-0000-0000-0004", "5500-0000-0000-0004", "[CARD]"),
        ("password=hunter2xyz&user=admin' --", "hunter2xyz", "[REDACTED]"),
        ('{"api_key": "abcd1234efgh"}', "abcd1234efgh", "[REDACTED]"),
        ("ghp_" + "a1B2" * 9, "ghp_" + "a1B2" * 9, "[GITHUB_TOKEN]"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "MIIEow", "[PRIVATE_KEY]"),
    ],
)
def test_secrets_are_replaced(text: str, secret: str, marker: str) -> None:
    out = redact(text)
    assert secret not in out
    assert marker in out


def test_attack_text_survives() -> None:
    attack = "1 UNION SELECT username, password FROM users--"
    assert redact(attack) == attack
    assert redact("../../etc/passwd") == "../../etc/passwd"


def test_numbers_that_fail_luhn_are_kept() -> None:
    assert redact("order 4111111111111112") == "order 4111111111111112"


def test_credential_fields_are_redacted_whole() -> None:
    assert redact("' OR 1=1 --", "request.password") == "[REDACTED]"
    assert redact("x", "headers.authorization") == "[REDACTED]"
    assert redact("' OR 1=1 --", "body.comment") == "' OR 1=1 --"


def test_excerpt_is_truncated_after_redaction() -> None:
    long = "A" * 10 + " password=" + "s" * 300
    out = excerpt(long)
    assert len(out) <= EXCERPT_LIMIT and "sss" not in out
    assert len(excerpt("x" * 1000)) == EXCERPT_LIMIT and excerpt("x" * 1000).endswith("…")
    assert excerpt("short") == "short"
