"""Per-function audit: inventory, known vulnerabilities, reachability and blast radius.

One :class:`FunctionAudit` per function; the scan's rules (FG3xx), ``fnguard deps`` and the
CycloneDX report are all built from it, so they never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fnguard.deps.blast import blast_radius
from fnguard.deps.inventory import Inventory, collect
from fnguard.deps.matching import is_affected, smallest_fix
from fnguard.deps.model import Dependency
from fnguard.deps.reachability import ImportGraph, build_graph, reachability
from fnguard.deps.versions import scheme_for
from fnguard.deps.vulndb import Advisory, VulnDatabase
from fnguard.model import SEVERITY_RANK, App, Function

_LAYER_TYPES = ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion")


@dataclass(frozen=True)
class PackageAudit:
    """One package version a function ships, and what the database says about it."""

    dependency: Dependency
    """The entry of the first file stating it (lock files first)."""
    files: tuple[str, ...]
    """Every file stating this package version."""
    groups: tuple[tuple[Advisory, ...], ...] = ()
    """Affecting advisories, those sharing an id or alias collapsed into one group."""
    fixed_in: str | None = None
    """Smallest version above the current one that no affecting advisory covers."""
    reachable: bool | None = None
    """Imported by the handler's import graph (``None``: cannot tell)."""
    imported_by: tuple[str, ...] = ()
    """Files of the function that import it."""
    reach_reason: str = ""
    """Why :attr:`reachable` is what it is, for the finding's message."""

    @property
    def vulnerable(self) -> bool:
        return bool(self.groups)

    @property
    def ids(self) -> list[str]:
        """Every advisory id and alias, primary ids first."""
        primary = [a.id for group in self.groups for a in group]
        aliases = sorted({alias for group in self.groups for a in group for alias in a.aliases} - set(primary))
        return sorted(set(primary)) + aliases

    @property
    def base_severity(self) -> str | None:
        """The worst CVSS-rated severity of the advisories (``None`` when none is rated)."""
        rated = [a.severity for group in self.groups for a in group if a.severity]
        return max(rated, key=SEVERITY_RANK.__getitem__) if rated else None


@dataclass(frozen=True)
class FunctionAudit:
    """Everything the dependency analysis knows about one function."""

    function: Function
    """The function audited."""
    directories: tuple[str, ...]
    """Its code directory and local layer directories."""
    packages: tuple[PackageAudit, ...] = ()
    """Every pinned package version (vulnerable or not)."""
    unpinned: tuple[Dependency, ...] = ()
    """Requirements that allow a range of versions (not reproducible, not auditable)."""
    unauditable: tuple[Dependency, ...] = ()
    """URL, VCS, editable and path entries."""
    errors: tuple[str, ...] = ()
    """Unreadable dependency files and other warnings, each naming its file."""
    blast_radius: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    """Who can reach the function and what it may touch (see :mod:`fnguard.deps.blast`)."""

    @property
    def vulnerable(self) -> list[PackageAudit]:
        return [package for package in self.packages if package.vulnerable]


def _template_layers(app: App, cache: MutableMapping[str, Any] | None) -> dict[str, str]:
    """Layer logical id → local content path, read from the app's own template.

    Loaders resolve layers to ids (SAM even replaces ``ContentUri`` by a placeholder), so the
    local directory is read back from the document: SAM/CloudFormation ``ContentUri``/``Content``
    and serverless.yml's top-level ``layers: {name: {path}}``.
    """
    key = f"deps.layers:{app.source}"
    if cache is not None and key in cache:
        return cache[key]
    found: dict[str, str] = {}
    try:
        from fnguard.load.yamlsource import load_document

        document = load_document(Path(app.source))
    except Exception:  # noqa: BLE001 - any unreadable template simply has no local layers
        document = None
    if isinstance(document, dict):
        for logical_id, resource in (document.get("Resources") or {}).items():
            if isinstance(resource, dict) and resource.get("Type") in _LAYER_TYPES:
                properties = resource.get("Properties") or {}
                uri = properties.get("ContentUri") or properties.get("Content")
                if isinstance(uri, str) and not uri.startswith("s3://"):
                    found[str(logical_id)] = uri
        layers = document.get("layers")
        if isinstance(layers, dict):
            for name, settings in layers.items():
                if isinstance(settings, dict) and isinstance(settings.get("path"), str):
                    normalized = str(name).replace("-", "Dash").replace("_", "Underscore")
                    found[normalized[:1].upper() + normalized[1:] + "LambdaLayer"] = settings["path"]
    if cache is not None:
        cache[key] = found
    return found


