"""NoSQL (MongoDB-style) operator injection: ``{"$ne": null}``, ``user[$ne]=x``, ``$where`` code."""

from __future__ import annotations

from fnguard.guard.waf.rules.base import ClassRules, Rule, rx

_OPERATORS = (
    "ne|eq|gt|gte|lt|lte|in|nin|regex|where|exists|not|nor|or|and|expr|elemmatch|all|size|type|"
    "mod|text|search|lookup|function|accumulator|jsonschema|comment|options|match|group|project|"
    "unwind|merge|out|function"
)

RULES = ClassRules(
    "nosqli",
    None,
    (
        Rule("FGW-NOSQLI-101", "nosqli", "high", 1, "MongoDB query operator as a mapping key",
             pattern=rx(rf"^[$&](?:{_OPERATORS})$"), forms=("text",), on_keys=True, on_values=False),
        Rule("FGW-NOSQLI-102", "nosqli", "high", 1, "MongoDB operator in JSON or query-string brackets",
             pattern=rx(rf"(?:\[\s*\$(?:{_OPERATORS})\s*\]|(?:^|[\"'{{,])\s*[$&](?:{_OPERATORS})[\"']?\s*:|\bdb\.[a-z_]{{1,40}}\.(?:insert|find|findone|update|remove|drop|mapreduce|aggregate|deletemany|updatemany)\s*\()"),
             forms=("text",), needs=('$', '&', 'db.')),
        Rule("FGW-NOSQLI-103", "nosqli", "high", 1, "JavaScript injected into a $where clause",
             pattern=rx(r"(?:['\"]\s*(?:;|&&|\|\|)\s*(?:this\.|sleep\s*\(|while\s*\(|return\b|db\.)|\bthis\.[a-z_]{1,40}\.(?:match|length|indexof)\b)"),
             forms=("text",), needs=('this.', 'sleep', 'while', 'return', 'db.')),
        Rule("FGW-NOSQLI-104", "nosqli", "high", 1, "operator injection closing a query object",
             pattern=rx(rf"['\"]\s*[}}\]]*\s*,\s*\$(?:{_OPERATORS})\s*:"), forms=("text",), needs=('$',)),
    ),
    needs=('$', '&', 'this.', 'db.'),
)
