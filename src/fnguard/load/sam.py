"""Expand AWS SAM templates to CloudFormation with the official translator, offline.

Why the translator and not our own expansion: SAM's implicit resources (roles, permissions,
event-source mappings, the implicit API and its swagger, policy templates) are what gets
deployed, and only the translator knows them exactly. It needs a region and S3 code URIs, so
local ``CodeUri`` directories are swapped for placeholders and remembered: the scanner reads
the code from them. When the translator refuses a resource, the others are translated without
it and the refused ones are returned as written, so the app still loads.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from fnguard.iam.managed import name_to_arn_map
from fnguard.load.yamlsource import line_of, load_document
from fnguard.model import InputError

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
PLACEHOLDER_BUCKET = "fnguard-placeholder"
_MAX_RETRIES = 4
_CHUNK = 20
_TOUCHED_BY_EVENTS = ("AWS::S3::Bucket", "AWS::Cognito::UserPool")


@dataclass(frozen=True)
class Expansion:
    """A SAM template translated to CloudFormation, with what the translation forgot."""

    template: dict[str, Any]
    """The CloudFormation template (plain dicts); resources the translator refused stay SAM."""
    code_dirs: Mapping[str, str] = field(default_factory=dict)
    """SAM function logical id → absolute local code directory."""
    untranslated: tuple[str, ...] = ()
    """Logical ids of SAM resources kept as written because the translator refused them."""
    warnings: tuple[str, ...] = ()


def is_sam(document: Mapping[str, Any]) -> bool:
    """True when the template's Transform includes the SAM transform."""
    transform = document.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    return any(isinstance(name, str) and name.startswith("AWS::Serverless") for name in names)


def plain(value: Any) -> Any:
    """A copy made of plain dicts, lists and JSON scalars (dates as ISO strings)."""
    return json.loads(json.dumps(value, default=str))


def expand(path: Path, document: Mapping[str, Any], parameters: Mapping[str, Any], region: str) -> Expansion:
    """Translate ``document`` (read from ``path``) as the SAM CLI would, without AWS access."""
    template = plain(document)
    warnings: list[str] = []
    code_dirs = _swap_local_uris(template, path, warnings)
    refused: dict[str, Any] = {}
    merged: dict[str, Any] | None = None
    parts = _chunks(template)
    for part in parts:
        translated = _translate_part(part, parameters, region, path, warnings, refused)
        if translated is None:
            merged = None
            break
        merged = translated if merged is None else _merge(merged, translated)
    if merged is not None:
        resources = merged.setdefault("Resources", {})
        for lid, body in _passed_through(template, parts).items():
            resources.setdefault(lid, body)
        for lid, body in refused.items():
            resources[lid] = body
        if refused:
            warnings.append(f"{path}: {', '.join(refused)} read as written, without SAM translation")
        return Expansion(merged, code_dirs, tuple(refused), tuple(warnings))
    # Give up on translation: map the template as written.
    fallback = plain(document)
    _swap_local_uris(fallback, path, [])
    warnings.append(f"{path}: SAM template read without translation: implicit resources are approximated")
    sam_ids = tuple(
        lid for lid, body in fallback.get("Resources", {}).items()
        if isinstance(body, dict) and str(body.get("Type", "")).startswith("AWS::Serverless::")
    )
    return Expansion(fallback, code_dirs, sam_ids, tuple(warnings))


def _translate_part(
    template: dict[str, Any],
    parameters: Mapping[str, Any],
    region: str,
    path: Path,
    warnings: list[str],
    refused: dict[str, Any],
) -> dict[str, Any] | None:
    """Translate, setting aside the resources the translator refuses; ``None`` if it gives up."""
    template = dict(template, Resources=dict(template.get("Resources", {})))
    for lid in refused:
        template["Resources"].pop(lid, None)
    for _attempt in range(_MAX_RETRIES):
        try:
            return _translate(template, parameters, region)
        except _Refused as exc:
            ids = [lid for lid in exc.logical_ids if lid in template["Resources"]]
            warnings.append(f"{path}: SAM translator refused {', '.join(ids) or 'the template'}: {exc.message}")
            if not ids:
                return None
            for lid in ids:
                refused[lid] = template["Resources"].pop(lid)
        except Exception as exc:  # noqa: BLE001 - the translator raises anything on odd input
            warnings.append(f"{path}: SAM translator failed ({type(exc).__name__}: {_first_line(exc)})")
            return None
    return None