def _layer_directories(app: App, function: Function, cache: MutableMapping[str, Any] | None = None) -> list[Path]:
    """Layers that are local directories: a path, or a template layer whose content is local."""
    root = Path(app.root)
    found: list[Path] = []
    for layer in function.layers:
        if layer.startswith("arn:"):
            continue
        reference = re.sub(r"^\$\{([^}]+)\}$", r"\1", layer.strip())
        candidate = Path(reference) if Path(reference).is_absolute() else root / reference
        if candidate.is_dir():
            found.append(candidate)
            continue
        local = _template_layers(app, cache)
        resource = app.resources.get(reference) if app.resources else None
        names = [reference]
        if resource is not None and resource.properties.get("LayerName"):
            names.append(str(resource.properties["LayerName"]))  # SAM renames DepsLayer to DepsLayer<hash>
        names.append(re.sub(r"[0-9a-f]{10}$", "", reference))
        path = next((local[name] for name in names if name in local), None)
        if path is not None and (root / path).is_dir():
            found.append(root / path)
    return found


def function_directories(app: App, function: Function, cache: MutableMapping[str, Any] | None = None) -> list[Path]:
    """Where the function's shipped files are: its code directory (or the handler's), then its layers."""
    directories: list[Path] = []
    if function.code_dir and Path(function.code_dir).is_dir():
        directories.append(Path(function.code_dir))
    elif function.handler_file and Path(function.handler_file).is_file():
        directories.append(Path(function.handler_file).parent)
    return directories + [d for d in _layer_directories(app, function, cache) if d not in directories]


def runtime_environment(function: Function) -> dict[str, str] | None:
    """PEP 508 marker values of the function's Lambda runtime (``python3.12`` on Amazon Linux)."""
    match = re.fullmatch(r"python(\d+)\.(\d+)", function.runtime or "")
    if not match:
        return None
    version = f"{match.group(1)}.{match.group(2)}"
    return {
        "python_version": version, "python_full_version": f"{version}.0", "implementation_name": "cpython",
        "platform_python_implementation": "CPython", "sys_platform": "linux", "platform_system": "Linux",
        "os_name": "posix", "platform_machine": "aarch64" if function.architecture == "arm64" else "x86_64",
    }


def applies(dependency: Dependency, environment: dict[str, str] | None) -> bool:
    """False only when the entry's marker provably excludes the runtime (unknown runtime: it applies)."""
    if not dependency.marker or environment is None:
        return True
    from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName

    try:
        return Marker(dependency.marker).evaluate({**environment, "extra": ""})
    except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName):
        return True


def runtime_ecosystem(function: Function) -> str | None:
    """The ecosystem whose packages the function's runtime loads (``None`` when unknown)."""
    runtime = (function.runtime or "").lower()
    if runtime.startswith("python"):
        return "PyPI"
    if runtime.startswith("nodejs"):
        return "npm"
    return None


def _collapse(advisories: Iterable[Advisory]) -> tuple[tuple[Advisory, ...], ...]:
    """Group advisories that share an id or alias (GHSA/PYSEC/CVE of one flaw)."""
    groups: list[tuple[set[str], list[Advisory]]] = []
    for advisory in advisories:
        ids = set(advisory.ids)
        merged = [g for g in groups if g[0] & ids]
        for group in merged:
            groups.remove(group)
            ids |= group[0]
        members = [a for g in merged for a in g[1]] + [advisory]
        groups.append((ids, members))
    return tuple(tuple(sorted(members, key=lambda a: a.id)) for _, members in sorted(groups, key=lambda g: min(g[0])))


