"""The IAM action catalogue: every action of every service, its access level and resource types.

Rules need to know whether an action exists (a misspelt action silently grants nothing), what a
wildcard such as ``s3:Get*`` really grants, and whether an action can be scoped to a resource at
all (``sts:GetCallerIdentity`` can only ever be granted on ``*``). The data is shipped compact in
``fnguard/data/iam/actions.json.gz`` (see its README for sources and licences).
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

READ_LEVELS = frozenset({"Read", "List"})


@dataclass(frozen=True)
class ActionInfo:
    """One IAM action as the AWS Service Authorization Reference describes it."""

    prefix: str
    name: str
    """The action's canonical spelling (``PutItem``); IAM compares case-insensitively."""
    access_level: str
    """``Read``, ``List``, ``Write``, ``Tagging, Write`` or ``Permissions management, Write``."""
    resource_types: tuple[str, ...]
    """Resource types the action can be scoped to; empty when it only accepts ``*``."""

    @property
    def action(self) -> str:
        return f"{self.prefix}:{self.name}"

    @property
    def is_write(self) -> bool:
        return self.access_level not in READ_LEVELS

    @property
    def is_permissions_management(self) -> bool:
        return self.access_level.startswith("Permissions management")

    @property
    def scopable(self) -> bool:
        """True when a policy can name a resource for it instead of ``*``."""
        return bool(self.resource_types)


@cache
def _data() -> dict[str, Any]:
    blob = resources.files("fnguard").joinpath("data/iam/actions.json.gz").read_bytes()
    return json.loads(gzip.decompress(blob))


@cache
def _index() -> dict[str, dict[str, ActionInfo]]:
    """prefix → lower-case action name → info."""
    index: dict[str, dict[str, ActionInfo]] = {}
    for prefix, service in _data()["services"].items():
        actions = {}
        for name, (level, types) in service["actions"].items():
            actions[name.lower()] = ActionInfo(prefix, name, level, tuple(t.rstrip("*") for t in types))
        index[prefix] = actions
    return index


def source() -> str:
    """Where the shipped catalogue comes from (for reports and ``--version`` details)."""
    return str(_data().get("_source", ""))


def prefixes() -> frozenset[str]:
    return frozenset(_index())


def service_actions(prefix: str) -> tuple[ActionInfo, ...]:
    return tuple(_index().get(prefix.lower(), {}).values())


def lookup(action: str) -> ActionInfo | None:
    """The catalogue entry of an exact action name (any case), or None when it does not exist."""
    prefix, sep, name = action.partition(":")
    if not sep:
        return None
    return _index().get(prefix.lower(), {}).get(name.lower())


def is_known(action: str) -> bool:
    return lookup(action) is not None


def arn_format(prefix: str, resource_type: str) -> str | None:
    """``arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}`` for (dynamodb, table)."""
    service = _data()["services"].get(prefix.lower())
    if not service:
        return None
    return service.get("resources", {}).get(resource_type)


@lru_cache(maxsize=4096)
def _pattern(pattern: str) -> re.Pattern[str]:
    """IAM wildcards: ``*`` any run of characters, ``?`` one character; case-insensitive."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def action_matches(pattern: str, action: str) -> bool:
    """Does the policy action ``pattern`` (``s3:Get*``, ``*``) cover ``action``?"""
    if pattern == "*":
        return True
    return _pattern(pattern).fullmatch(action) is not None


@lru_cache(maxsize=2048)
def expand(pattern: str) -> tuple[str, ...]:
    """Every catalogued action a policy action (possibly with wildcards) grants."""
    if "*" not in pattern and "?" not in pattern:
        info = lookup(pattern)
        return (info.action,) if info else ()
    prefix, sep, _name = pattern.partition(":")
    if not sep and pattern != "*":
        return ()
    candidates: list[str]
    if pattern == "*" or "*" in prefix or "?" in prefix:
        candidates = list(_index())
    else:
        candidates = [prefix.lower()] if prefix.lower() in _index() else []
    regex = _pattern(pattern)
    return tuple(
        info.action
        for p in candidates
        for info in _index()[p].values()
        if regex.fullmatch(info.action)
    )


def suggest(action: str) -> str | None:
    """The closest catalogued action to a misspelt one (``sts:GetCallerIdentify``)."""
    import difflib

    prefix, sep, name = action.partition(":")
    if not sep:
        return None
    names = {info.name: info.action for info in service_actions(prefix)}
    close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.75)
    return names[close[0]] if close else None
