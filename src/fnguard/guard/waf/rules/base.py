"""What a WAF rule is: its identity (id, class, severity, paranoia) beside the check it runs.

A rule is either a regular expression searched in one of the normalised forms of a value, or a
small function for what a regular expression cannot say well (the SQL tokenizer, URL host
parsing). Rules of one class share a *gate*: a cheap pattern that must match before any rule of
the class runs, which keeps suspicious-but-benign values (URLs, user agents) cheap.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fnguard.guard.waf.detection import ATTACK_CLASSES, SEVERITIES
from fnguard.guard.waf.forms import Forms

Check = Callable[[Forms], "str | None"]
# (LazyPattern is defined below; annotations are strings under ``from __future__ import annotations``)
"""A custom detector: returns the matched excerpt, or None."""

FORMS = ("raw", "text", "sql", "path")
"""raw: the value lower-cased; text: fully decoded and lower-cased; sql: text without SQL
comments and with whitespace squeezed; path: text with backslashes as slashes."""


@dataclass(frozen=True)
class Rule:
    """One detection rule; ``rule_id`` never changes meaning once released."""

    rule_id: str
    attack_class: str
    severity: str
    paranoia: int
    description: str
    pattern: LazyPattern | None = None
    """Searched in each of ``forms``; patterns are written lower-case and backtracking-safe."""
    check: Check | None = None
    forms: tuple[str, ...] = ("text",)
    on_keys: bool = False
    """Also (or only, with ``on_values=False``) applied to mapping keys."""
    on_values: bool = True
    needs: tuple[str, ...] = ()
    """Cheap pre-check: at least one of these substrings must be in the ``text`` form."""

    def __post_init__(self) -> None:
        if self.attack_class not in ATTACK_CLASSES:
            raise ValueError(f"{self.rule_id}: unknown class {self.attack_class}")
        if self.severity not in SEVERITIES or not 1 <= self.paranoia <= 4:
            raise ValueError(f"{self.rule_id}: bad severity or paranoia")
        if (self.pattern is None) == (self.check is None):
            raise ValueError(f"{self.rule_id}: needs exactly one of pattern or check")
        if any(form not in FORMS for form in self.forms):
            raise ValueError(f"{self.rule_id}: unknown form in {self.forms}")

    def match(self, forms: Forms, check_needs: bool = True) -> str | None:
        """The excerpt this rule matched in ``forms``, or None.

        The engine already knows which ``needs`` a value holds (one trigger pass for all rules) and
        passes ``check_needs=False``; direct callers get the check here.
        """
        if self.needs and check_needs:
            text = forms.get("text")
            if not any(n in text for n in self.needs):
                return None
        if self.check is not None:
            return self.check(forms)
        assert self.pattern is not None
        seen: set[str] = set()
        for name in self.forms:
            text = forms.get(name)
            if text in seen:
                continue
            seen.add(text)
            found = self.pattern.search(text)
            if found is not None:
                return forms.excerpt(name, found.start(), found.end())
        return None


@dataclass(frozen=True)
class ClassRules:
    """All rules of one attack class and the gate that must match before they run."""

    attack_class: str
    gate: re.Pattern[str] | None
    """Searched in the ``text`` form (decoded, lower-cased); None means always run."""
    rules: tuple[Rule, ...]
    needs: tuple[str, ...] = ()
    """Trigger literals: the engine runs the class only when the value (raw or decoded) holds one
    of these, or one of its rules' own ``needs``. One trigger pass serves every class."""


class LazyPattern:
    """A rule pattern compiled on first use.

    Compiling every rule's expression at import would put tens of milliseconds on each cold
    start; most invocations wake only a few rules, so each is compiled when it is first needed.
    """

    def __init__(self, source: str, flags: int = re.S) -> None:
        self.source = source
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.source, self.flags)
        return self._compiled

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        compiled = self.compiled
        self.search = compiled.search  # type: ignore[method-assign]  # later calls go straight to C
        return compiled.search(text, pos)

    def __getattr__(self, name: str) -> Any:
        # match, fullmatch, finditer, findall, sub...: whatever re.Pattern offers, bound once
        if name.startswith("__") or name in ("source", "flags", "_compiled"):
            raise AttributeError(name)
        bound = getattr(self.compiled, name)
        setattr(self, name, bound)
        return bound


def rx(pattern: str) -> LazyPattern:
    """A rule pattern: lower-case, searched in lower-cased text, compiled on first use."""
    return LazyPattern(pattern)


def lazy(pattern: str, flags: int = 0) -> LazyPattern:
    """A helper pattern of a detector, compiled on first use (see :class:`LazyPattern`)."""
    return LazyPattern(pattern, flags)