def _match(database: VulnDatabase, dependency: Dependency) -> tuple[tuple[tuple[Advisory, ...], ...], str | None]:
    scheme = scheme_for(dependency.ecosystem)
    version = dependency.version or ""
    affected = [a for a in database.advisories(dependency.ecosystem, dependency.name) if is_affected(scheme, version, a)]
    if not affected:
        return (), None
    return _collapse(affected), smallest_fix(scheme, version, affected)


def inventory_of(directories: list[Path], cache: MutableMapping[str, Any] | None = None) -> Inventory:
    """The inventory of some directories, shared between the functions of one scan via ``cache``."""
    key = "deps.inventory:" + "|".join(str(d) for d in directories)
    if cache is not None and key in cache:
        return cache[key]
    inventory = collect(directories)
    if cache is not None:
        cache[key] = inventory
    return inventory


def audit_function(
    app: App,
    function: Function,
    database: VulnDatabase,
    cache: MutableMapping[str, Any] | None = None,
    inventory: Inventory | None = None,
) -> FunctionAudit:
    """Audit one function: one :class:`PackageAudit` per package version it ships.

    ``inventory`` replaces the walk of the function's directories (``fnguard deps FILE``).
    """
    directories = function_directories(app, function, cache) if inventory is None else []
    inventory = inventory if inventory is not None else inventory_of(directories, cache)
    graph: ImportGraph | None = build_graph(function.handler_file, function.code_dir)
    by_version: dict[tuple[str, str, str], tuple[Dependency, list[str]]] = {}
    unpinned: dict[tuple[str, str], Dependency] = {}
    unauditable: list[Dependency] = []
    pinned_names: set[tuple[str, str]] = set()
    environment = runtime_environment(function)
    for parsed in inventory.files:
        for dependency in parsed.dependencies:
            if not applies(dependency, environment):
                continue  # e.g. ``; python_version < "3.8"`` on python3.12: never installed
            scheme = scheme_for(dependency.ecosystem)
            name = scheme.normalize_name(dependency.name)
            if dependency.unauditable:
                unauditable.append(dependency)
            elif dependency.version:
                pinned_names.add((dependency.ecosystem, name))
                key = (dependency.ecosystem, name, dependency.version)
                if key in by_version:
                    by_version[key][1].append(dependency.file)
                else:
                    by_version[key] = (dependency, [dependency.file])
            elif not parsed.pins_only:
                unpinned.setdefault((dependency.ecosystem, name), dependency)
    errors = list(inventory.errors)
    python_versions: dict[str, dict[str, list[str]]] = {}
    for (ecosystem, name, version), (_dependency, files) in by_version.items():
        if ecosystem == "PyPI":
            python_versions.setdefault(name, {})[version] = files
    for name, versions in sorted(python_versions.items()):
        if len(versions) > 1:  # one Python environment holds one version: the files disagree
            stated = "; ".join(f"{v} in {', '.join(sorted(set(files)))}" for v, files in sorted(versions.items()))
            errors.append(f"conflicting pins for {name} in function {function.name}: {stated}")
    packages = []
    for dependency, files in by_version.values():
        groups, fixed_in = _match(database, dependency)
        reachable, imported_by, reason = reachability(dependency, graph)
        packages.append(
            PackageAudit(dependency, tuple(dict.fromkeys(files)), groups, fixed_in, reachable, tuple(imported_by), reason)
        )
    return FunctionAudit(
        function=function,
        directories=tuple(str(d) for d in directories),
        packages=tuple(packages),
        unpinned=tuple(d for key, d in unpinned.items() if key not in pinned_names),
        unauditable=tuple(unauditable),
        errors=tuple(errors),
        blast_radius=blast_radius(function),
    )


def audit_app(app: App, database: VulnDatabase, cache: MutableMapping[str, Any] | None = None) -> list[FunctionAudit]:
    """Audit every function of an app (inventories shared between functions of one directory)."""
    cache = cache if cache is not None else {}
    return [audit_function(app, function, database, cache) for function in app.functions]
