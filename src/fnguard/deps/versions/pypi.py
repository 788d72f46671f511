"""PEP 440 through ``packaging``: Version ordering, not SpecifierSet.

``SpecifierSet("<2.11.3")`` excludes ``2.11.3rc1`` by the pre-release rule, while OSV's ECOSYSTEM
semantics put ``2.11.3rc1`` below ``2.11.3`` (affected); so ranges compare Versions directly.
"""

from __future__ import annotations

from functools import lru_cache

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from fnguard.deps.versions.interface import InvalidVersionError, VersionScheme


@lru_cache(maxsize=65536)
def _parse(version: str) -> Version:
    try:
        return Version(version)
    except InvalidVersion:
        raise InvalidVersionError(f"not a PEP 440 version: {version!r}") from None


@lru_cache(maxsize=16384)
def _specifiers(spec: str) -> SpecifierSet:
    return SpecifierSet(spec)


class PypiScheme(VersionScheme):
    """PyPI: PEP 440 versions, PEP 503 names."""

    ecosystem = "PyPI"

    def key(self, version: str) -> Version:
        return _parse(version)

    def normalize_name(self, name: str) -> str:
        return canonicalize_name(name)

    def exact_pin(self, spec: str) -> str | None:
        """``==1.2.3`` or ``===1.2.3`` pins; ``==1.2.*``, ``>=``, ``~=`` and sets do not."""
        spec = spec.strip()
        if not spec or spec[0] not in "=<>!~":
            return None
        try:
            specifiers = list(_specifiers(spec))
        except InvalidSpecifier:
            return None
        pins = [s.version for s in specifiers if s.operator in ("==", "===") and "*" not in s.version]
        return pins[0] if len(pins) == 1 else None
