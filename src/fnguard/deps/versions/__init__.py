"""Version schemes per ecosystem: how versions order and what a requirement spec pins.

OSV ranges are lists of events (introduced / fixed / last_affected), so matching mostly needs
a total order on versions; each ecosystem brings its own (PEP 440 for PyPI, SemVer for npm).
"""

from __future__ import annotations

from fnguard.deps.versions.interface import InvalidVersionError, VersionScheme
from fnguard.deps.versions.npm import NpmScheme
from fnguard.deps.versions.pypi import PypiScheme

_SCHEMES: dict[str, VersionScheme] = {"PyPI": PypiScheme(), "npm": NpmScheme()}

ECOSYSTEMS = tuple(_SCHEMES)


def scheme_for(ecosystem: str) -> VersionScheme:
    """The scheme of an OSV ecosystem name (``PyPI``, ``npm``)."""
    try:
        return _SCHEMES[ecosystem]
    except KeyError:
        raise InvalidVersionError(f"unsupported ecosystem {ecosystem!r}") from None


__all__ = ["ECOSYSTEMS", "InvalidVersionError", "VersionScheme", "scheme_for"]
