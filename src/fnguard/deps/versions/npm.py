"""npm: SemVer 2.0 precedence and the npm range grammar.

OSV SEMVER ranges need only the order. The range grammar (``^``, ``~``, x-ranges, hyphen ranges,
``||``) serves ``package.json`` specs (is it a pin?) and the few legacy advisories whose npm range
has an exclusive lower bound that OSV events cannot express. A small implementation keeps the
scanner free of another dependency; npm's pre-release exclusion rule is left out on purpose, as
OSV matching does not apply it either.
"""

from __future__ import annotations

import re
from functools import lru_cache

from fnguard.deps.versions.interface import InvalidVersionError, VersionScheme

_VERSION = re.compile(
    r"^\s*[v=]*\s*(0|[1-9]\d*|\d+)(?:\.(\d+))?(?:\.(\d+))?"
    r"(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?\s*$"
)
_STRICT = re.compile(r"^[v=]?(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
_PARTIAL = re.compile(r"^[v=]*(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?(?:\+\S+)?$")
_COMPARATOR = re.compile(r"(<=|>=|<|>|=|\^|~>?|)\s*([^\s<>=^~]+)")

SemverKey = tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]


def _prerelease_key(prerelease: str | None) -> tuple[int, tuple[tuple[int, int, str], ...]]:
    """A release sorts after all its pre-releases; numeric identifiers sort below alphanumeric ones."""
    if not prerelease:
        return 1, ()
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in prerelease.split("."))
    return 0, parts


@lru_cache(maxsize=65536)
def semver_key(version: str) -> SemverKey:
    """Sort key of a (loosely written) SemVer version; missing minor/patch count as 0."""
    match = _VERSION.match(version)
    if not match:
        raise InvalidVersionError(f"not a semver version: {version!r}")
    major, minor, patch, prerelease = match.groups()
    flag, parts = _prerelease_key(prerelease)
    return int(major), int(minor or 0), int(patch or 0), flag, parts


def _bump(numbers: list[int], index: int) -> str:
    bumped = numbers[: index + 1]
    bumped[index] += 1
    bumped += [0] * (3 - len(bumped))
    return "{}.{}.{}".format(*bumped)


def _desugar(operator: str, text: str) -> list[tuple[str, str]]:
    """One comparator of npm's grammar as plain ``(op, version)`` bounds (``op`` in < <= > >=)."""
    match = _PARTIAL.match(text)
    if not match:
        raise InvalidVersionError(f"bad version in range: {text!r}")
    raw = [g for g in match.groups()[:3] if g is not None]
    prerelease = match.group(4)
    numbers: list[int] = []
    for part in raw:
        if part in "xX*":
            break
        numbers.append(int(part))
    full = len(numbers) == 3
    exact = "{}.{}.{}".format(*(numbers + [0, 0, 0])[:3]) + (f"-{prerelease}" if prerelease and full else "")
    if not numbers:  # "*", "x": anything (">x" matches nothing; treat it as nothing)
        return [("<", "0.0.0-0")] if operator in (">", "<") else []
    if operator in ("", "="):
        if full:
            return [(">=", exact), ("<=", exact)]
        return [(">=", exact), ("<", _bump(numbers, len(numbers) - 1))]
    if operator == "^":
        first_nonzero = next((i for i, n in enumerate(numbers) if n != 0), len(numbers) - 1)
        if not full and first_nonzero == len(numbers) - 1 and numbers[first_nonzero] == 0:
            first_nonzero = max(len(numbers) - 1, 0)
        return [(">=", exact), ("<", _bump(numbers, min(first_nonzero, len(numbers) - 1)))]
    if operator in ("~", "~>"):
        return [(">=", exact), ("<", _bump(numbers, 1 if len(numbers) >= 2 else 0))]
    if operator == ">":
        return [(">", exact)] if full else [(">=", _bump(numbers, len(numbers) - 1))]
    if operator == ">=":
        return [(">=", exact)]
    if operator == "<":
        return [("<", exact)]
    if operator == "<=":
        return [("<=", exact)] if full else [("<", _bump(numbers, len(numbers) - 1))]
    raise InvalidVersionError(f"bad operator {operator!r}")


@lru_cache(maxsize=4096)
def parse_range(text: str) -> tuple[tuple[tuple[str, SemverKey], ...], ...]:
    """An npm range as alternatives (``||``) of bound lists, each bound ``(op, key)``."""
    alternatives = []
    for alternative in text.split("||"):
        alternative = alternative.strip()
        bounds: list[tuple[str, str]] = []
        hyphen = re.fullmatch(r"(\S+)\s+-\s+(\S+)", alternative)
        if hyphen:
            bounds += _desugar(">=", hyphen.group(1))
            bounds += _desugar("<=", hyphen.group(2))
        else:
            position = 0
            for match in _COMPARATOR.finditer(alternative):
                if alternative[position : match.start()].strip():
                    raise InvalidVersionError(f"bad npm range: {text!r}")
                bounds += _desugar(match.group(1), match.group(2))
                position = match.end()
            if alternative[position:].strip():
                raise InvalidVersionError(f"bad npm range: {text!r}")
        alternatives.append(tuple((op, semver_key(version)) for op, version in bounds))
    return tuple(alternatives)


def satisfies(version: str, text: str) -> bool:
    """Whether ``version`` is inside the npm range ``text``."""
    key = semver_key(version)
    checks = {"<": key.__lt__, "<=": key.__le__, ">": key.__gt__, ">=": key.__ge__}
    return any(all(checks[op](bound) for op, bound in bounds) for bounds in parse_range(text))


class NpmScheme(VersionScheme):
    """npm: SemVer precedence; names are case-sensitive, registry names lower-case."""

    ecosystem = "npm"

    def key(self, version: str) -> SemverKey:
        return semver_key(version)

    def normalize_name(self, name: str) -> str:
        return name.strip().lower()

    def exact_pin(self, spec: str) -> str | None:
        spec = spec.strip()
        return spec.lstrip("v=") if _STRICT.match(spec) else None

    def in_native_range(self, version: str, native: str) -> bool:
        return satisfies(version, native)