def _chunks(template: dict[str, Any]) -> list[dict[str, Any]]:
    """The template split into parts of at most ``_CHUNK`` functions, each with the SAM resources.

    The translator copies the whole API definition for every API event, so its time grows with
    the square of the number of routes; translating a few dozen functions at a time and merging
    keeps a 1,000-function template linear.
    """
    resources = template.get("Resources", {})
    functions = [lid for lid, body in resources.items()
                 if isinstance(body, dict) and body.get("Type") == "AWS::Serverless::Function"]
    if len(functions) <= _CHUNK:
        return [template]
    # Plain CloudFormation passes through the translator untouched, except the buckets and user
    # pools that S3 and Cognito events write into: only those (and the other SAM resources) go
    # into every part; the rest is added back once, so each part stays small.
    function_ids = set(functions)
    shared = {lid: body for lid, body in resources.items() if isinstance(body, dict) and (
        str(body.get("Type", "")).startswith("AWS::Serverless::") or body.get("Type") in _TOUCHED_BY_EVENTS)
        and lid not in function_ids}
    parts = []
    for start in range(0, len(functions), _CHUNK):
        chunk = {lid: resources[lid] for lid in functions[start:start + _CHUNK]}
        parts.append(dict(template, Resources={**shared, **chunk}))
    return parts


