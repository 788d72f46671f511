"""SQL injection: the tokenising detector (see :mod:`fnguard.guard.waf.sqli`) plus a few
keyword rules for functions that only an attack calls (sleep, benchmark, load_file...)."""

from __future__ import annotations

from fnguard.guard.waf.rules.base import ClassRules, Rule, rx

RULES = ClassRules(
    "sqli",
    None,
    (
        Rule("FGW-SQLI-102", "sqli", "critical", 1, "UNION SELECT",
             pattern=rx(r"\bunion(?:\s+(?:all|distinct))?\s*\(?\s*select\b"), forms=("sql",)),
        Rule("FGW-SQLI-103", "sqli", "critical", 1, "time-based blind injection (sleep, benchmark, pg_sleep, waitfor delay)",
             pattern=rx(r"\b(?:sleep|pg_sleep|benchmark|dbms_lock\.sleep|randomblob)\s*\(|\bwaitfor\s+(?:delay|time)\b"),
             forms=("sql",)),
    ),
)
