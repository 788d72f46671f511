"""Comparing two ``fnguard scan --format json`` reports: the logic behind ``fnguard diff``.

Two reports of the same kind (two template scans, or two account snapshots) are compared
literally: permissions as ``Effect action on resource`` lines, findings by rule, function, file
and message. A template scan and an account scan (apps with ``format: "aws"``) cannot be: the
template says ``${OrdersTable.Arn}`` where the account says ``arn:aws:dynamodb:…:table/orders-dev``,
and a template finding's file is the template where the account's is an ARN. Between the two
kinds (``cross``), a templated resource, its ``${...}`` parts read as wildcards that never stand for
``*``, is the same as a concrete one it matches; findings are compared by rule, function and
subject (``details.subject``, else the message with ARNs, paths and line numbers normalised).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

TEMPLATE, ACCOUNT, MIXED = "template", "account", "mixed"


@dataclass(frozen=True)
class FunctionDiff:
    name: str
    status: str
    """``added``, ``removed`` or ``changed``."""
    permissions_added: tuple[str, ...] = ()
    permissions_removed: tuple[str, ...] = ()
    triggers_added: tuple[dict[str, Any], ...] = field(default=(), hash=False, compare=False)
    triggers_removed: tuple[dict[str, Any], ...] = field(default=(), hash=False, compare=False)
    new_public: tuple[dict[str, Any], ...] = field(default=(), hash=False, compare=False)


@dataclass(frozen=True)
class Comparison:
    """Which kinds of report were compared, and so how."""

    old_kind: str = TEMPLATE
    new_kind: str = TEMPLATE
    old_sources: tuple[str, ...] = ()
    new_sources: tuple[str, ...] = ()

    @property
    def cross(self) -> bool:
        """One side a template scan, the other an account scan."""
        return {self.old_kind, self.new_kind} == {TEMPLATE, ACCOUNT}

    @property
    def kind(self) -> str:
        if self.cross:
            return f"{self.old_kind}-vs-{self.new_kind}"
        if self.old_kind == self.new_kind and self.old_kind != MIXED:
            return f"{self.old_kind}-vs-{self.new_kind}"
        return "mixed"

    def headline(self) -> str:
        old = f"{self.old_kind} scan ({', '.join(self.old_sources) or '-'})"
        new = f"{self.new_kind} scan ({', '.join(self.new_sources) or '-'})"
        if self.cross:
            return (f"comparing {old} with {new}: findings by rule, function and subject; "
                    "template references matched to deployed ARNs")
        return f"comparing {old} with {new}"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "cross": self.cross,
                "old": {"kind": self.old_kind, "sources": list(self.old_sources)},
                "new": {"kind": self.new_kind, "sources": list(self.new_sources)}}


@dataclass(frozen=True)
class ReportDiff:
    functions: tuple[FunctionDiff, ...]
    findings_new: tuple[dict[str, Any], ...]
    findings_fixed: tuple[dict[str, Any], ...]
    comparison: Comparison = field(default_factory=Comparison)

    @property
    def risk_grew(self) -> bool:
        return (
            any(f.permissions_added or f.new_public for f in self.functions)
            or any(f.get("severity") != "info" for f in self.findings_new)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "risk_grew": self.risk_grew,
            "comparison": self.comparison.to_json(),
            "functions": [
                {"name": f.name, "status": f.status, "permissions_added": list(f.permissions_added),
                 "permissions_removed": list(f.permissions_removed), "triggers_added": list(f.triggers_added),
                 "triggers_removed": list(f.triggers_removed), "new_public_entry_points": list(f.new_public)}
                for f in self.functions
            ],
            "findings": {"new": list(self.findings_new), "fixed": list(self.findings_fixed)},
        }


# -- what kind of report ----------------------------------------------------------------------

def _apps(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in report.get("apps", []) if isinstance(a, dict)]


def _is_account_app(app: dict[str, Any]) -> bool:
    return app.get("format") == "aws" or str(app.get("source") or "").startswith("aws:")


def report_kind(report: dict[str, Any]) -> str:
    """``account`` when every app was read from a live account, ``template`` when none was."""
    kinds = {_is_account_app(a) for a in _apps(report)}
    if kinds == {True}:
        return ACCOUNT
    return MIXED if kinds == {True, False} else TEMPLATE


def _comparison(old: dict[str, Any], new: dict[str, Any]) -> Comparison:
    def sources(report: dict[str, Any]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(str(a.get("source") or a.get("name") or "") for a in _apps(report)))

    return Comparison(report_kind(old), report_kind(new), sources(old), sources(new))


# -- functions and permissions ------------------------------------------------------------------

def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [item if isinstance(item, str) else json.dumps(item, sort_keys=True) for item in items]


@dataclass(frozen=True)
class _Line:
    """One ``Effect action on resource`` of a statement, its parts kept for matching."""

    effect: str
    action: str
    resource: str
    condition: str

    @property
    def text(self) -> str:
        return f"{self.effect} {self.action} on {self.resource}{self.condition}"


def _lines(statements: Any) -> set[_Line]:
    lines: set[_Line] = set()
    for statement in statements if isinstance(statements, list) else []:
        if not isinstance(statement, dict):
            continue
        effect = str(statement.get("Effect", "Allow"))
        actions = [("", a) for a in _as_list(statement.get("Action"))]
        actions += [("not ", a) for a in _as_list(statement.get("NotAction"))]
        resources = [("", r) for r in _as_list(statement.get("Resource"))]
        resources += [("not ", r) for r in _as_list(statement.get("NotResource"))] or ([] if resources else [("", "*")])
        condition = " if " + json.dumps(statement["Condition"], sort_keys=True) if statement.get("Condition") else ""
        for neg_a, action in actions:
            for neg_r, resource in resources:
                lines.add(_Line(effect, neg_a + action, neg_r + resource, condition))
    return lines


def _permissions(statements: Any) -> set[str]:
    """Statements flattened to ``Effect action on resource`` lines, so that any widening shows."""
    return {line.text for line in _lines(statements)}


_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
# What a CloudFormation pseudo parameter can stand for; any other ${...} is one or more characters
# that are not IAM wildcards, so that a templated resource never matches a wider concrete one.
_PSEUDO = {"AWS::Partition": r"aws(?:-[a-z]+)*", "AWS::Region": r"[a-z]{2}(?:-[a-z]+)+-\d+",
           "AWS::AccountId": r"\d{12}", "AWS::URLSuffix": r"[a-z0-9.-]+"}
_ANY = r"[^*?\"]+"


def _is_templated(text: str) -> bool:
    return bool(_PLACEHOLDER.search(text)) or text.startswith("{")


def _pattern(text: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """``text`` as a regular expression, each ``${...}`` a wildcard (a JSON intrinsic: all of it),
    and the placeholder each group of the expression stands for."""
    if text.startswith("{"):  # an intrinsic the loader could not turn into text, e.g. Fn::Join
        return re.compile(f"({_ANY})"), (text,)
    parts: list[str] = []
    names: list[str] = []
    last = 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append(re.escape(text[last:match.start()]))
        name = match.group(1)
        parts.append("(" + (_PSEUDO.get(name) or (r"arn:" + _ANY if name.endswith(".Arn") else _ANY)) + ")")
        names.append(name)
        last = match.end()
    parts.append(re.escape(text[last:]))
    return re.compile("".join(parts)), tuple(names)


class _Matcher:
    """Matches template lines to concrete ones; remembers compiled patterns."""

    def __init__(self) -> None:
        self.patterns: dict[str, tuple[re.Pattern[str], tuple[str, ...]]] = {}

    def bindings(self, template: _Line, concrete: _Line) -> dict[str, str] | None:
        """What each ``${...}`` of ``template`` stands for in ``concrete``, None when they differ."""
        if template.effect != concrete.effect or template.action.lower() != concrete.action.lower():
            return None
        bound: dict[str, str] = {}
        for mine, theirs in ((template.resource, concrete.resource), (template.condition, concrete.condition)):
            if mine == theirs:
                continue
            if not _is_templated(mine):
                return None
            if mine not in self.patterns:
                self.patterns[mine] = _pattern(mine)
            regex, names = self.patterns[mine]
            match = regex.fullmatch(theirs)
            if match is None:
                return None
            for name, value in zip(names, match.groups(), strict=True):
                if bound.setdefault(name, value) != value:
                    return None
        return bound

    def candidates(self, template: set[_Line], concrete: set[_Line]
                   ) -> list[tuple[_Line, _Line, dict[str, str]]]:
        by_action: dict[tuple[str, str], list[_Line]] = {}
        for line in concrete:
            by_action.setdefault((line.effect, line.action.lower()), []).append(line)
        out = []
        for line in template:
            for other in by_action.get((line.effect, line.action.lower()), []):
                bound = self.bindings(line, other)
                if bound is not None:
                    out.append((line, other, bound))
        return out


def _chosen(all_candidates: list[tuple[_Line, _Line, dict[str, str]]]) -> dict[str, set[str]]:
    """What each placeholder was deployed as: the value most matches agree on, across every
    function, so that ``${OrdersTable.Arn}`` does not also stand for a table granted by hand. A tie
    goes to the one value that holds the logical id (``paymentsqueue`` for ``${PaymentsQueue.Arn}``);
    when that does not settle it, no value is chosen and every line binding it shows as changed."""
    counts: dict[str, dict[str, int]] = {}
    for _template, _concrete, bound in all_candidates:
        for name, value in bound.items():
            counts.setdefault(name, {})
            counts[name][value] = counts[name].get(value, 0) + 1
    chosen: dict[str, set[str]] = {}
    for name, values in counts.items():
        best = {v for v, n in values.items() if n == max(values.values())}
        if len(best) > 1:
            logical = re.sub(r"[^a-z0-9]", "", name.split(".")[0].lower())
            best = {v for v in best if logical and logical in re.sub(r"[^a-z0-9]", "", v.lower())}
        chosen[name] = best if len(best) == 1 else set()
    return chosen


def _cross_permissions(template: set[_Line], concrete: set[_Line],
                       candidates: list[tuple[_Line, _Line, dict[str, str]]], chosen: dict[str, set[str]]
                       ) -> tuple[set[str], set[str]]:
    """(concrete lines no template line stands for, template lines that match no concrete line)."""
    matched_template: set[_Line] = set()
    matched_concrete: set[_Line] = set()
    for line, other, bound in candidates:
        if all(value in chosen.get(name, {value}) for name, value in bound.items()):
            matched_template.add(line)
            matched_concrete.add(other)
    return {c.text for c in concrete - matched_concrete}, {t.text for t in template - matched_template}


def _trigger_key(trigger: dict[str, Any]) -> str:
    return json.dumps({k: trigger.get(k) for k in ("type", "source", "path", "method")}, sort_keys=True)


def _functions(report: dict[str, Any], bare: bool = False) -> dict[str, dict[str, Any]]:
    """Functions by name, ``app/name`` when the report holds several apps (unless ``bare`` and the
    bare name is unique: an account scan of several regions against one template)."""
    out: dict[str, dict[str, Any]] = {}
    apps = _apps(report)
    counts: dict[str, int] = {}
    for app in apps:
        for function in app.get("functions", []) or []:
            if isinstance(function, dict) and "name" in function:
                counts[str(function["name"])] = counts.get(str(function["name"]), 0) + 1
    for app in apps:
        for function in app.get("functions", []) or []:
            if not isinstance(function, dict) or "name" not in function:
                continue
            plain = len(apps) == 1 or (bare and counts[str(function["name"])] == 1)
            name = function["name"] if plain else f"{app.get('name')}/{function['name']}"
            out[name] = function
    return out


def _triggers(function: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    return {_trigger_key(t): t for t in (function or {}).get("triggers", []) or [] if isinstance(t, dict)}


def _pair_renamed(trig_a: dict[str, dict[str, Any]], trig_b: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Between a template and an account, a trigger's source may be a logical id on one side and a
    physical name on the other: pair the leftovers of one type, path and method, in order."""
    left = [k for k in trig_a if k not in trig_b]
    right = [k for k in trig_b if k not in trig_a]
    pairs: dict[str, str] = {}
    for key_b in right:
        shape = {k: trig_b[key_b].get(k) for k in ("type", "path", "method")}
        for key_a in left:
            if key_a not in pairs.values() and {k: trig_a[key_a].get(k) for k in ("type", "path", "method")} == shape:
                pairs[key_b] = key_a
                break
    return pairs


