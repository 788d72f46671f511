"""JNDI / Log4Shell lookups: ``${jndi:ldap://...}`` and the nested-lookup obfuscations of it."""

from __future__ import annotations

import re

from fnguard.guard.waf.forms import Forms
from fnguard.guard.waf.rules.base import ClassRules, Rule, lazy, rx

# ${lower:j}, ${::-n}, ${env:X:-d} each resolve to their last characters: collapse them first.
_LOOKUP = lazy(r"\$\{[^{}$]{0,80}?(?::-|:)([^{}:]{0,20})\}")
_DEFAULT = lazy(r"\$\{[^{}$]{0,80}?:-([^{}]{0,20})\}")


def _collapse(text: str) -> str:
    for _ in range(4):
        new = _DEFAULT.sub(r"\1", text)
        new = re.sub(r"\$\{(?:lower|upper|main|sys|env|date|ctx|spring|k8s|docker|bundle|log4j|web|jvm|java|marker|map|sd):([^{}]{0,20})\}", r"\1", new)
        if new == text:
            break
        text = new
    return text


_JNDI = lazy(r"\$\{?\s*jndi\s*:\s*(?:ldaps?|rmi|dns|iiop|nis|nds|corba|http|https)?")


def _obfuscated_jndi(forms: Forms) -> str | None:
    text = forms.get("text")
    if "${" not in text:
        return None
    collapsed = _collapse(text)
    found = _JNDI.search(collapsed)
    if found is None and "base64:" in collapsed:
        return text[text.index("base64:"): text.index("base64:") + 80]
    return collapsed[found.start(): found.end() + 60] if found else None


RULES = ClassRules(
    "jndi",
    None,
    (
        Rule("FGW-JNDI-101", "jndi", "critical", 1, "Log4Shell JNDI lookup ${jndi:...}",
             pattern=rx(r"\$\{\s*jndi\s*:"), forms=("text",)),
        Rule("FGW-JNDI-102", "jndi", "critical", 1, "obfuscated JNDI lookup built from nested lookups",
             check=_obfuscated_jndi),
        Rule("FGW-JNDI-103", "jndi", "high", 1, "Log4j lookup leaking environment or system properties",
             pattern=rx(r"\$\{(?:env|sys|java|ctx|main|jvmrunargs|bundle|spring|k8s|docker|web):[a-z0-9_.]{1,60}\}"),
             forms=("text",)),
    ),
    needs=('${', 'jndi'),
)
