"""boto3 client and resource methods → the IAM actions they need.

A call's name is not its permission: ``s3.list_objects_v2`` needs ``s3:ListBucket``,
``upload_file`` needs ``s3:PutObject``, ``lambda.invoke`` needs ``lambda:InvokeFunction``. The
table (``fnguard/data/iam/boto3.json.gz``) comes from iam-dataset's SDK map keyed by boto3 names;
for methods it lacks (operations added since it was made) we fall back to
``<prefix>:<Operation>`` and keep that only when the catalogue knows the action.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from fnguard.iam import catalog

MAPPED = "map"
FALLBACK = "fallback"
CUSTOMIZATION = "customization"
OVERRIDE = "override"


@dataclass(frozen=True)
class ActionNeed:
    """One IAM action a call needs, and the request parameters that name its resource."""

    action: str
    params: tuple[str, ...] = ()
    """Request parameters the resource ARN is built from (``("Bucket", "Key")``)."""
    condition: tuple[str, str, str] | None = None
    """(parameter, op, value): needed only when the request matches, e.g. ("ACL", "Exists", "")."""
    origin: str = MAPPED


@dataclass(frozen=True)
class _Custom:
    """A boto3 customization (not an API operation) and the operations it performs."""

    operations: tuple[str, ...]
    params: tuple[tuple[str, str], ...] = ()
    """Positional or keyword argument of the helper → request parameter of the operations."""


# Methods boto3 adds on top of the API (boto3/s3/inject.py, dynamodb table batch writer...).
_S3_TRANSFER_UP = ("put_object",)
_S3_TRANSFER_DOWN = ("get_object",)
CUSTOMIZATIONS: dict[str, dict[str, _Custom]] = {
    "s3": {
        "upload_file": _Custom(_S3_TRANSFER_UP, (("1", "Bucket"), ("2", "Key"), ("Bucket", "Bucket"), ("Key", "Key"))),
        "upload_fileobj": _Custom(_S3_TRANSFER_UP, (("1", "Bucket"), ("2", "Key"), ("Bucket", "Bucket"), ("Key", "Key"))),
        "download_file": _Custom(_S3_TRANSFER_DOWN, (("0", "Bucket"), ("1", "Key"), ("Bucket", "Bucket"), ("Key", "Key"))),
        "download_fileobj": _Custom(_S3_TRANSFER_DOWN, (("0", "Bucket"), ("1", "Key"), ("Bucket", "Bucket"), ("Key", "Key"))),
        "copy": _Custom(("get_object", "put_object"), (("1", "Bucket"), ("2", "Key"), ("Bucket", "Bucket"), ("Key", "Key"))),
        "generate_presigned_post": _Custom(("put_object",), (("0", "Bucket"), ("1", "Key"), ("Bucket", "Bucket"), ("Key", "Key"))),
    },
}
# Resource-object helpers boto3 injects (s3.Bucket(...).upload_file, Object.download_file...).
RESOURCE_CUSTOMIZATIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "s3": {
        "upload_file": _S3_TRANSFER_UP, "upload_fileobj": _S3_TRANSFER_UP,
        "download_file": _S3_TRANSFER_DOWN, "download_fileobj": _S3_TRANSFER_DOWN,
        "copy": ("get_object", "put_object"), "copy_from": ("get_object", "put_object"),
    },
    "dynamodb": {"batch_writer": ("batch_write_item",)},
}
# Operations newer than the 2023 map whose IAM action is not "<prefix>:<Operation>".
OVERRIDES: dict[str, dict[str, tuple[ActionNeed, ...]]] = {
    "lambda": {"invoke_with_response_stream": (ActionNeed("lambda:InvokeFunction", ("FunctionName",), None, OVERRIDE),)},
    "bedrock-runtime": {
        "converse": (ActionNeed("bedrock:InvokeModel", ("modelId",), None, OVERRIDE),),
        "converse_stream": (ActionNeed("bedrock:InvokeModelWithResponseStream", ("modelId",), None, OVERRIDE),),
    },
    "glue": {"batch_get_data_quality_result": (ActionNeed("glue:GetDataQualityResult", (), None, OVERRIDE),)},
    # Authorized by the user's access token, like the other user-pool APIs the map lists as permissionless.
    "cognito-idp": {m: () for m in ("complete_web_authn_registration", "delete_web_authn_credential",
                                     "get_user_auth_factors", "list_web_authn_credentials",
                                     "start_web_authn_registration")},
    "dsql": {
        "generate_db_connect_admin_auth_token": (ActionNeed("dsql:DbConnectAdmin", (), None, OVERRIDE),),
        "generate_db_connect_auth_token": (ActionNeed("dsql:DbConnect", (), None, OVERRIDE),),
    },
    "rds": {"generate_db_auth_token": (ActionNeed("rds-db:connect", (), None, OVERRIDE),)},  # signed locally, checked at connect
    "s3": {
        "list_directory_buckets": (ActionNeed("s3express:ListAllMyDirectoryBuckets", (), None, OVERRIDE),),
        "create_session": (ActionNeed("s3express:CreateSession", ("Bucket",), None, OVERRIDE),),
        **{f"{verb}_bucket_metadata_configuration": (
            ActionNeed(f"s3:{verb.capitalize()}BucketMetadataTableConfiguration", ("Bucket",), None, OVERRIDE),)
           for verb in ("create", "delete", "get")},
    },
}
# Client methods that need no permission at all (they never call AWS).
LOCAL_METHODS = frozenset({
    "can_paginate", "close", "get_paginator", "get_waiter", "generate_presigned_url", "exceptions", "meta",
})



@cache
def _data() -> dict[str, Any]:
    blob = resources.files("fnguard").joinpath("data/iam/boto3.json.gz").read_bytes()
    return json.loads(gzip.decompress(blob))


def services() -> tuple[str, ...]:
    """Every boto3 service name fnguard knows (botocore's list when the data was built)."""
    return tuple(_data()["services"])


def service_prefix(service: str) -> str | None:
    """The IAM prefix of a boto3 service: ``stepfunctions`` → ``states``, ``cloudwatch`` → ``cloudwatch``."""
    entry = _data()["services"].get(service)
    return entry.get("prefix") if entry else None


def waiter_method(service: str, waiter: str) -> str | None:
    """``get_waiter("table_exists")`` polls ``describe_table``."""
    return _data().get("waiters", {}).get(service, {}).get(waiter)


def resource_model(service: str) -> dict[str, Any] | None:
    """boto3's resource model for ``boto3.resource(service)``, reduced to method → operation."""
    return _data().get("resources", {}).get(service)


def _pascal(method: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in method.split("_"))


def _applies(condition: tuple[str, str, str] | None, present: Mapping[str, str | None] | None) -> bool:
    """Is a conditional action needed, given the call's keyword arguments (None = unknown call)?

    ``present`` maps each passed parameter to its string value when visible (``${?}`` marks
    unknown parts of a built string).
    """
    if condition is None:
        return True
    param, op, rhs = condition
    if op == "NotExists":
        return present is None or param not in present
    if present is None or param not in present:
        return False
    if op == "Exists":
        return True
    value = present[param]
    if value is None or value == "${?}" or "${" in value and op != "IContains":
        return op != "NotEquals"  # a value we cannot see: assume the action may be needed
    if op == "IContains":
        return rhs.lower() in value.lower()  # the written text decides (a PartiQL verb)
    if op == "Equals":
        return value == rhs
    if op == "NotEquals":
        return value != rhs
    return True


def method_actions(
    service: str, method: str, present: Mapping[str, str | None] | frozenset[str] | None = None
) -> tuple[ActionNeed, ...] | None:
    """The IAM actions of ``boto3.client(service).<method>(...)``; None when unknown.

    ``present`` names the keyword arguments the call passes, so that conditional actions
    (``s3:PutObjectAcl`` only with ``ACL=``) are included exactly when needed.
    """
    if isinstance(present, frozenset):
        present = dict.fromkeys(present)
    if method in LOCAL_METHODS:
        return ()
    custom = CUSTOMIZATIONS.get(service, {}).get(method)
    if custom is not None:
        needs: list[ActionNeed] = []
        for operation in custom.operations:
            for need in method_actions(service, operation, None) or ():
                needs.append(ActionNeed(need.action, need.params, None, CUSTOMIZATION))
        return tuple(dict.fromkeys(needs))
    override = OVERRIDES.get(service, {}).get(method)
    if override is not None:
        return override
    entry = _data()["services"].get(service)
    if entry is None:
        return None
    rows = entry["ops"].get(method)
    if rows is not None:
        return tuple(
            ActionNeed(action, tuple(params), tuple(cond) if cond else None, MAPPED)
            for action, params, cond in rows
            if _applies(tuple(cond) if cond else None, present)
        )
    prefix = entry.get("prefix")
    if not prefix:
        return None
    info = catalog.lookup(f"{prefix}:{_pascal(method)}")
    if info is None:
        return None
    return (ActionNeed(info.action, (), None, FALLBACK),)


def all_actions(needs: Iterable[ActionNeed]) -> tuple[str, ...]:
    return tuple(sorted({need.action for need in needs}))
