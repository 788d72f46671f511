"""AWS managed policies: their real documents, so a role's managed ARNs can be analysed.

The documents ship as package data (``fnguard/data/managed_policies.json``, built by
``scripts/build_managed_policies.py`` from moto's Apache-2.0 copy of the AWS IAM data). Only the
common ones carry a document; :func:`lookup` returns ``None`` for the others so callers can say
which ARNs they could not read instead of pretending the role grants nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from fnguard.load.intrinsics import to_text
from fnguard.model import Location, Statement

_ARN = re.compile(r"^arn:aws(?:-cn|-us-gov|-iso[a-z-]*)?:iam::aws:policy/(?:.*/)?([\w+=,.@-]+)$")
_SUB_ARN = re.compile(r"^arn:\$\{AWS::Partition\}:iam::aws:policy/(?:.*/)?([\w+=,.@-]+)$")


@cache
def _data() -> dict[str, Any]:
    text = resources.files("fnguard").joinpath("data/managed_policies.json").read_text(encoding="utf-8")
    return json.loads(text)


def policy_name(arn: str) -> str | None:
    """The name of an AWS managed policy ARN (any partition, ``${AWS::Partition}`` too)."""
    match = _ARN.match(arn) or _SUB_ARN.match(arn)
    return match.group(1) if match else None


def arn_for_name(name: str) -> str | None:
    """The ARN of an AWS managed policy named ``name`` (what SAM ``Policies: [Name]`` means)."""
    return _data()["arns"].get(name)


def name_to_arn_map() -> dict[str, str]:
    """Every known managed policy name → ARN, the map the SAM translator asks for."""
    return dict(_data()["arns"])


def lookup(arn: str) -> list[Statement] | None:
    """The statements of the AWS managed policy ``arn``; ``None`` when we do not ship it."""
    name = policy_name(arn)
    if name is None:
        return None
    entry = _data()["policies"].get(name)
    if entry is None:
        return None
    return statements_from_policy_document(entry["document"], f"managed:{arn}", Location())


def statements_from_policy_document(document: Any, source: str, location: Location) -> list[Statement]:
    """Normalise a policy document (or one statement, or a list of them) to Statements.

    Templates write ``Action``/``Resource`` as a string or a list, and resources often as
    intrinsics; every value becomes a tuple of strings (intrinsics in ``${Name.Attr}`` notation)
    so analyses compare one shape.
    """
    if isinstance(document, str):  # CloudFormation also takes the document as a JSON string
        try:
            document = json.loads(document)
        except ValueError:
            return []
    if isinstance(document, Mapping) and "Statement" in document:
        raw = document["Statement"]
    else:
        raw = document
    items = raw if isinstance(raw, list) else [raw]
    statements: list[Statement] = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        condition = item.get("Condition")
        statements.append(
            Statement(
                effect=str(item.get("Effect", "Allow")),
                actions=_strings(item.get("Action")),
                not_actions=_strings(item.get("NotAction")),
                resources=_strings(item.get("Resource")),
                not_resources=_strings(item.get("NotResource")),
                conditions=dict(condition) if isinstance(condition, Mapping) else {},
                source=source,
                location=location,
            )
        )
    return statements


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(to_text(item) for item in value if item is not None)
    return (to_text(value),)
