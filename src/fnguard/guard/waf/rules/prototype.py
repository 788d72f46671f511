"""Prototype pollution: writes to ``__proto__`` or ``constructor.prototype`` through JSON keys,
query-string brackets or dotted paths (merge/set-by-path helpers in Node.js apps)."""

from __future__ import annotations

from fnguard.guard.waf.rules.base import ClassRules, Rule, rx

RULES = ClassRules(
    "prototype_pollution",
    None,
    (
        Rule("FGW-PROTO-101", "prototype_pollution", "high", 1, "__proto__ used as a key or path segment",
             pattern=rx(r"(?:^|[\[.\"'\s{,&?#])__proto__(?:$|[\]\[.\"'=\s:])"), forms=("text",), on_keys=True),
        Rule("FGW-PROTO-102", "prototype_pollution", "high", 1, "constructor.prototype path",
             pattern=rx(r"constructor(?:\]?\[|\.|\"\s*:\s*\{\s*\")\s*[\"']?prototype\b"),
             forms=("text",), on_keys=True),
        Rule("FGW-PROTO-103", "prototype_pollution", "high", 1, "key is exactly __proto__ or prototype",
             pattern=rx(r"^(?:__proto__|prototype)$"), forms=("text",), on_keys=True, on_values=False),
    ),
    needs=('__proto__', 'prototype'),
)
