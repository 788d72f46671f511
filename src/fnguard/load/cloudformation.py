"""AWS CloudFormation (and SAM, once expanded) to the application model.

SAM templates are expanded by :mod:`fnguard.load.sam` with the official translator first, so
one mapping serves both formats; findings still point at lines of the template as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fnguard.iam.managed import statements_from_policy_document
from fnguard.load.intrinsics import Resolver
from fnguard.load.yamlsource import line_of
from fnguard.model import Location, Resource

__all__ = ["resources_from_template", "statements_from_policy_document"]


def resources_from_template(
    template: Mapping[str, Any],
    path: Path,
    *,
    parameters: Mapping[str, Any] | None = None,
    region: str = "us-east-1",
) -> tuple[dict[str, Resource], list[str]]:
    """Every resource of a CloudFormation fragment, resolved, with its line; and the warnings.

    For loaders that embed CloudFormation (serverless.yml ``resources:``): ``template`` is a
    mapping with ``Resources`` (and optionally ``Conditions``, ``Mappings``, ``Parameters``);
    ``parameters`` are known values that win over parameter defaults. Resources whose
    ``Condition`` is false are left out; intrinsics that name resources stay intrinsic dicts.
    """
    resolver = Resolver(template, path, parameters=parameters, region=region)
    raw = template.get("Resources")
    if not isinstance(raw, Mapping):
        return {}, [f"{path}: Resources is not a mapping"] if raw is not None else []
    found: dict[str, Resource] = {}
    for logical_id, body in raw.items():
        line = line_of(raw, logical_id)
        if not isinstance(body, Mapping) or not isinstance(body.get("Type"), str):
            resolver.warn(f"resource {logical_id} has no Type: skipped", line)
            continue
        condition = body.get("Condition")
        if isinstance(condition, str) and resolver.condition(condition, line) is False:
            continue
        properties = resolver.resolve(body.get("Properties") or {}, line)
        found[str(logical_id)] = Resource(
            logical_id=str(logical_id),
            type=body["Type"],
            properties=properties if isinstance(properties, dict) else {},
            location=Location(str(path), line),
        )
    return found, resolver.warnings
