"""The WAF engine: walks an event, sends each key and string leaf through a cheap prefilter and
then through the rules of every attack class whose gate matches.

Cost is the design constraint: the guard inspects every event of every invocation, so a plain
value (a name, an id, a date, a token) must leave after one compiled-regex search. Only values
with "interesting" characters or keywords are normalised and matched.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from fnmatch import fnmatchcase
from typing import Any

from fnguard.guard.waf.detection import ATTACK_CLASSES, Detection, InspectionResult
from fnguard.guard.waf.forms import Forms
from fnguard.guard.waf.rules import ALL_CLASSES
from fnguard.guard.waf.rules.base import ClassRules, Rule

DEFAULTS: Mapping[str, Any] = {
    "paranoia": 1,
    "max_value_bytes": 64 * 1024,
    "max_event_bytes": 1024 * 1024,
    "max_time_ms": 20.0,
    "max_depth": 32,
}

# A value is worth a closer look when it has a character outside the plain set, or an SQL/shell
# keyword, or a base64 marker of a serialized object. Everything else leaves here.
_PREFILTER = re.compile(
    r"[^a-zA-Z0-9 _.,@\-]"
    r"|(?i:\b(?:union|select|sleep|benchmark|waitfor|having|order\s+by|group\s+by|insert|update|delete|drop|"
    r"exec|execute|declare|or|and|xor|like|rlike|between|case|when|null|not|is|div|procedure|into|"
    r"netstat|whoami|ifconfig|ipconfig|uname|localhost|ping|prototype|proto)\b)"
    r"|rO0AB|gASV|KztAA|Cs7QA|__"
)
_JSON_START = ("{", "[")


class Engine:
    """A configured set of rules; build it once per cold start (see :func:`default_engine`)."""

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        cfg = dict(DEFAULTS)
        cfg.update(config or {})
        self.paranoia = int(cfg["paranoia"])
        if not 1 <= self.paranoia <= 4:
            raise ValueError("waf paranoia must be between 1 and 4")
        classes = tuple(cfg.get("classes") or ATTACK_CLASSES)
        unknown = set(classes) - set(ATTACK_CLASSES)
        if unknown:
            raise ValueError(f"unknown waf classes: {', '.join(sorted(unknown))}")
        disabled = tuple(cfg.get("disable_rules") or ())
        self.max_value_bytes = int(cfg["max_value_bytes"])
        self.max_event_bytes = int(cfg["max_event_bytes"])
        self.max_time = float(cfg["max_time_ms"]) / 1000.0
        self.max_depth = int(cfg["max_depth"])

        def enabled(rule: Rule) -> bool:
            return rule.paranoia <= self.paranoia and not any(fnmatchcase(rule.rule_id, p) for p in disabled)

        value_groups: list[ClassRules] = []
        key_rules: list[Rule] = []
        for group in ALL_CLASSES:
            if group.attack_class not in classes:
                continue
            rules = tuple(r for r in group.rules if enabled(r))
            on_values = tuple(r for r in rules if r.on_values)
            if on_values:
                value_groups.append(ClassRules(group.attack_class, group.gate, on_values))
            key_rules.extend(r for r in rules if r.on_keys)
        self._value_groups = tuple(value_groups)
        self._key_rules = tuple(key_rules)
        self.rules: tuple[Rule, ...] = tuple(r for g in value_groups for r in g.rules) + tuple(
            r for r in key_rules if not r.on_values
        )

    # -- single strings -------------------------------------------------------------------------

    def inspect_value(self, value: str, location: str = "") -> list[Detection]:
        """Detections in one string leaf; one per attack class at most (the first rule that fires)."""
        if not value or _PREFILTER.search(value) is None:
            return []
        if len(value) > self.max_value_bytes:
            value = value[: self.max_value_bytes]
        forms = Forms(value)
        text = forms.get("text")
        found: list[Detection] = []
        for group in self._value_groups:
            if group.gate is not None and group.gate.search(text) is None:
                continue
            for rule in group.rules:
                excerpt = rule.match(forms)
                if excerpt is not None:
                    found.append(_detection(rule, location, excerpt, key=False))
                    break
        return found

    def inspect_key(self, key: str, location: str = "") -> list[Detection]:
        """Detections in a mapping key: NoSQL operators, ``__proto__``, ORM lookups."""
        if not key or _PREFILTER.search(key) is None:
            return []
        forms = Forms(key[: self.max_value_bytes])
        found: list[Detection] = []
        seen: set[str] = set()
        for rule in self._key_rules:
            if rule.attack_class in seen:
                continue
            excerpt = rule.match(forms)
            if excerpt is not None:
                seen.add(rule.attack_class)
                found.append(_detection(rule, location, excerpt, key=True))
        return found

    # -- whole events ---------------------------------------------------------------------------

    def inspect(self, data: Any, location: str = "") -> InspectionResult:
        """Walk a JSON-like value, inspecting keys and string leaves within the budget."""
        walk = _Walk(self)
        walk.visit(data, location, 0)
        return InspectionResult(tuple(walk.detections), walk.exceeded, walk.inspected)


def _detection(rule: Rule, location: str, excerpt: str, key: bool) -> Detection:
    return Detection(rule.rule_id, rule.attack_class, rule.severity, rule.paranoia, location, excerpt[:200], key)


class _Walk:
    """One traversal of one event: the running budget and what was found."""

    __slots__ = ("engine", "detections", "exceeded", "inspected", "deadline", "seen")

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.detections: list[Detection] = []
        self.exceeded = False
        self.inspected = 0
        self.deadline = time.perf_counter() + engine.max_time
        self.seen: set[tuple[str, str, bool]] = set()

    def _add(self, detections: list[Detection]) -> None:
        for d in detections:
            mark = (d.rule_id, d.location, d.key)
            if mark not in self.seen:
                self.seen.add(mark)
                self.detections.append(d)

    def _spend(self, size: int) -> bool:
        """Account for ``size`` bytes; False when the event budget is gone."""
        if self.exceeded:
            return False
        if self.inspected + size > self.engine.max_event_bytes or time.perf_counter() > self.deadline:
            self.exceeded = True
            return False
        self.inspected += size
        return True

    def visit(self, node: Any, path: str, depth: int) -> None:
        if self.exceeded:
            return
        if depth > self.engine.max_depth:
            self.exceeded = True
            return
        if isinstance(node, str):
            self.visit_string(node, path, depth)
        elif isinstance(node, Mapping):
            for key, value in node.items():
                key_text = key if isinstance(key, str) else str(key)
                child = f"{path}.{key_text}" if path else key_text
                if not self._spend(len(key_text)):
                    return
                self._add(self.engine.inspect_key(key_text, child))
                self.visit(value, child, depth + 1)
        elif isinstance(node, (list, tuple)):
            for index, value in enumerate(node):
                self.visit(value, f"{path}[{index}]", depth + 1)
        elif isinstance(node, (bytes, bytearray)):
            self.visit_string(bytes(node).decode("utf-8", "replace"), path, depth)
        # numbers, booleans and None carry no attack

    def visit_string(self, value: str, path: str, depth: int) -> None:
        size = len(value)
        if size > self.engine.max_value_bytes:
            self.exceeded = True
            value = value[: self.engine.max_value_bytes]
            size = len(value)
        if not self._spend(size):
            return
        stripped = value.strip()
        if stripped[:1] in _JSON_START and stripped[-1:] in ("}", "]"):
            try:
                parsed = json.loads(stripped)
            except ValueError:
                parsed = None
            if isinstance(parsed, (dict, list)):
                self.visit(parsed, path, depth + 1)
                return
        self._add(self.engine.inspect_value(value, path))
