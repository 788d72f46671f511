"""Lambda: every function of a region with what Lambda itself knows of it.

Configuration, tags, reserved and provisioned concurrency, the resource policy (who may invoke),
the function URL, the asynchronous invocation config, code signing, layers, the deployment
package, and the region's event-source mappings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fnguard.load.aws.client import Account
from fnguard.load.aws.code import CodeStore
from fnguard.load.aws.names import STACK, function_name, tags_to_dict


@dataclass(frozen=True)
class DeployedFunction:
    """One function as Lambda describes it."""

    arn: str
    name: str
    """The function's real name (what ARNs end with)."""
    display: str
    """What the template scan calls it: the CloudFormation logical id or Serverless key, else the name."""
    logical_id: str | None
    stack: str | None
    region: str
    configuration: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    tags: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)
    reserved_concurrency: int | None = None
    provisioned: tuple[Mapping[str, Any], ...] = ()
    policy: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)
    url: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)
    invoke_config: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)
    code_signing_config: str | None = None
    code_dir: str | None = None
    layer_dirs: tuple[str, ...] = ()
    """Unpacked layers, so the dependency analysis sees what they ship."""


def list_functions(account: Account, region: str) -> list[dict[str, Any]]:
    """Function configurations of the region, narrowed by ``--function-prefix``."""
    prefix = account.options.function_prefix or ""
    return [f for f in account.pages("lambda", region, "ListFunctions", "Functions")
            if str(f.get("FunctionName", "")).startswith(prefix)]


def read_function(account: Account, region: str, summary: Mapping[str, Any], code: CodeStore) -> DeployedFunction:
    """Everything about one function; runs in the pool, one function per task."""
    name = str(summary["FunctionName"])
    arn = str(summary["FunctionArn"])
    full = account.call("lambda", region, "GetFunction", FunctionName=arn) or {}
    configuration = {**summary, **(full.get("Configuration") or {})}
    tags = tags_to_dict(full.get("Tags"))
    policy_text = (account.call("lambda", region, "GetPolicy", FunctionName=arn) or {}).get("Policy")
    url = account.call("lambda", region, "GetFunctionUrlConfig", FunctionName=arn)
    invoke = account.call("lambda", region, "GetFunctionEventInvokeConfig", FunctionName=arn)
    signing = account.call("lambda", region, "GetFunctionCodeSigningConfig", FunctionName=arn) or {}
    provisioned = (account.call("lambda", region, "ListProvisionedConcurrencyConfigs", FunctionName=arn) or {}).get(
        "ProvisionedConcurrencyConfigs") or []
    code_dir = None
    location = (full.get("Code") or {}).get("Location")
    if location and configuration.get("PackageType", "Zip") == "Zip":
        directory = code.fetch(str(configuration.get("CodeSha256") or arn), str(location), region, name)
        code_dir = str(directory) if directory else None
    layer_dirs = []
    for layer in configuration.get("Layers") or []:
        arn_of_layer = str(layer.get("Arn", "")) if isinstance(layer, Mapping) else ""
        content = (account.call("lambda", region, "GetLayerVersionByArn", Arn=arn_of_layer) or {}).get("Content") \
            if arn_of_layer else None
        if content and content.get("Location"):
            directory = code.fetch(str(content.get("CodeSha256") or arn_of_layer), str(content["Location"]), region,
                                   f"{name}: layer {arn_of_layer}")
            if directory:
                layer_dirs.append(str(directory))
    try:
        policy = json.loads(policy_text) if policy_text else None
    except ValueError:
        account.warn(f"{name}: resource policy is not JSON: not analysed")
        policy = None
    logical = tags.get("aws:cloudformation:logical-id")
    return DeployedFunction(
        arn=arn, name=name, display=function_name(tags, name), logical_id=logical, stack=tags.get(STACK),
        region=region, configuration=configuration, tags=tags,
        reserved_concurrency=(full.get("Concurrency") or {}).get("ReservedConcurrentExecutions"),
        provisioned=tuple(provisioned), policy=policy,
        url={k: v for k, v in url.items() if k != "ResponseMetadata"} if url else None,
        invoke_config={k: v for k, v in invoke.items() if k != "ResponseMetadata"} if invoke else None,
        code_signing_config=signing.get("CodeSigningConfigArn"), code_dir=code_dir, layer_dirs=tuple(layer_dirs),
    )


def event_source_mappings(account: Account, region: str, arns: set[str]) -> list[dict[str, Any]]:
    """The region's event-source mappings that feed one of ``arns`` (one paged listing)."""
    found = []
    for item in account.pages("lambda", region, "ListEventSourceMappings", "EventSourceMappings"):
        target = str(item.get("FunctionArn", ""))
        unqualified = target if target.count(":") <= 6 else target.rsplit(":", 1)[0]
        if unqualified in arns:
            found.append({**item, "FunctionArn": unqualified})
    return found
