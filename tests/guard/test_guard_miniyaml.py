"""The strict YAML-subset reader: agrees with PyYAML where it accepts, refuses the rest."""

from __future__ import annotations

import pytest

from fnguard.guard.miniyaml import MiniYamlError, loads

SUPPORTED = [
    "mode: block\n",
    "a: 1\nb: -2\nc: 2.5\nd: true\ne: false\nf: null\ng: ~\nh:\n",
    "waf:\n  exclude:\n    - field: body.html\n    - field: headers.cookie\n      rules: [FGW-XSS-*, 'FGW-SQLI-1*']\n",
    "list:\n- a\n- b\n",
    "nested:\n  - - x\n    - y\n  - z\n",
    "flow: {route: 'POST /admin/*', rules: [a, b]}\n",
    "quoted: \"tab\\there \\u00e9 \\\"q\\\"\"\nsingle: 'it''s'\n",
    "url: http://host:8080/path#frag  # a comment\n",
    "---\nkey with spaces: value with spaces\n",
    "empty_list: []\nempty_map: {}\n",
    "- 1\n- two\n",
    "k: 'a: b'\n",
]

REFUSED = [
    ("a: &x 1\nb: *x\n", "unsupported YAML syntax"),
    ("a: |\n  text\n", "unsupported YAML syntax"),
    ("a: !!python/object:os.system x\n", "unsupported YAML syntax"),
    ("a: [1,\n  2]\n", "must close on the same line"),
    ("a: 1\na: 2\n", "duplicate key"),
    ("a:\n\tb: 1\n", "tabs"),
    ("a: b: c\n", "nested mapping on one line"),
    ("a: 1\n---\nb: 2\n", "only one YAML document"),
    ("? complex\n: key\n", "complex keys"),
    ("a:\n  b: 1\n   c: 2\n", "unexpected indentation"),
    ("a: 'open\n", "malformed quoted string"),
    ("a: \"\\q\"\n", "unknown escape"),
]


@pytest.mark.parametrize("text", SUPPORTED)
def test_agrees_with_pyyaml(text: str) -> None:
    yaml = pytest.importorskip("yaml")
    assert loads(text) == yaml.safe_load(text)


@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_refuses_what_it_does_not_support(text: str, reason: str) -> None:
    with pytest.raises(MiniYamlError) as raised:
        loads(text, "fnguard.yml")
    assert reason in str(raised.value)
    assert str(raised.value).startswith("fnguard.yml:")


def test_error_carries_the_line_number() -> None:
    with pytest.raises(MiniYamlError, match=r"^cfg:4: "):
        loads("a: 1\n# comment\n\nb: *alias\n", "cfg")


def test_yes_and_no_stay_strings_so_validation_catches_them() -> None:
    assert loads("enabled: yes\n") == {"enabled": "yes"}


def test_empty_document_is_none() -> None:
    assert loads("# nothing\n\n") is None
