import re

import pytest

from fnguard.analyze import RULES, load_rules
from fnguard.analyze.registry import define, finding
from fnguard.model import RISKS, SEVERITIES


def test_every_rule_is_well_formed_and_its_risk_follows_its_id():
    load_rules()
    assert RULES, "no rule registered"
    prefix_risk = dict(zip("123456", RISKS, strict=True))
    for rule_id, rule in RULES.items():
        assert re.fullmatch(r"FG[1-6]\d\d", rule_id)
        assert rule.risk == prefix_risk[rule_id[2]]
        assert rule.severity in SEVERITIES
        assert rule.description and "\n" not in rule.description


def test_a_rule_id_cannot_change_meaning():
    define("FG699", "low", "test rule: reserved for the registry test")
    with pytest.raises(ValueError):
        define("FG699", "low", "another meaning")
    RULES.pop("FG699")


def test_finding_takes_rule_defaults():
    define("FG698", "medium", "test rule two", "do the fix")
    try:
        item = finding("FG698", "msg", function="f", file="a.py", line=3)
        assert (item.risk, item.severity, item.remediation) == ("reuse", "medium", "do the fix")
        assert finding("FG698", "msg", severity="high").severity == "high"
    finally:
        RULES.pop("FG698")
