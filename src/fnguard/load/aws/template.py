"""The account written as the CloudFormation template that would deploy it.

Why a template: the CloudFormation loader already knows what every resource means for a
function — who may call it, with what auth, under what throttling, with what permissions — and
the analyses read CloudFormation-shaped resources (bucket policies, URL configs, API methods).
Writing what the account holds in that shape gives the account scan the very same semantics as
a template scan, so the two can be compared and diffed.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from typing import Any

from fnguard.load.aws.names import LOGICAL_ID, STACK, Names

_FUNCTION_ARN = re.compile(r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+")


class Template:
    """Resources of the synthesized template, with the ARN each logical id stands for."""

    def __init__(self) -> None:
        self.names = Names()
        self.resources: dict[str, dict[str, Any]] = {}
        self.arns: dict[str, str] = {}
        self.functions: dict[str, str] = {}
        """Function ARN → logical id, for readers that link triggers to functions."""
        self._lock = threading.Lock()

    def add(self, preferred: str, identity: str, kind: str, properties: Mapping[str, Any],
            tags: Mapping[str, str] | None = None) -> str:
        """Add one resource named after its CloudFormation logical id when it carries one."""
        tags = tags or {}
        lid = self.names.claim(tags.get(LOGICAL_ID) or preferred, identity, tags.get(STACK),
                               strict=kind != "AWS::Lambda::Function")
        with self._lock:
            self.resources[lid] = {"Type": kind, "Properties": dict(properties)}
            if identity.startswith("arn:"):
                self.arns[lid] = identity
        return lid

    def function_of(self, arn: Any) -> str | None:
        """The logical id of a selected function an ARN (maybe qualified) designates."""
        if not isinstance(arn, str):
            return None
        if arn in self.functions:
            return self.functions[arn]
        parts = arn.split(":")
        return self.functions.get(":".join(parts[:7])) if len(parts) > 7 else None

    def targets_function(self, text: Any) -> str | None:
        """The selected function an integration URI or target ARN invokes, if any."""
        if not isinstance(text, str):
            return None
        match = _FUNCTION_ARN.search(text)
        return self.functions.get(match.group(0)) if match else None

    def document(self) -> dict[str, Any]:
        return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": dict(self.resources)}


def ref(lid: str) -> dict[str, str]:
    return {"Ref": lid}


def get_att(lid: str, attribute: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [lid, attribute]}


def json_document(value: Any) -> Any:
    """A policy returned as JSON text (API Gateway escapes its quotes); ``None`` when not JSON."""
    if isinstance(value, Mapping):
        return dict(value)
    if not isinstance(value, str) or not value:
        return None
    for text in (value, value.replace('\\"', '"')):
        try:
            return json.loads(text)
        except ValueError:
            continue
    return None
