"""Loaders: one module per input format, all producing :class:`fnguard.model.App`.

``load_path`` finds the templates under a path and hands each to the loader of its format.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fnguard.load.yamlsource import load_document
from fnguard.model import App, InputError

SERVERLESS_NAMES = ("serverless.yml", "serverless.yaml", "serverless.json")
TEMPLATE_NAMES = ("template.yaml", "template.yml", "template.json")
_SKIP_DIRS = {"node_modules", ".git", ".aws-sam", ".serverless", "__pycache__", ".venv", "venv", "cdk.out"}
_MAX_DEPTH = 4


def detect_format(path: Path, document: Any) -> str:
    """Say which loader reads ``document``: ``serverless`` or ``cloudformation``."""
    if not isinstance(document, dict):
        raise InputError(f"{path}: not a template: the document is not a mapping")
    if "service" in document and ("provider" in document or "functions" in document):
        return "serverless"
    if "Resources" in document or "AWSTemplateFormatVersion" in document or "Transform" in document:
        return "cloudformation"
    schema = str(document.get("$schema", ""))
    if "azure" in schema.lower() or "resource" in document and isinstance(document.get("resource"), dict):
        raise InputError(f"{path}: not an AWS template (looks like Azure Resource Manager or Terraform)")
    if "resources" in document and "type" in str(document.get("resources", ""))[:200]:
        raise InputError(f"{path}: not an AWS template (looks like Google Deployment Manager)")
    raise InputError(f"{path}: not a serverless.yml nor a CloudFormation/SAM template")


def find_templates(root: Path) -> list[Path]:
    """Templates under a directory: the named ones first, else every CloudFormation-looking file."""
    direct = [root / name for name in SERVERLESS_NAMES + TEMPLATE_NAMES if (root / name).is_file()]
    if direct:
        return direct[:1] if len(direct) == 1 else _dedupe(direct)
    found: list[Path] = []
    candidates: list[Path] = []
    for path in _walk(root, 0):
        if path.name in SERVERLESS_NAMES or path.name in TEMPLATE_NAMES:
            found.append(path)
        elif path.suffix in (".yaml", ".yml", ".json", ".template") and path.parent == root:
            candidates.append(path)
    if found:
        return sorted(found)
    return [path for path in sorted(candidates) if _looks_like_cloudformation(path)]


def _dedupe(paths: list[Path]) -> list[Path]:
    """A directory with both serverless.yml and template.yaml holds two apps: keep both."""
    return paths


def _walk(directory: Path, depth: int):  # type: ignore[no-untyped-def]
    if depth > _MAX_DEPTH:
        return
    try:
        entries = sorted(directory.iterdir())
    except OSError:
        return
    for entry in entries:
        if entry.is_dir():
            if entry.name not in _SKIP_DIRS and not entry.name.startswith("."):
                yield from _walk(entry, depth + 1)
        elif entry.is_file():
            yield entry


def _looks_like_cloudformation(path: Path) -> bool:
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:4096]
    except OSError:
        return False
    return "AWSTemplateFormatVersion" in head or ("Resources" in head and "AWS::" in head)


def load_file(path: Path, *, stage: str | None = None, params: Mapping[str, str] | None = None) -> App:
    """Load one template file with the loader of its format.

    ``stage`` and ``params`` are what the deploy command would be given: ``--stage`` and
    ``--param`` for the Serverless Framework, parameter overrides for CloudFormation/SAM.
    """
    document = load_document(path)
    fmt = detect_format(path, document)
    if fmt == "serverless":
        from fnguard.load import serverless
        from fnguard.load.sls_variables import Options

        return serverless.load(path, document, options=Options(stage=stage, params=dict(params or {})))
    from fnguard.load import cloudformation

    return cloudformation.load(path, document, parameters=dict(params) if params else None)


def load_path(path: str | Path, *, stage: str | None = None, params: Mapping[str, str] | None = None) -> list[App]:
    """Load every app under ``path`` (a template file or a directory)."""
    target = Path(path)
    if not target.exists():
        raise InputError(f"{target}: no such file or directory")
    if target.is_file():
        return [load_file(target, stage=stage, params=params)]
    templates = find_templates(target)
    if not templates:
        raise InputError(f"{target}: no serverless.yml or SAM/CloudFormation template found")
    apps: list[App] = []
    errors: list[str] = []
    for template in templates:
        try:
            apps.append(load_file(template, stage=stage, params=params))
        except InputError as exc:
            if len(templates) == 1:
                raise
            errors.append(str(exc))
    if not apps:
        raise InputError(errors[0] if errors else f"{target}: nothing could be loaded")
    if errors:
        apps[0] = _with_warnings(apps[0], errors)
    return apps


def _with_warnings(app: App, warnings: list[str]) -> App:
    from dataclasses import replace

    return replace(app, warnings=tuple(app.warnings) + tuple(f"skipped: {w}" for w in warnings))