def _passed_through(template: dict[str, Any], parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Resources no part carried (plain CloudFormation the translator would not have changed)."""
    carried = {lid for part in parts for lid in part.get("Resources", {})}
    return {lid: body for lid, body in template.get("Resources", {}).items() if lid not in carried}


def _merge(into: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    """Union of two translations: shared resources (the implicit API, a bucket) get both halves."""
    resources = into.setdefault("Resources", {})
    for lid, body in part.get("Resources", {}).items():
        resources[lid] = _union(resources[lid], body) if lid in resources else body
    return into


def _union(left: Any, right: Any) -> Any:
    if isinstance(left, dict) and isinstance(right, dict):
        for key, value in right.items():
            left[key] = _union(left[key], value) if key in left else value
        return left
    if isinstance(left, list) and isinstance(right, list):
        return left + [item for item in right if item not in left]
    return left


class _Refused(Exception):
    def __init__(self, message: str, logical_ids: list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.logical_ids = logical_ids


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:300]


@cache
def policy_templates() -> Any:
    """SAM's policy-template processor, built once.

    The translator rebuilds it for every template and validates its own bundled JSON against a
    schema each time, which is half the time of a translation; the data never changes.
    """
    from samtranslator.policy_template_processor.processor import PolicyTemplatesProcessor

    return PolicyTemplatesProcessor(PolicyTemplatesProcessor.get_default_policy_templates_json())


def _cached_policy_template_plugin() -> Any:
    from samtranslator.plugins.policies.policy_templates_plugin import PolicyTemplatesForResourcePlugin

    return PolicyTemplatesForResourcePlugin(policy_templates())


@cache
def _session(region: str) -> Any:
    """A boto3 session the translator only asks for its region (no call is made); built once,
    as building one registers thousands of event handlers, two thirds of a translation's time."""
    import boto3

    return boto3.Session(region_name=region, aws_access_key_id="offline", aws_secret_access_key="offline")


def _translate(template: dict[str, Any], parameters: Mapping[str, Any], region: str) -> dict[str, Any]:
    """Run the SAM translator offline; a refusal names the resources it refused."""
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator import translator as translator_module
    from samtranslator.translator.translator import Translator

    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    if hasattr(translator_module, "make_policy_template_for_function_plugin"):
        translator_module.make_policy_template_for_function_plugin = _cached_policy_template_plugin
    translator = Translator(None, Parser(), boto_session=_session(region))
    try:
        return translator.translate(
            copy.deepcopy(template),
            parameter_values=dict(parameters),
            get_managed_policy_map=name_to_arn_map,
        )
    except InvalidDocumentException as exc:
        causes = list(getattr(exc, "causes", []) or [])
        ids = [str(getattr(cause, "_logical_id", "")) for cause in causes if getattr(cause, "_logical_id", None)]
        message = "; ".join(_first_line(Exception(getattr(c, "message", str(c)))) for c in causes[:3])
        raise _Refused(message or _first_line(exc), ids) from None


def _local(uri: Any) -> bool:
    """A URI on this machine (not S3 or HTTP): code or a definition we can read."""
    return isinstance(uri, str) and not uri.startswith(("s3://", "https://", "http://"))


def _swap_local_uris(template: dict[str, Any], path: Path, warnings: list[str]) -> dict[str, str]:
    """Replace local code/definition URIs by placeholders; return function → local code dir."""
    base = path.resolve().parent
    resources = template.get("Resources")
    if not isinstance(resources, dict):
        raise InputError(f"{path}: Resources is not a mapping")
    globals_ = template.get("Globals") if isinstance(template.get("Globals"), dict) else {}
    global_function = globals_.get("Function") if isinstance(globals_.get("Function"), dict) else {}
    global_code = global_function.get("CodeUri")
    if _local(global_code):
        global_function["CodeUri"] = f"s3://{PLACEHOLDER_BUCKET}/global.zip"
    code_dirs: dict[str, str] = {}
    for lid, body in resources.items():
        if not isinstance(body, dict):
            continue
        kind = body.get("Type")
        props = body.get("Properties")
        if not isinstance(props, dict):
            props = {}
            if kind == "AWS::Serverless::Function":
                body["Properties"] = props
        if kind == "AWS::Serverless::Function":
            code = props.get("CodeUri", global_code)
            image = props.get("PackageType", global_function.get("PackageType")) == "Image"
            if props.get("InlineCode") is not None or global_function.get("InlineCode") is not None or image:
                continue
            if code is None or _local(code):
                local = (base / (code or ".")).resolve()
                if local.suffix.lower() not in (".zip", ".jar"):  # a built archive is no source directory
                    code_dirs[lid] = str(local)
                props["CodeUri"] = f"s3://{PLACEHOLDER_BUCKET}/{lid}.zip"
        elif kind == "AWS::Serverless::LayerVersion" and _local(props.get("ContentUri")):
            props["ContentUri"] = f"s3://{PLACEHOLDER_BUCKET}/{lid}.zip"
        elif kind in ("AWS::Serverless::Api", "AWS::Serverless::HttpApi") and _local(props.get("DefinitionUri")):
            props["DefinitionBody"] = _read_definition(base / props.pop("DefinitionUri"), warnings)
        elif kind in ("AWS::Serverless::Api", "AWS::Serverless::HttpApi") and _include(props.get("DefinitionBody")):
            local = base / _include(props["DefinitionBody"])
            if local.is_file():
                props["DefinitionBody"] = _read_definition(local, warnings)
        elif kind == "AWS::Serverless::StateMachine" and _local(props.get("DefinitionUri")):
            local = base / props["DefinitionUri"]
            if local.is_file():  # inline it, as ``sam package`` would upload it: the states name functions
                props["Definition"] = _read_definition(local, warnings)
                del props["DefinitionUri"]
            else:
                props["DefinitionUri"] = {"Bucket": PLACEHOLDER_BUCKET, "Key": f"{lid}.json"}
        elif kind == "AWS::Serverless::Application" and _local(props.get("Location")):
            props["Location"] = f"https://{PLACEHOLDER_BUCKET}.s3.amazonaws.com/{lid}.yaml"
        elif kind == "AWS::Serverless::GraphQLApi" and _local(props.get("SchemaUri")):
            props["SchemaUri"] = f"s3://{PLACEHOLDER_BUCKET}/{lid}.graphql"
    return code_dirs


def _include(value: Any) -> str | None:
    """The local file of an ``Fn::Transform: AWS::Include`` (what ``sam package`` inlines)."""
    if not isinstance(value, dict) or set(value) != {"Fn::Transform"}:
        return None
    transform = value["Fn::Transform"]
    if not isinstance(transform, dict) or transform.get("Name") != "AWS::Include":
        return None
    parameters = transform.get("Parameters")
    location = parameters.get("Location") if isinstance(parameters, dict) else None
    return location if _local(location) else None


def _read_definition(path: Path, warnings: list[str]) -> Any:
    """A local OpenAPI file named by DefinitionUri, inlined as the translator would after packaging."""
    try:
        return plain(load_document(path))
    except (InputError, OSError) as exc:
        warnings.append(f"{path}: API definition not read: {exc}")
        return {"swagger": "2.0", "info": {"title": path.stem}, "paths": {}}


def origin_line(original: Mapping[str, Any], generated_id: str) -> tuple[str | None, int | None]:
    """The SAM resource (and line) a generated resource comes from, guessed from its logical id.

    The translator names what it generates after its source (``FnRole``, ``FnApiEventPermissionProd``,
    ``FnSQSEvent``): the longest matching ``<Function><Event>`` or ``<Resource>`` prefix wins.
    """
    resources = original.get("Resources")
    if not isinstance(resources, Mapping):
        return None, None
    if generated_id in resources:
        return generated_id, line_of(resources, generated_id)
    for end in range(len(generated_id) - 1, 0, -1):
        lid = generated_id[:end]
        body = resources.get(lid)
        if body is None:
            continue
        line = line_of(resources, lid)
        props = body.get("Properties") if isinstance(body, Mapping) else None
        events = props.get("Events") if isinstance(props, Mapping) else None
        if isinstance(events, Mapping):
            rest = generated_id[end:]
            matches = [event for event in events if rest.startswith(str(event))]
            if matches:
                line = line_of(events, max(matches, key=len)) or line
        return lid, line
    return None, None


@dataclass(frozen=True)
class DeployConfig:
    """What ``sam deploy`` would use from ``samconfig.toml``: the deployed values, when known."""

    stack_name: str | None = None
    region: str | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)
    source: str | None = None


