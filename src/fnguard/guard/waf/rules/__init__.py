"""The WAF rule table: one module per attack class, each exporting ``RULES`` (a ClassRules).

The order below is the order classes are tried in; it does not change which rules fire.
"""

from __future__ import annotations

from fnguard.guard.waf.rules import (
    cmdi,
    code,
    deserialization,
    jndi,
    nosqli,
    orm,
    prototype,
    rfi,
    sqli,
    ssrf,
    ssti,
    traversal,
    xss,
    xxe,
)
from fnguard.guard.waf.rules.base import ClassRules, Rule

ALL_CLASSES: tuple[ClassRules, ...] = (
    jndi.RULES,
    deserialization.RULES,
    prototype.RULES,
    nosqli.RULES,
    orm.RULES,
    xxe.RULES,
    ssrf.RULES,
    ssti.RULES,
    sqli.RULES,
    xss.RULES,
    cmdi.RULES,
    code.RULES,
    traversal.RULES,
    rfi.RULES,
)


def all_rules() -> tuple[Rule, ...]:
    """Every rule, whatever its paranoia level: what ``fnguard rules`` and the docs list."""
    return tuple(rule for group in ALL_CLASSES for rule in group.rules)


def _check_unique() -> None:
    ids = [rule.rule_id for rule in all_rules()]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"duplicate WAF rule ids: {sorted(duplicates)}")


_check_unique()
