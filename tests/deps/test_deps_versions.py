"""Version schemes: SemVer precedence (the spec's own example chain), npm ranges, PEP 440 pins."""

from __future__ import annotations

import random

import pytest

from fnguard.deps.versions import InvalidVersionError, scheme_for
from fnguard.deps.versions.npm import satisfies, semver_key

# semver.org §11: each version is lower than the next.
SEMVER_CHAIN = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
                "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "1.9.0", "1.10.0", "2.0.0"]


def test_semver_precedence_follows_the_spec_whatever_the_input_order() -> None:
    shuffled = SEMVER_CHAIN[:]
    random.Random(5).shuffle(shuffled)
    assert sorted(shuffled, key=semver_key) == SEMVER_CHAIN


def test_build_metadata_is_ignored_and_v_prefix_accepted() -> None:
    assert semver_key("1.2.3+build.7") == semver_key("v1.2.3")
    with pytest.raises(InvalidVersionError):
        semver_key("not-a-version")


@pytest.mark.parametrize(
    ("version", "spec", "expected"),
    [
        ("1.9.9", "^1.2.3", True), ("2.0.0", "^1.2.3", False), ("1.2.2", "^1.2.3", False),
        ("0.2.9", "^0.2.3", True), ("0.3.0", "^0.2.3", False), ("0.0.3", "^0.0.3", True), ("0.0.4", "^0.0.3", False),
        ("1.2.9", "~1.2.3", True), ("1.3.0", "~1.2.3", False),
        ("2.0.7", "2.0.x || 2.1.x", True), ("2.2.0", "2.0.x || 2.1.x", False),
        ("1.5.0", "1.2.3 - 2.3", True), ("2.4.0", "1.2.3 - 2.3", False),
        # legacy advisories with exclusive lower bounds (NSWG-ECO-49, -309)
        ("2.0.5", "<1.6.5 || < 2.1.7 > 2.0.0", True), ("2.0.0", "<1.6.5 || < 2.1.7 > 2.0.0", False),
        ("2.50.0", ">=2.2.6 <2.47.0 || >2.51.0 <=2.67.0", False), ("2.67.0", ">=2.2.6 <2.47.0 || >2.51.0 <=2.67.0", True),
        ("3.0.0", ">2", True), ("2.9.9", ">2", False), ("2.9.9", "<=2", True), ("3.0.0", "<=2", False),
    ],
)
def test_npm_range_grammar(version: str, spec: str, expected: bool) -> None:
    assert satisfies(version, spec) is expected


@pytest.mark.parametrize(
    ("ecosystem", "spec", "pin"),
    [("PyPI", "==1.4.2", "1.4.2"), ("PyPI", ">=1.0", None), ("PyPI", "==1.*", None), ("PyPI", "~=1.2", None),
     ("PyPI", "==1.0,!=1.1", "1.0"), ("npm", "0.0.4", "0.0.4"), ("npm", "^0.0.4", None), ("npm", "1.x", None),
     ("npm", "=2.2.0", "2.2.0")],
)
def test_exact_pins(ecosystem: str, spec: str, pin: str | None) -> None:
    assert scheme_for(ecosystem).exact_pin(spec) == pin


def test_pypi_names_are_pep503_normalised() -> None:
    assert scheme_for("PyPI").normalize_name("PyYAML") == scheme_for("PyPI").normalize_name("pyyaml")
    assert scheme_for("PyPI").normalize_name("Zope.Interface_x") == "zope-interface-x"
