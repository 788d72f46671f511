"""Secrets in code: real formats are found, documentation keys are info, placeholders are not secrets."""

from __future__ import annotations

from fnguard.code.secrets import entropy, scan_source

# Split so that the repository itself holds no token-shaped literal.
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
AWS_KEY = "AKIA" + "Z7Q2M4XK9TB3WJ5R"
SLACK = "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
PRIVATE = "-----BEGIN RSA " + "PRIVATE KEY-----"


def _rules(source: str) -> list[tuple[str, int, str]]:
    return [(hit.rule, hit.line, hit.severity) for hit in scan_source(source)]


def test_known_formats_are_found_on_their_line() -> None:
    source = f'import os\nKEY = "{AWS_KEY}"\nGH = "{GITHUB}"\n# {SLACK}\nPEM = """{PRIVATE}\nMIIE..."""\n'
    got = _rules(source)
    assert ("FG420", 2, "critical") in got
    assert ("FG422", 3, "high") in got
    assert ("FG422", 4, "high") in got
    assert ("FG421", 5, "high") in got


def test_documentation_example_key_is_info() -> None:
    got = _rules('access_key = "AKIA' + 'IOSFODNN7EXAMPLE"\n')
    assert got == [("FG420", 1, "info")]


def test_high_entropy_literal_with_secret_name_is_high() -> None:
    got = _rules('client_secret = "q8V3xK9mZ2pL7wR4tY6uB1nD5fH0jS3a"\n')
    assert got == [("FG423", 1, "high")]


def test_hard_coded_password_is_medium_and_placeholders_are_not_secrets() -> None:
    assert _rules("HMAC_PASSWORD = 'super-secret-value'\n") == [("FG424", 1, "medium")]
    placeholders = (
        'FAUNADB_SECRET = "YOUR-SECRET-HERE"\n'
        'api_key = "<your api key>"\n'
        'token = "${env:TOKEN}"\n'
        'password_param = "/prod/db/password"\n'
        'secret_name = "prod/db/creds"\n'
        'SECRET_KEY = "aws_secret_access_key"\n'
    )
    assert _rules(placeholders) == []


def test_entropy_orders_random_above_words() -> None:
    assert entropy("q8V3xK9mZ2pL7wR4tY6uB1nD5fH0jS3a") > 4.0 > entropy("passwordpassword")
