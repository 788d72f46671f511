"""ORM lookup injection: attacker-chosen Django-style filters that walk relations
(``user__password__startswith``) to leak fields one character at a time."""

from __future__ import annotations

from fnguard.guard.waf.rules.base import ClassRules, Rule, rx

_LOOKUPS = (
    "startswith|istartswith|endswith|iendswith|contains|icontains|regex|iregex|has_key|has_keys|"
    "has_any_keys|exact|iexact|gt|gte|lt|lte|in"
)

RULES = ClassRules(
    "orm_injection",
    None,
    (
        Rule("FGW-ORM-101", "orm_injection", "medium", 1,
             "lookup that traverses a relation and filters on it (field__relation__lookup)",
             pattern=rx(rf"\b[a-z_][a-z0-9]*__[a-z0-9_]{{1,60}}?__(?:{_LOOKUPS})\b"), forms=("text",), on_keys=True),
        Rule("FGW-ORM-102", "orm_injection", "medium", 1, "filter on password or secret fields",
             pattern=rx(rf"\b(?:password|passwd|secret|token|api_key)__(?:{_LOOKUPS})\b"), forms=("text",),
             on_keys=True),
    ),
    needs=('__',),
)
