"""The JSON report: DESIGN.md's public shape, extended (never changed) with summary and warnings."""

from __future__ import annotations

import json

from fnguard.scan import ScanResult


def render(result: ScanResult) -> str:
    return json.dumps(result.to_json(), indent=2, default=str) + "\n"