def _compare_function(name: str, a: dict[str, Any] | None, b: dict[str, Any] | None,
                      comparison: Comparison, cross: _CrossPermissions | None = None) -> FunctionDiff:
    if cross is not None and a is not None and b is not None:
        added, removed = cross.diff(name)
    else:
        perms_a = _permissions(a.get("permissions")) if a else set()
        perms_b = _permissions(b.get("permissions")) if b else set()
        added, removed = perms_b - perms_a, perms_a - perms_b
    trig_a, trig_b = _triggers(a), _triggers(b)
    pairs = _pair_renamed(trig_a, trig_b) if comparison.cross else {}
    before = {**trig_a, **{key_b: trig_a[key_a] for key_b, key_a in pairs.items()}}
    new_public = tuple(t for k, t in trig_b.items() if t.get("public") and not (before.get(k) or {}).get("public"))
    status = "added" if a is None else "removed" if b is None else "changed"
    return FunctionDiff(
        name, status, tuple(sorted(added)), tuple(sorted(removed)),
        tuple(t for k, t in trig_b.items() if k not in trig_a and k not in pairs),
        tuple(t for k, t in trig_a.items() if k not in trig_b and k not in pairs.values()), new_public,
    )


class _CrossPermissions:
    """Permissions of every function lined up, template lines matched to concrete ones."""

    def __init__(self, template: dict[str, dict[str, Any]], concrete: dict[str, dict[str, Any]],
                 template_is_old: bool) -> None:
        matcher = _Matcher()
        self.template_is_old = template_is_old
        self.lines = {name: (_lines(template[name].get("permissions")), _lines(concrete[name].get("permissions")))
                      for name in set(template) & set(concrete)}
        self.candidates = {name: matcher.candidates(*pair) for name, pair in self.lines.items()}
        self.chosen = _chosen([c for found in self.candidates.values() for c in found])

    def diff(self, name: str) -> tuple[set[str], set[str]]:
        """(added, removed) from the older report to the newer one."""
        template, concrete = self.lines[name]
        deployed_only, template_only = _cross_permissions(template, concrete, self.candidates[name], self.chosen)
        return (deployed_only, template_only) if self.template_is_old else (template_only, deployed_only)


