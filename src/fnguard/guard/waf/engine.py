"""The WAF engine: walks an event and sends each key and string leaf through three stages.

1. Plain values (letters, digits, ``. , _ -``: names, ids, dates, tokens) leave after one C-level
   match, without a function call; values already seen clean in this container leave after a set
   lookup.
2. One trigger pass (:class:`_Triggers`) finds which attack classes, and which of their rules,
   the value could belong to: symbols in one prefix-tree regular expression, words in a dict.
3. Only those rules run, on normalised forms of the value (:mod:`fnguard.guard.waf.forms`).

Cost is the design constraint: the guard inspects every event of every invocation. Long values
are read in windows so a crafted value cannot hold a regular expression for long, and the event's
byte, time and depth budget is checked between leaves and windows.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from fnguard.guard.waf.detection import ATTACK_CLASSES, Detection, InspectionResult
from fnguard.guard.waf.forms import Forms
from fnguard.guard.waf.normalize import url_decode
from fnguard.guard.waf.rules import ALL_CLASSES
from fnguard.guard.waf.rules.base import ClassRules, Rule

DEFAULTS: Mapping[str, Any] = {
    "paranoia": 1,
    "max_value_bytes": 64 * 1024,
    "max_event_bytes": 1024 * 1024,
    "max_time_ms": 20.0,
    "max_depth": 32,
    "cache_entries": 2048,
}

# Markers that mean "decode first, then look again": percent, entity and backslash escapes.
_DECODE_MARKERS = ("%", "&", "\\", "+")
_KEY_MARKERS = ("$", "&", "__", "prototype", "constructor", "[")
# Nothing but letters, digits and . , _ - : names, ids, dates, tokens. Nothing to see.
_PLAIN = re.compile(r"[a-z0-9_.,\-]*")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{14,}={0,2}")
# Trigger literals found inside longer words (base64 runs, 0x2e0x2e, field__lookup): tested with ``in``;
# every other literal wakes its classes when its leading word is a whole word of the value.
_INSIDE_WORDS = frozenset((
    "in (", "in(", "1or", "or1", "1and", "and1", "0.0.0.0", "127.", "169.254", "100.100", "ro0ab", "gasv", "gaij",
    "gajj", "gasl", "aaeaaad", "aced0005", "cs7qa", "kztaa", "aced", "0x2e", "__", "_$$nd", "c__builtin",
    "c__builtin__",
))
_FORM = re.compile(r"[\w.\-\[\]%$]{1,80}=[^&]*(?:&[\w.\-\[\]%$]{1,80}=[^&]*)*")
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_\-]*")
_WORD = re.compile(r"[a-z0-9_]+")
# Words that are attacks even in an otherwise plain value (gadget classes, recon commands,
# serialized objects in base64).
_HIDDEN_WORDS = (
    r"transformer|factory|closure|templatesimpl|rowsetimpl|processbuilder|runtime|java\.|"
    r"netstat|whoami|ifconfig|ipconfig|systeminfo|tasklist|__|prototype|0x2e|0x2f|0x5c|convert\.|etc.{0,6}passwd|"
    r"ro0ab|aced0005|kztaa|cs7qa|gasv|gaij|gajj|gasl|aaeaaad|passwd|\.ht(?:access|passwd)|^\.env|boot\.ini|win\.ini|"
    r"web\.config|id_rsa|\.\.(?:2f|5c)|sysinfo"
)
_HIDDEN = re.compile(_HIDDEN_WORDS)
# A value of letters, digits and . , _ - only: the walk skips it unless it hides one of the above.
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_.,\-]*")


@dataclass(frozen=True)
class _Triggers:
    """Which attack classes a value can possibly belong to, found in one or two passes.

    Each class lists trigger literals (``ClassRules.needs``). Literals that start with a symbol go
    into one regular expression, which skips letters and digits at C speed; literals that start
    with a word are looked up by that word in a dict. A value wakes only the classes whose
    triggers it contains, so most values run no rule at all.
    """

    symbols: re.Pattern[str]
    symbol_classes: Mapping[str, frozenset[str]]
    word_classes: Mapping[str, frozenset[str]]
    substrings: tuple[tuple[str, frozenset[str]], ...]
    """Literals that hide inside longer words (``__``, ``0x2e``, ``ro0ab``): tested with ``in``."""
    words: re.Pattern[str]
    """The trigger words as whole words (runs of ``[a-z0-9_]``), one prefix tree: prose yields only
    the words that wake something, instead of every word to look up."""
    any_substring: re.Pattern[str]
    """Whether any of ``substrings`` is present, in one pass (most values hold none)."""

    @classmethod
    def build(cls, groups: tuple[ClassRules, ...]) -> _Triggers:
        symbols: dict[str, set[str]] = {}
        words: dict[str, set[str]] = {}
        substrings: dict[str, set[str]] = {}
        wakes = [(literal, group.attack_class) for group in groups for literal in group.needs]
        wakes += [(literal, rule.rule_id) for group in groups for rule in group.rules for literal in rule.needs]
        # a rule's own triggers wake its class too
        wakes += [(literal, group.attack_class) for group in groups for rule in group.rules for literal in rule.needs]
        for literal, token in wakes:
            head = _WORD.match(literal)
            if literal in _INSIDE_WORDS or literal.startswith("_"):
                substrings.setdefault(literal, set()).add(token)
            elif head is None:
                symbols.setdefault(literal, set()).add(token)
            else:
                words.setdefault(head.group(), set()).add(token)
        for marker in _DECODE_MARKERS:
            symbols.setdefault(marker, set())
        table: dict[str, frozenset[str]] = {}
        for literal in symbols:
            classes: set[str] = set()
            for other, its in symbols.items():
                # Matches do not overlap: a literal also stands for those it contains.
                if other in literal:
                    classes |= its
            table[literal] = frozenset(classes)
        return cls(re.compile(_trie_pattern(list(symbols))), table,
                   {w: frozenset(c) for w, c in words.items()},
                   tuple((s, frozenset(c)) for s, c in substrings.items()),
                   # maximal runs only: the run before and after is not a word character
                   re.compile(f"(?<![a-z0-9_])(?:{_trie_pattern(list(words))})(?![a-z0-9_])"),
                   re.compile(_trie_pattern(list(substrings))))

    def classes(self, text: str) -> set[str]:
        """The classes woken by the triggers found in ``text``."""
        wanted: set[str] = set()
        table = self.symbol_classes
        symbols = self.symbols
        for found in symbols.finditer(text):
            hit = found.group()
            wanted |= table[hit]
            end = found.end()
            for start in range(found.start() + 1, end):
                # a literal starting inside this one and running past it ("/." hides "..")
                inner = symbols.match(text, start)
                if inner is not None and inner.end() > end:
                    wanted |= table[inner.group()]
        words = self.word_classes
        for found in self.words.finditer(text):
            wanted |= words[found.group()]
        if self.any_substring.search(text) is not None:
            for literal, classes in self.substrings:
                if literal in text:
                    wanted |= classes
        return wanted


_SCALARS = frozenset((int, float, bool))
_CHUNK = 4096
_OVERLAP = 512
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
        # budgets no short string can exhaust: inspect() may answer one without a walk
        self._short_fast = (self.max_time >= 0.001 and self.max_value_bytes >= 128 and self.max_event_bytes >= 128
                            and self.max_depth >= 0)

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
                value_groups.append(ClassRules(group.attack_class, group.gate, on_values, group.needs))
            key_rules.extend(r for r in rules if r.on_keys)
        self._value_groups = tuple(value_groups)
        self._plans = tuple((g.attack_class, g.gate, tuple(_plan(r) for r in g.rules)) for g in value_groups)
        self._triggers = _Triggers.build(self._value_groups)
        self._cache_size = int(cfg.get("cache_entries", 2048))
        self._cache: dict[str, list[tuple[Rule, str]]] = {}
        self._clean: set[str] = set()
        """Short values already found clean: warm containers see the same ones every invocation."""
        self._clean_keys: set[str] = set()

        self._key_rules = tuple(key_rules)
        self.rules: tuple[Rule, ...] = tuple(r for g in value_groups for r in g.rules) + tuple(
            r for r in key_rules if not r.on_values
        )

    def _remember(self, seen: set[str], value: str) -> None:
        """Add to a bounded memo (emptied when full, so a flood of distinct values costs little)."""
        if self._cache_size and len(value) <= 256:
            if len(seen) >= self._cache_size:
                seen.clear()
            seen.add(value)

    def _quiet(self, value: str) -> bool:
        """True when ``value`` holds no trigger at all, so no rule can run on it: ASCII (decoding and
        NFKC cannot make new characters appear), no decode marker (those are triggers), not a base64
        run (decoded first) and no trigger symbol, word or hidden literal. Dates, e-mail addresses,
        names, MIME types and most URLs without a suspicious part leave here, before any
        normalisation, with three C-level searches."""
        low = value.lower()
        if not low.isascii():
            return False
        size = len(low)
        if size >= 16 and size % 4 == 0 and _BASE64.fullmatch(value) is not None:
            return False
        triggers = self._triggers
        return (triggers.symbols.search(low) is None and triggers.words.search(low) is None
                and triggers.any_substring.search(low) is None)

    # -- single strings -------------------------------------------------------------------------

    def inspect_value(self, value: str, location: str = "") -> list[Detection]:
        """Detections in one string leaf; one per attack class at most (the first rule that fires)."""
        return [_detection(rule, location, excerpt, key=False) for rule, excerpt in self._scan(value)]

    def _scan(self, value: str, nested: bool = False, deadline: float = 0.0) -> list[tuple[Rule, str]]:
        """(rule, excerpt) for each class that fires on ``value``; no path is built for clean values.

        Short values are remembered: a warm container sees the same header values, user agents and
        hosts in every invocation. The cache is bounded (and simply emptied when full) so a flood of
        distinct values costs memory once, not forever.
        """
        if not value:
            return []
        if len(value) <= 256 and self._cache_size:
            cached = self._cache.get(value)
            if cached is None:
                cached = self._scan_uncached(value, nested)
                if len(self._cache) >= self._cache_size:
                    self._cache.clear()
                self._cache[value] = cached
            return list(cached)
        return self._scan_uncached(value, nested, deadline)

    def _scan_uncached(self, value: str, nested: bool, deadline: float = 0.0) -> list[tuple[Rule, str]]:
        if len(value) > _CHUNK:
            # Long values are read in overlapping windows: a pattern's worst case grows with the
            # square of its input, so windows keep a crafted 64 KiB value linear in cost.
            found: list[tuple[Rule, str]] = []
            done: set[str] = set()
            step = _CHUNK - _OVERLAP
            for start in range(0, len(value), step):
                for rule, excerpt in self._scan_window(value[start: start + _CHUNK], nested):
                    if rule.attack_class not in done:
                        done.add(rule.attack_class)
                        found.append((rule, excerpt))
                if start + _CHUNK >= len(value) or deadline and time.perf_counter() > deadline:
                    break  # the walk sees the deadline passed and reports the budget exceeded
            return found
        return self._scan_window(value, nested)

    def _scan_window(self, value: str, nested: bool) -> list[tuple[Rule, str]]:
        if not nested and len(value) >= 16 and len(value) % 4 == 0 and _BASE64.fullmatch(value) is not None:
            inner = _base64_text(value)
            if inner is not None:
                found = self._scan(inner, nested=True)
                if found:
                    return [(rule, f"base64:{excerpt}") for rule, excerpt in found]
        if len(value) > self.max_value_bytes:
            value = value[: self.max_value_bytes]
        low = value.lower()
        if _PLAIN.fullmatch(low) is not None and (len(low) < 6 or _HIDDEN.search(low) is None):
            return []
        wanted = self._triggers.classes(low)
        forms = None
        if not low.isascii() or "%" in low or "&" in low or "\\" in low or "+" in low:
            forms = Forms(value)
            text = forms.get("text")
            if text != low:
                wanted |= self._triggers.classes(text)
        if not wanted:
            return []
        if forms is None:
            # ASCII without a decode marker: unless a NUL is there, decoding changes nothing
            forms = Forms(value) if "\x00" in low else Forms.undecodable(value, low)
        found: list[tuple[Rule, str]] = []
        if not nested and "=" in value and _FORM.fullmatch(value) is not None:
            # a form or query string in one field: each value is inspected on its own too
            for field in value.split("&"):
                _, _, part = field.partition("=")
                if part:
                    found.extend(self._scan(url_decode(part, plus=True), nested=True))
        done = {rule.attack_class for rule, _ in found} if found else ()
        for attack_class, gate, plan in self._plans:
            if attack_class not in wanted or attack_class in done:
                continue
            if gate is not None and gate.search(forms.get("text")) is None:
                continue
            for rule, gated, check, pattern, form in plan:
                if gated and rule.rule_id not in wanted:
                    continue
                if pattern is not None:
                    # one form, one search: Rule.match without its per-call overhead (the lazy
                    # pattern's search is the compiled one after its first call)
                    hit = pattern.search(forms.get(form))
                    excerpt = None if hit is None else forms.excerpt(form, hit.start(), hit.end())
                elif check is not None:
                    excerpt = check(forms)
                else:
                    excerpt = rule.match(forms, check_needs=False)
                if excerpt is not None:
                    found.append((rule, excerpt))
                    break
        return found

    def inspect_key(self, key: str, location: str = "") -> list[Detection]:
        """Detections in a mapping key: NoSQL operators, ``__proto__``, ORM lookups."""
        if not key:
            return []
        found: list[Detection] = []
        seen: set[str] = set()
        if not any(marker in key for marker in _KEY_MARKERS):
            # Keys are attacker-chosen too ({"<script>": 1}, {"java.lang.Runtime": 1}).
            return [_detection(rule, location, excerpt, key=True) for rule, excerpt in self._scan(key)]
        forms = Forms(key[: self.max_value_bytes])
        for rule in self._key_rules:
            if rule.attack_class in seen:
                continue
            excerpt = rule.match(forms)
            if excerpt is not None:
                seen.add(rule.attack_class)
                found.append(_detection(rule, location, excerpt, key=True))
        for rule, excerpt in self._scan(key):
            if rule.attack_class not in seen:
                found.append(_detection(rule, location, excerpt, key=True))
        return found

    # -- whole events ---------------------------------------------------------------------------

    def inspect(self, data: Any, location: str = "") -> InspectionResult:
        """Walk a JSON-like value, inspecting keys and string leaves within the budget."""
        if type(data) is str and len(data) < 128 and self._short_fast and self._quiet(data):
            # one short string with no trigger (a path, an id, a date): nothing to walk or time
            return InspectionResult((), False, len(data))
        walk = _Walk(self)
        walk.visit(data, location, 0)
        return InspectionResult(tuple(walk.detections), walk.exceeded or walk.truncated, walk.inspected)


def _plan(rule: Rule) -> tuple[Rule, bool, Any, Any, str]:
    """(rule, gated by its own needs, check, pattern searched in its one form, that form) for the scan loop."""
    if rule.check is not None:
        return rule, bool(rule.needs), rule.check, None, ""
    if rule.pattern is not None and len(rule.forms) == 1:
        return rule, bool(rule.needs), None, rule.pattern, rule.forms[0]
    return rule, bool(rule.needs), None, None, ""


def _detection(rule: Rule, location: str, excerpt: str, key: bool) -> Detection:
    return Detection(rule.rule_id, rule.attack_class, rule.severity, rule.paranoia, location, excerpt[:200], key)


class _Walk:
    """One traversal of one event: the running budget and what was found."""

    __slots__ = ("engine", "detections", "exceeded", "truncated", "inspected", "deadline", "seen")

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.detections: list[Detection] = []
        self.exceeded = False
        self.truncated = False
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
        kind = type(node)
        if kind is dict:
            self.visit_mapping(node, path, depth)
        elif kind is list:
            self.visit_list(node, path, depth)
        elif kind is str or isinstance(node, str):
            self.visit_string(node, path, "", depth)
        elif isinstance(node, Mapping):
            self.visit_mapping(node, path, depth)
        elif isinstance(node, (list, tuple)):
            self.visit_list(node, path, depth)
        elif isinstance(node, (bytes, bytearray)):
            self.visit_string(bytes(node).decode("utf-8", "replace"), path, "", depth)
        # numbers, booleans and None carry no attack

    def visit_mapping(self, node: Mapping[Any, Any], path: str, depth: int) -> None:
        # The hot loop of the guard: plain keys and values (most of any event) cost one C-level
        # regular-expression match each and no function call.
        engine = self.engine
        plain_key = _PLAIN_KEY.fullmatch
        plain_value = _PLAIN_VALUE.fullmatch
        hidden = _HIDDEN.search
        quiet = engine._quiet
        clean = engine._clean
        clean_keys = engine._clean_keys
        skipped = 0
        room = engine.max_event_bytes - self.inspected
        for key, value in node.items():
            if type(key) is not str:
                key = str(key)
            skipped += len(key)
            if skipped > room:
                self.exceeded = True
                break
            if key not in clean_keys:
                if plain_key(key) is None or "__" in key or "rototype" in key:
                    self._add(engine.inspect_key(key, _join(path, key)))
                else:
                    engine._remember(clean_keys, key)
            kind = type(value)
            if kind is str:
                size = len(value)
                if value in clean:
                    skipped += size
                    continue
                if size < 128 and (plain_value(value) is not None and (size < 6 or hidden(value.lower()) is None)
                                   or quiet(value)):
                    skipped += size
                    engine._remember(clean, value)
                    continue
                self.inspected += skipped
                skipped = 0
                self.visit_string(value, path, key, depth + 1, keyed=True)
                room = engine.max_event_bytes - self.inspected
                if self.exceeded:
                    break
            elif value is None or kind in _SCALARS:
                continue
            elif kind is dict or isinstance(value, (Mapping, list, tuple, bytes, bytearray)):
                self.inspected += skipped
                skipped = 0
                self.visit(value, _join(path, key), depth + 1)
                if self.exceeded:
                    break
                room = engine.max_event_bytes - self.inspected
        self.inspected += skipped
        if self.inspected > engine.max_event_bytes:
            self.exceeded = True

    def visit_list(self, node: list[Any] | tuple[Any, ...], path: str, depth: int) -> None:
        plain_value = _PLAIN_VALUE.fullmatch
        hidden = _HIDDEN.search
        quiet = self.engine._quiet
        clean = self.engine._clean
        skipped = 0
        for index, value in enumerate(node):
            kind = type(value)
            if kind is str:
                size = len(value)
                if value in clean:
                    skipped += size
                    continue
                if size < 128 and (plain_value(value) is not None and (size < 6 or hidden(value.lower()) is None)
                                   or quiet(value)):
                    skipped += size
                    self.engine._remember(clean, value)
                    continue
                self.visit_string(value, path, f"[{index}]", depth + 1)
            elif value is None or kind in _SCALARS:
                continue
            elif isinstance(value, (Mapping, list, tuple, bytes, bytearray)):
                self.visit(value, f"{path}[{index}]", depth + 1)
            if self.exceeded:
                break
        self.inspected += skipped
        if self.inspected > self.engine.max_event_bytes:
            self.exceeded = True

    def visit_string(self, value: str, path: str, step: str, depth: int, keyed: bool = False) -> None:
        """Inspect one string found at ``path`` + ``step`` (the path is built only if needed)."""
        size = len(value)
        if size > self.engine.max_value_bytes:
            self.truncated = True  # the head is still inspected
            value = value[: self.engine.max_value_bytes]
            size = len(value)
        if not self._spend(size):
            return
        if depth > self.engine.max_depth:
            self.exceeded = True
            return
        stripped = value.strip() if value[:1].isspace() or value[-1:].isspace() else value
        if stripped[:1] in _JSON_START and stripped[-1:] in ("}", "]"):
            try:
                parsed = json.loads(stripped)
            except ValueError:
                parsed = None
            if isinstance(parsed, (dict, list)):
                self.visit(parsed, _join(path, step) if keyed else path + step, depth + 1)
                return
        found = self.engine._scan(value, deadline=self.deadline)
        if len(value) > _CHUNK and time.perf_counter() > self.deadline:
            self.exceeded = True
        if found:
            location = _join(path, step) if keyed else path + step
            self._add([_detection(rule, location, excerpt, key=False) for rule, excerpt in found])


def _trie_pattern(literals: list[str]) -> str:
    """A regular expression matching the longest of ``literals``, shaped as a prefix tree.

    ``a|ab|abc`` makes the engine try every branch at every position; ``a(?:b(?:c)?)?`` tests each
    character once, which keeps the one-pass trigger search cheap with hundreds of literals.
    """
    trie: dict[str, Any] = {}
    for literal in literals:
        node = trie
        for ch in literal:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        single = [b for b in branches if len(b) == 1 or (len(b) == 2 and b[0] == "\\")]
        if len(single) == len(branches) and len(branches) > 1:
            body = "[" + "".join(branches) + "]"
        elif len(branches) == 1:
            body = branches[0]
        else:
            body = "(?:" + "|".join(branches) + ")"
        if ends:
            return "(?:" + body + ")?" if len(branches) > 1 or len(body) > 1 else body + "?"
        return body

    return build(trie)


def _base64_text(value: str) -> str | None:
    """The text a base64 value decodes to, when it is text (Kinesis data, encoded payloads)."""
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # pickles and Java streams are binary: keep them visible to the deserialization rules
        return data.decode("latin-1") if data[:1] in (b"\x80", b"\xac", b"c") else None
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return text if printable >= 0.9 * len(text) else None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
