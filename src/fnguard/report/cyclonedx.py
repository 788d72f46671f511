"""CycloneDX (1.6 JSON, or 1.5) SBOM of what each function ships, with its known vulnerabilities.

Built with ``cyclonedx-python-lib`` (the ``sbom`` extra). One BOM per run: the scanned path is
the BOM's subject, every package version one component (purl as bom-ref) carrying the apps and
functions that ship it as properties, and every advisory group one vulnerability affecting it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from fnguard import __version__
from fnguard.deps.audit import FunctionAudit
from fnguard.model import App, InputError

_PURL_TYPES = {"PyPI": "pypi", "npm": "npm"}
_SOURCES = {"PYSEC": ("PyPA", "https://github.com/pypa/advisory-database"), "GHSA": ("GitHub", "https://github.com/advisories"),
            "NSWG": ("Node.js security WG", "https://github.com/nodejs/security-wg"), "CVE": ("NVD", "https://nvd.nist.gov/")}


def _purl(ecosystem: str, name: str, version: str | None) -> str:
    from packageurl import PackageURL

    if ecosystem == "npm" and name.startswith("@") and "/" in name:
        namespace, _, short = name.partition("/")
        return str(PackageURL(type="npm", namespace=namespace, name=short, version=version))
    return str(PackageURL(type=_PURL_TYPES.get(ecosystem, ecosystem.lower()), name=name, version=version))


def render(subject: str, audits: Sequence[tuple[App, Sequence[FunctionAudit]]], schema: str = "1.6") -> str:
    """The BOM as JSON text; raises :class:`InputError` when the ``sbom`` extra is missing."""
    try:
        from cyclonedx.model import Property, XsUri
        from cyclonedx.model.bom import Bom
        from cyclonedx.model.component import Component, ComponentType
        from cyclonedx.model.vulnerability import (
            BomTarget,
            Vulnerability,
            VulnerabilityRating,
            VulnerabilityReference,
            VulnerabilityScoreSource,
            VulnerabilitySeverity,
            VulnerabilitySource,
        )
        from cyclonedx.output.json import JsonV1Dot5, JsonV1Dot6
    except ModuleNotFoundError:
        raise InputError("--format cyclonedx needs cyclonedx-python-lib: pip install 'fnguard[sbom]'") from None

    bom = Bom()
    bom.metadata.component = Component(name=subject, type=ComponentType.APPLICATION, bom_ref=f"fnguard:{subject}")
    bom.metadata.properties.add(Property(name="fnguard:version", value=__version__))
    components: dict[str, Component] = {}
    vulnerabilities: dict[str, Vulnerability] = {}
    for app, function_audits in audits:
        for audit in function_audits:
            for package in audit.packages:
                dependency = package.dependency
                ref = _purl(dependency.ecosystem, dependency.name, dependency.version)
                component = components.get(ref)
                if component is None:
                    component = Component(name=dependency.name, version=dependency.version, type=ComponentType.LIBRARY,
                                          purl=None, bom_ref=ref)
                    from packageurl import PackageURL

                    component.purl = PackageURL.from_string(ref)
                    components[ref] = component
                    bom.components.add(component)
                component.properties.add(Property(name="fnguard:function", value=f"{app.name}/{audit.function.name}"))
                for path in package.files:
                    component.properties.add(Property(name="fnguard:file", value=path))
                if package.reachable is not None:
                    component.properties.add(Property(name="fnguard:reachable", value=str(package.reachable).lower()))
                for group in package.groups:
                    primary = group[0]
                    key = primary.id
                    vulnerability = vulnerabilities.get(key)
                    if vulnerability is None:
                        prefix = primary.id.split("-")[0]
                        name, url = _SOURCES.get(prefix, (prefix, None))
                        rated = next((a for a in group if a.severity), None)
                        ratings = []
                        if rated is not None:
                            ratings.append(VulnerabilityRating(
                                severity=VulnerabilitySeverity(rated.severity),
                                score=Decimal(str(rated.score)) if rated.score is not None else None,
                                method=VulnerabilityScoreSource.CVSS_V3 if rated.score is not None else None,
                            ))
                        aliases = sorted({x for a in group for x in a.ids} - {key})
                        vulnerability = Vulnerability(
                            bom_ref=f"{key}",
                            id=key,
                            source=VulnerabilitySource(name=name, url=XsUri(url) if url else None),
                            references=[VulnerabilityReference(id=alias, source=VulnerabilitySource(name=_SOURCES.get(alias.split("-")[0], (alias.split("-")[0], None))[0]))
                                        for alias in aliases],
                            ratings=ratings,
                            description=primary.summary or None,
                            recommendation=f"Upgrade {dependency.name} to {package.fixed_in}" if package.fixed_in else None,
                        )
                        vulnerabilities[key] = vulnerability
                        bom.vulnerabilities.add(vulnerability)
                    if not any(t.ref == ref for t in vulnerability.affects):
                        vulnerability.affects.add(BomTarget(ref=ref))
    bom.register_dependency(bom.metadata.component, components.values())
    writer = JsonV1Dot5(bom) if schema == "1.5" else JsonV1Dot6(bom)
    return writer.output_as_string(indent=2) + "\n"
