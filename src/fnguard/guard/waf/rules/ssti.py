"""Server-side template injection: Jinja2/Twig/Freemarker/Velocity/ERB/Mako/Thymeleaf expressions
that evaluate arithmetic or reach Python/Java internals."""

from __future__ import annotations

import re

from fnguard.guard.waf.forms import Forms
from fnguard.guard.waf.rules.base import Check, ClassRules, Rule, lazy, rx

_DUNDER = r"__(?:class|mro|subclasses|globals|builtins|init|import|base|bases|dict|getattribute|reduce)__"

def _delimited(openers: tuple[str, ...], reach: int, inner: str) -> Check:
    """A dangerous expression with a template opener at most ``reach`` characters before it.

    Searching the expression first and looking back for the opener keeps the cost linear: the
    "opener, then anything, then expression" form backtracks badly on ``{{{{...`` floods.
    """
    pattern = lazy(inner, re.S)

    def check(forms: Forms) -> str | None:
        text = forms.get("text")
        for found in pattern.finditer(text):
            window = text[max(0, found.start() - reach): found.start()]
            starts = [window.rfind(o) for o in openers]
            best = max(starts)
            if best >= 0:
                begin = found.start() - len(window) + best
                return text[begin: found.end() + 20]
        return None
    return check


RULES = ClassRules(
    "ssti",
    None,
    (
        Rule("FGW-SSTI-101", "ssti", "critical", 1, "template expression reaching Python internals",
             check=_delimited(("{{", "{%", "${", "<%", "#{"), 400, rf"(?:{_DUNDER}|\bself\.(?:_?template|module|attr|__init__)|\.(?:subclasses|mro|__base__|base\.subclasses)\s*\(|\b(?:lipsum|cycler|joiner|namespace|request|config|url_for|get_flashed_messages)\.__|\|\s*attr\s*\()")),
        Rule("FGW-SSTI-102", "ssti", "critical", 1, "template expression executing commands or Java reflection",
             check=_delimited(("{{", "{%", "${", "<%", "#{", "*{", "#set"), 400, r"(?:\bos\.(?:system|popen)|popen\d?\(|\.exec\(|getruntime|processbuilder|java\.lang\.|forname\(|\bt\s*\(\s*java\.|freemarker\.template\.utility\.execute|\bnew\s*\(\s*\)|system\(|shell_exec|passthru|`[^`]{1,80}`|registerundefinedfiltercallback|getclass\(\)|classloader|\.getenv\(|\.setattribute\(|\bnew\s+(?:java\.io\.)?file\s*\(|\.createnewfile\s*\()")),
        Rule("FGW-SSTI-103", "ssti", "high", 1, "arithmetic probe inside a template delimiter ({{7*7}}, ${7*7}, <%= 7*7 %>)",
             pattern=rx(r"(?:\{\{|\$\{|#\{|<%=?|\*\{|@\(|\[\[|\{%)\s*[\"']?\d{1,10}[\"']?\s*[*+/-]\s*[\"']?\d{1,10}[\"']?\s*(?:\}|%>|\)|\]\])"),
             forms=("text",)),
        Rule("FGW-SSTI-104", "ssti", "high", 1, "template statement tags (Jinja/Twig/Django/Velocity/Freemarker/ERB)",
             pattern=rx(r"\{%\s*(?:for|if|set|import|include|extends|debug|load|macro|block|print|with|call|filter|autoescape|endfor|endif)\b|<#(?:assign|list|if|import|include)\b|#set\s*\(\s*\$|#foreach\s*\(|<%[=#-]?\s*(?:[a-z_][a-z0-9_]*\s*[(.'\"]|[a-z_][a-z0-9_]*\s+['\"]|@|\$|`|%x)|\$\{\s*(?:self|context|request|session|application|pagecontext|t\s*\(|class|object|product|''|\"\")"),
             forms=("text",)),
        Rule("FGW-SSTI-105", "ssti", "high", 1, "template expression with dangerous globals or filters",
             check=_delimited(("{{",), 300, r"(?:\bconfig\b|\brequest\b|\bself\b|\bsettings\b|_context|\bdump\s*\(|\|\s*(?:filter|map|sort|reduce)\s*\(\s*[\"'](?:system|exec|passthru|shell_exec|call_user_func)|\bconstructor\b|\brange\s*\(|\bapp\.|_self\.env|\.getfilter|\.registerundefined|\|\s*e\s*\(|\battr\s*\()")),
    ),
    needs=('{{', '{%', '${', '#{', '<%', '#set', '*{', '@(', '[[', '<#', '#foreach'),
)
