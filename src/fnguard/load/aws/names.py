"""Names for what the account holds, chosen so that an account scan lines up with a template scan.

CloudFormation tags what it creates with ``aws:cloudformation:logical-id``; that id is what the
template scan calls the resource, so it is the name to use. The Serverless Framework deploys a
function ``createOrder`` as the logical id ``CreateOrderLambdaFunction`` (and the name
``<service>-<stage>-createOrder``); its template scan says ``createOrder``, so that key is
recovered from the two.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

LOGICAL_ID = "aws:cloudformation:logical-id"
STACK = "aws:cloudformation:stack-name"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.:/-]")
_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")


def tags_to_dict(tags: Any) -> dict[str, str]:
    """Tags as a dict, whether the API answered a dict or a ``[{Key, Value}]`` list."""
    if isinstance(tags, Mapping):
        return {str(k): str(v) for k, v in tags.items()}
    found: dict[str, str] = {}
    for item in tags if isinstance(tags, list) else []:
        if isinstance(item, Mapping) and "Key" in item:
            found[str(item["Key"])] = str(item.get("Value", ""))
    return found


def serverless_key(logical_id: str, function_name: str) -> str | None:
    """The ``functions:`` key of a Serverless Framework function, from its logical id and name."""
    if not logical_id.endswith("LambdaFunction"):
        return None
    parts = function_name.split("-")
    for start in range(len(parts) - 1, -1, -1):
        key = "-".join(parts[start:])
        if _serverless_normalize(key) + "LambdaFunction" == logical_id:
            return key
    return None


def _serverless_normalize(key: str) -> str:
    text = key.replace("-", "Dash").replace("_", "Underscore")
    return text[:1].upper() + text[1:]


def function_name(tags: Mapping[str, str], name: str) -> str:
    """What the template scan calls a deployed function."""
    logical = tags.get(LOGICAL_ID)
    if not logical:
        return name
    return serverless_key(logical, name) or logical


class Names:
    """Unique logical ids for the synthesized template (two stacks may both have ``Queue``)."""

    def __init__(self) -> None:
        self._taken: dict[str, str] = {}
        self._by_identity: dict[str, str] = {}
        self._lock = threading.Lock()

    def claim(self, preferred: str, identity: str, stack: str | None = None, *, strict: bool = True) -> str:
        """A logical id for the resource ``identity`` (its ARN), ``preferred`` when still free.

        ``strict`` ids are alphanumeric, as CloudFormation's are (analyses parse ``${Id.Attr}``);
        functions keep their name as the template scan writes it (``create-order`` in Serverless).
        """
        candidates = [preferred]
        if stack:
            candidates.append(f"{stack}/{preferred}")
        candidates.append(identity)
        unsafe = _NOT_ALPHANUMERIC if strict else _UNSAFE
        candidates = [unsafe.sub("", c) if strict else unsafe.sub("_", c) for c in candidates]
        candidates = [c for c in candidates if c] or ["Resource"]
        with self._lock:
            if identity in self._by_identity:
                return self._by_identity[identity]
            for candidate in candidates:
                owner = self._taken.get(candidate)
                if owner is None:
                    self._taken[candidate] = identity
                    self._by_identity[identity] = candidate
                    return candidate
            index = 2
            while f"{candidates[0]}{index}" in self._taken:
                index += 1
            unique = f"{candidates[0]}{index}"
            self._taken[unique] = identity
            self._by_identity[identity] = unique
            return unique

    def of(self, identity: str) -> str | None:
        with self._lock:
            return self._by_identity.get(identity)