# -- findings ---------------------------------------------------------------------------------

def _finding_key(item: dict[str, Any]) -> str:
    return "|".join(str(item.get(k) or "") for k in ("rule_id", "function", "file", "message"))


_ARN = re.compile(r"arn:[A-Za-z0-9-]*:[^\s,;'\"()]*")
_PATH = re.compile(r"(?:[\w.-]+/)+([\w.-]+)")
_LINE = re.compile(r"(\.\w+):\d+(?::\d+)?\b|\bline \d+")


def normalise_message(message: str) -> str:
    """The message without what differs between a template and an account for one finding:
    ARNs, directories of paths, line numbers."""
    text = _ARN.sub("<arn>", message)
    text = _PATH.sub(r"\1", text)
    return _LINE.sub(lambda m: m.group(1) or "line", text).strip()


def _subject(item: dict[str, Any]) -> str:
    details = item.get("details")
    subject = details.get("subject") if isinstance(details, dict) else None
    if isinstance(subject, str) and subject:
        return "subject:" + subject
    return "message:" + normalise_message(str(item.get("message") or ""))


def _slots(item: dict[str, Any]) -> set[str]:
    """The functions a finding speaks for: its own, and those it was reported once for
    (``details.functions``: a template setting shared by several functions)."""
    names = {str(item.get("function") or "")}
    details = item.get("details")
    if isinstance(details, dict) and isinstance(details.get("functions"), list):
        names.update(str(n) for n in details["functions"] if isinstance(n, str))
    return names


