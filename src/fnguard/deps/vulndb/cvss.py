"""Severity of an advisory from its CVSS vector.

CVSS v3.x base scores are computed exactly (FIRST's formula). CVSS v4 scoring needs FIRST's
macro-vector lookup table; until a permissively licensed library for it is adopted, a v4 vector
is scored by reading its metrics as their v3.1 counterparts (AT:P as AC:H, subsequent-system
impact as a changed scope). On the PyPA records that carry both vectors the qualitative rating
agrees with the v3 one in most cases (see tests/deps/test_deps_cvss.py).
"""

from __future__ import annotations

import math

_V3_WEIGHTS = {
    "AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
    "AC": {"L": 0.77, "H": 0.44},
    "UI": {"N": 0.85, "R": 0.62},
    "C": {"H": 0.56, "L": 0.22, "N": 0.0},
    "I": {"H": 0.56, "L": 0.22, "N": 0.0},
    "A": {"H": 0.56, "L": 0.22, "N": 0.0},
}
_V3_PR = {"U": {"N": 0.85, "L": 0.62, "H": 0.27}, "C": {"N": 0.85, "L": 0.68, "H": 0.5}}


def _roundup(value: float) -> float:
    integer = int(round(value * 100000))
    return integer / 100000.0 if integer % 10000 == 0 else (math.floor(integer / 10000) + 1) / 10.0


def _metrics(vector: str) -> dict[str, str]:
    return dict(part.split(":", 1) for part in vector.split("/")[1:] if ":" in part)


def cvss3_score(vector: str) -> float:
    """The CVSS v3.0/v3.1 base score of a vector such as ``CVSS:3.1/AV:N/AC:L/...``."""
    m = _metrics(vector)
    scope = m["S"]
    iss = 1 - (1 - _V3_WEIGHTS["C"][m["C"]]) * (1 - _V3_WEIGHTS["I"][m["I"]]) * (1 - _V3_WEIGHTS["A"][m["A"]])
    impact = 6.42 * iss if scope == "U" else 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15
    exploitability = 8.22 * _V3_WEIGHTS["AV"][m["AV"]] * _V3_WEIGHTS["AC"][m["AC"]] * _V3_PR[scope][m["PR"]]
    exploitability *= _V3_WEIGHTS["UI"][m["UI"]]
    if impact <= 0:
        return 0.0
    if scope == "U":
        return _roundup(min(impact + exploitability, 10))
    return _roundup(min(1.08 * (impact + exploitability), 10))


def cvss4_estimate(vector: str) -> float:
    """An approximate CVSS v4 score: the v4 metrics read as their v3.1 counterparts (see the module docstring)."""
    m = _metrics(vector)
    level = {"H": 2, "L": 1, "N": 0}
    subsequent = max(level.get(m.get(k, "N"), 0) for k in ("SC", "SI", "SA"))
    vulnerable = max(level.get(m.get(k, "N"), 0) for k in ("VC", "VI", "VA"))
    changed = subsequent > vulnerable
    pick = {2: "H", 1: "L", 0: "N"}

    def impact(vulnerable_key: str, subsequent_key: str) -> str:
        value = level.get(m.get(vulnerable_key, "N"), 0)
        if changed:
            value = max(value, level.get(m.get(subsequent_key, "N"), 0))
        return pick[value]

    v3 = "/".join([
        "CVSS:3.1",
        f"AV:{m.get('AV', 'N')}",
        f"AC:{'H' if m.get('AC') == 'H' or m.get('AT') == 'P' else 'L'}",
        f"PR:{m.get('PR', 'N')}",
        f"UI:{'N' if m.get('UI', 'N') == 'N' else 'R'}",
        f"S:{'C' if changed else 'U'}",
        f"C:{impact('VC', 'SC')}", f"I:{impact('VI', 'SI')}", f"A:{impact('VA', 'SA')}",
    ])
    return cvss3_score(v3)


def rating(score: float) -> str:
    """CVSS qualitative rating mapped onto fnguard severities (None maps to info)."""
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    if score > 0:
        return "low"
    return "info"


def severity_of(entries: list[dict[str, str]]) -> tuple[str | None, float | None, str | None]:
    """``(severity, score, vector)`` from an OSV ``severity`` list; v3 preferred over v4."""
    by_type = {entry.get("type"): entry.get("score", "") for entry in entries or []}
    vector = by_type.get("CVSS_V3")
    try:
        if vector:
            score = cvss3_score(vector)
            return rating(score), score, vector
        vector = by_type.get("CVSS_V4")
        if vector:
            score = cvss4_estimate(vector)
            return rating(score), score, vector
    except (KeyError, ValueError, IndexError):
        return None, None, vector
    return None, None, None
