"""IAM: the execution roles of the functions, with inline and attached policies.

Attached (managed) policies are read at their default version — what the role really grants
today, customer-managed or AWS-managed alike. A policy document that cannot be read falls back
to fnguard's bundled copy of the AWS managed policy, else it is reported as not analysed.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fnguard.load.aws.client import Account
from fnguard.load.aws.names import tags_to_dict


@dataclass(frozen=True)
class DeployedRole:
    arn: str
    name: str
    tags: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)
    inline: tuple[tuple[str, Any], ...] = field(default=(), hash=False, compare=False)
    """(policy name, document) of each inline policy."""
    attached: tuple[tuple[str, Any], ...] = field(default=(), hash=False, compare=False)
    """(policy ARN, document or ``None`` when unreadable) of each attached policy."""


class RoleReader:
    """Reads roles once each, and each managed policy once however many roles attach it."""

    def __init__(self, account: Account, region: str) -> None:
        self.account = account
        self.region = region  # IAM is global; any region's endpoint answers
        self._policies: dict[str, Any] = {}
        self._lock = threading.Lock()

    def read(self, arn: str) -> DeployedRole | None:
        name = arn.rsplit("/", 1)[-1]
        call = self.account.call
        role = (call("iam", self.region, "GetRole", RoleName=name) or {}).get("Role")
        if role is None:
            self.account.warn(f"role {arn} does not exist: its functions' permissions are unknown")
            return None
        inline = []
        for policy in self.account.pages("iam", self.region, "ListRolePolicies", "PolicyNames", RoleName=name):
            answer = call("iam", self.region, "GetRolePolicy", RoleName=name, PolicyName=policy) or {}
            inline.append((str(policy), _document(answer.get("PolicyDocument"))))
        attached = []
        for item in self.account.pages("iam", self.region, "ListAttachedRolePolicies", "AttachedPolicies",
                                       RoleName=name):
            policy_arn = str(item.get("PolicyArn"))
            attached.append((policy_arn, self._managed(policy_arn)))
        return DeployedRole(arn=str(role.get("Arn", arn)), name=name, tags=tags_to_dict(role.get("Tags")),
                            inline=tuple(inline), attached=tuple(attached))

    def _managed(self, arn: str) -> Any:
        with self._lock:
            if arn in self._policies:
                return self._policies[arn]
        policy = (self.account.call("iam", self.region, "GetPolicy", PolicyArn=arn) or {}).get("Policy") or {}
        document = None
        if policy.get("DefaultVersionId"):
            version = self.account.call("iam", self.region, "GetPolicyVersion", PolicyArn=arn,
                                        VersionId=policy["DefaultVersionId"]) or {}
            document = _document((version.get("PolicyVersion") or {}).get("Document"))
        with self._lock:
            self._policies[arn] = document
        return document


def _document(value: Any) -> Any:
    """Policy documents come back as dicts from boto3, or URL-encoded JSON from some endpoints."""
    if isinstance(value, str):
        try:
            return json.loads(urllib.parse.unquote(value))
        except ValueError:
            return None
    return value