_TOKEN = re.compile(r"[A-Za-z0-9]+")


def _same_subject(template: str, concrete: str) -> bool:
    """Equal, or equal but for names: a logical id of the template (``IamRoleLambdaExecution``)
    inside the physical name it was deployed as (``ordersapidevIamRoleLambdaExecution``)."""
    if template == concrete:
        return True
    if _TOKEN.sub("", template) != _TOKEN.sub("", concrete):
        return False
    mine, theirs = _TOKEN.findall(template), _TOKEN.findall(concrete)
    return len(mine) == len(theirs) and all(
        m == t or (len(m) >= 4 and not m.isdigit() and m.lower() in t.lower()) for m, t in zip(mine, theirs, strict=True))


def _cross_findings(template: list[dict[str, Any]], concrete: list[dict[str, Any]]
                    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(concrete findings the template scan lacks, template findings the account scan lacks)."""
    def index(items: list[dict[str, Any]]) -> dict[tuple[str, str], list[tuple[int, str]]]:
        out: dict[tuple[str, str], list[tuple[int, str]]] = {}
        for number, item in enumerate(items):
            for slot in _slots(item):
                out.setdefault((str(item.get("rule_id") or ""), slot), []).append((number, _subject(item)))
        return out

    by_template, by_concrete = index(template), index(concrete)
    seen_template: set[int] = set()
    seen_concrete: set[int] = set()
    for key, entries in by_concrete.items():
        for number, subject in entries:
            for other, theirs in by_template.get(key, []):
                if _same_subject(theirs, subject):
                    seen_concrete.add(number)
                    seen_template.add(other)
    return ([item for n, item in enumerate(concrete) if n not in seen_concrete],
            [item for n, item in enumerate(template) if n not in seen_template])


def _unique(items: list[dict[str, Any]], key: Any) -> list[dict[str, Any]]:
    return list({key(f): f for f in items}.values())


def compare(old: dict[str, Any], new: dict[str, Any]) -> ReportDiff:
    comparison = _comparison(old, new)
    before, after = _functions(old, comparison.cross), _functions(new, comparison.cross)
    cross = None
    if comparison.cross:
        template_is_old = comparison.old_kind == TEMPLATE
        cross = _CrossPermissions(*((before, after) if template_is_old else (after, before)), template_is_old)
    diffs: list[FunctionDiff] = []
    for name in sorted(set(before) | set(after)):
        diff = _compare_function(name, before.get(name), after.get(name), comparison, cross)
        if diff.status != "changed" or diff.permissions_added or diff.permissions_removed or diff.triggers_added \
                or diff.triggers_removed or diff.new_public:
            diffs.append(diff)
    old_items = [f for f in old.get("findings", []) if isinstance(f, dict)]
    new_items = [f for f in new.get("findings", []) if isinstance(f, dict)]
    if comparison.cross:
        def key(f: dict[str, Any]) -> str:
            return "|".join((str(f.get("rule_id") or ""), str(f.get("function") or ""), _subject(f)))

        old_items, new_items = _unique(old_items, key), _unique(new_items, key)
        if comparison.old_kind == TEMPLATE:
            found, gone = _cross_findings(old_items, new_items)
        else:
            gone, found = _cross_findings(new_items, old_items)
        return ReportDiff(tuple(diffs), tuple(found), tuple(gone), comparison)
    old_findings = {_finding_key(f): f for f in old_items}
    new_findings = {_finding_key(f): f for f in new_items}
    return ReportDiff(
        tuple(diffs),
        tuple(f for k, f in new_findings.items() if k not in old_findings),
        tuple(f for k, f in old_findings.items() if k not in new_findings),
        comparison,
    )


def render_text(diff: ReportDiff) -> str:
    lines: list[str] = [diff.comparison.headline()]
    for f in diff.functions:
        lines.append(f"function {f.name} ({f.status})")
        lines += [f"  + permission {p}" for p in f.permissions_added]
        lines += [f"  - permission {p}" for p in f.permissions_removed]
        for t in f.triggers_added:
            public = " PUBLIC" if t in f.new_public else ""
            lines.append("  + trigger " + f"{t.get('type')} {t.get('method') or ''} {t.get('path') or t.get('source') or ''}"
                         f" auth={t.get('auth')}{public}".replace("  ", " "))
        lines += [f"  ! now public: {t.get('type')} {t.get('path') or t.get('source') or ''}"
                  for t in f.new_public if t not in f.triggers_added]
        lines += [f"  - trigger {t.get('type')} {t.get('path') or t.get('source') or ''}" for t in f.triggers_removed]
    for item in diff.findings_new:
        lines.append(f"new   {item.get('severity')} {item.get('rule_id')} {item.get('function') or '-'}: {item.get('message')}")
    for item in diff.findings_fixed:
        lines.append(f"fixed {item.get('severity')} {item.get('rule_id')} {item.get('function') or '-'}: {item.get('message')}")
    lines.append(f"{len(diff.findings_new)} new finding(s), {len(diff.findings_fixed)} fixed; risk "
                 + ("grew" if diff.risk_grew else "did not grow"))
    return "\n".join(lines) + "\n"