def deploy_config(directory: Path, environment: str = "default") -> DeployConfig:
    """Read ``samconfig.toml`` beside a template (``[<env>.deploy.parameters]``, then ``global``).

    Parameter overrides are the real values of a deployment, better than template defaults.
    A missing or unreadable file is no error: defaults are used.
    """
    path = directory / "samconfig.toml"
    if not path.is_file():
        return DeployConfig()
    try:
        import tomllib
    except ImportError:  # Python 3.10
        return DeployConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return DeployConfig()
    env = data.get(environment) if isinstance(data.get(environment), dict) else {}
    settings: dict[str, Any] = {}
    for command in ("global", "deploy"):
        section = env.get(command, {}).get("parameters", {}) if isinstance(env.get(command), dict) else {}
        if isinstance(section, dict):
            settings.update(section)
    return DeployConfig(
        stack_name=settings.get("stack_name") if isinstance(settings.get("stack_name"), str) else None,
        region=settings.get("region") if isinstance(settings.get("region"), str) else None,
        parameters=_overrides(settings.get("parameter_overrides")),
        source=str(path),
    )


def _overrides(value: Any) -> dict[str, str]:
    """``Key=Value Other="a b"`` (a string or a list of them), as ``sam deploy`` parses it."""
    import shlex

    tokens: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            try:
                tokens += shlex.split(item)
            except ValueError:
                tokens += item.split()
    pairs = (token.split("=", 1) for token in tokens if "=" in token)
    return {key: val for key, val in pairs if key}
