"""Analyses, one module per risk, and the registry they declare their rules in.

Importing this package imports every analysis module so that the registry is complete.
"""

from __future__ import annotations

import importlib

from fnguard.analyze.context import ScanContext
from fnguard.analyze.registry import CHECKS, RULES
from fnguard.model import App, Finding

# Each module registers its rules and checks on import. Order is the report's default order.
ANALYSIS_MODULES = (
    "fnguard.analyze.perimeter",
    "fnguard.analyze.permissions",
    "fnguard.analyze.dependencies",
    "fnguard.analyze.code",
    "fnguard.analyze.config",
    "fnguard.analyze.wallet",
    "fnguard.analyze.wallet_cost",
    "fnguard.analyze.reuse",
)


def load_rules() -> None:
    """Import every analysis module that exists (modules land one issue at a time)."""
    for name in ANALYSIS_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def analyze(app: App, context: ScanContext) -> list[Finding]:
    """Run every registered check over one app; a crashing check becomes a warning."""
    load_rules()
    findings: list[Finding] = []
    for registered in CHECKS:
        try:
            findings.extend(registered.function(app, context))
        except Exception as exc:  # noqa: BLE001 - one broken check must not lose the others
            context.warn(f"{app.name}: check {registered.function.__name__} failed: {exc!r}")
    return findings


__all__ = ["RULES", "ScanContext", "analyze", "load_rules"]
