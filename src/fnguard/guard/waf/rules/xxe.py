"""XML external entities: DOCTYPE with SYSTEM/PUBLIC entities, parameter entities, XInclude."""

from __future__ import annotations

from fnguard.guard.waf.rules.base import ClassRules, Rule, rx

RULES = ClassRules(
    "xxe",
    None,
    (
        Rule("FGW-XXE-101", "xxe", "critical", 1, "external entity declared (<!ENTITY ... SYSTEM|PUBLIC)",
             pattern=rx(r"<!entity\s+(?:%\s*)?[^\s>]{1,100}\s+(?:system|public)\b"), forms=("text",)),
        Rule("FGW-XXE-102", "xxe", "high", 1, "DOCTYPE with an external DTD or internal subset of entities",
             pattern=rx(r"<!doctype\s+[^\s>\[]{1,100}\s+(?:system|public)\s|<!doctype[^>]{0,200}\[\s*<!(?:entity|element)"),
             forms=("text",)),
        Rule("FGW-XXE-103", "xxe", "high", 1, "XInclude of an external resource",
             pattern=rx(r"<[a-z0-9_]{0,20}:?include\b[^>]{0,300}xmlns[^>]{0,20}=\s*[\"']http://www\.w3\.org/2001/xinclude"),
             forms=("text",)),
        Rule("FGW-XXE-104", "xxe", "high", 1, "parameter entity declaration or reference",
             pattern=rx(r"<!entity\s+%\s*[a-z_]|<!entity[^>]{0,300}%[a-z_][a-z0-9_.-]{0,40};"), forms=("text",)),
    ),
    needs=('<!', 'xinclude', 'entity', 'doctype'),
)
