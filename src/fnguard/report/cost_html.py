"""A self-contained HTML page charting cost per day against attack rate, entry point by entry point.

The chart is inline SVG (no script, no external asset): each curve bends where a limit — the
gateway throttle or the function's concurrency — takes over, and those points are marked.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from fnguard.cost.model import Assumptions, app_costs
from fnguard.model import App

_RATES = [10 ** (exponent / 8) for exponent in range(0, 41)]  # 1 .. 100,000 rps, log spaced
_WIDTH, _HEIGHT, _PAD = 640, 300, 60
_COLORS = ("#c0392b", "#2980b9", "#27ae60", "#8e44ad", "#d35400", "#16a085", "#2c3e50", "#f39c12")


def _x(rate: float) -> float:
    return _PAD + (math.log10(rate) / 5.0) * (_WIDTH - 2 * _PAD)


def _y(cost: float, top: float) -> float:
    scaled = math.log10(1 + cost) / math.log10(1 + top) if top > 0 else 0
    return _HEIGHT - _PAD + 20 - scaled * (_HEIGHT - _PAD - 20)


def _chart(series: list[tuple[str, list[tuple[float, float]], list[tuple[float, str]]]]) -> str:
    top = max((cost for _, points, _ in series for _, cost in points), default=1.0) or 1.0
    parts = [f'<svg role="img" viewBox="0 0 {_WIDTH} {_HEIGHT + 20}" width="{_WIDTH}" height="{_HEIGHT + 20}" '
             'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="11">']
    base = _HEIGHT - _PAD + 20
    parts.append(f'<line x1="{_PAD}" y1="{base}" x2="{_WIDTH - _PAD}" y2="{base}" stroke="#333"/>')
    parts.append(f'<line x1="{_PAD}" y1="20" x2="{_PAD}" y2="{base}" stroke="#333"/>')
    for exponent in range(0, 6):
        x = _x(10 ** exponent)
        parts.append(f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle">{10 ** exponent:,}</text>')
    parts.append(f'<text x="{_WIDTH / 2}" y="{base + 34}" text-anchor="middle">attack rate (requests/s, log)</text>')
    for fraction in (0.0, 0.25, 0.5, 0.75, 1.0):
        value = (1 + top) ** fraction - 1
        y = _y(value, top)
        parts.append(f'<text x="{_PAD - 6}" y="{y + 4:.1f}" text-anchor="end">${value:,.0f}</text>')
        parts.append(f'<line x1="{_PAD}" y1="{y:.1f}" x2="{_WIDTH - _PAD}" y2="{y:.1f}" stroke="#eee"/>')
    for index, (label, points, marks) in enumerate(series):
        color = _COLORS[index % len(_COLORS)]
        path = " ".join(f"{'M' if i == 0 else 'L'}{_x(r):.1f},{_y(c, top):.1f}" for i, (r, c) in enumerate(points))
        parts.append(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="2">'
                     f'<title>{html.escape(label)}</title></path>')
        for rate, text in marks:
            if 1 <= rate <= 100_000:
                x = _x(rate)
                parts.append(f'<line x1="{x:.1f}" y1="20" x2="{x:.1f}" y2="{base}" stroke="{color}" '
                             f'stroke-dasharray="4 3"><title>{html.escape(text)}</title></line>')
                parts.append(f'<text x="{x + 3:.1f}" y="{30 + 12 * index}" fill="{color}">{html.escape(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render(apps: list[App], assumptions: Assumptions, described: Mapping[str, Any]) -> str:
    sections = []
    for app in apps:
        for cost in app_costs(app, assumptions):
            function = app.function(cost.function)
            trigger = next(t for t in function.triggers if _label(t) == cost.trigger) if function else None
            if function is None or trigger is None:
                continue
            points = []
            for rate in _RATES:
                from fnguard.cost.model import entry_point_cost

                at_rate = entry_point_cost(function, trigger, replace(assumptions, rps=rate))
                points.append((rate, at_rate.daily_cost))
            marks = [(cost.concurrency_limit_rps, f"concurrency limit {cost.concurrency_limit_rps:,.0f} rps")]
            if cost.gateway_limit_rps is not None:
                marks.append((cost.gateway_limit_rps, f"gateway limit {cost.gateway_limit_rps:,.0f} rps"))
            title = f"{app.name} / {cost.function} — {cost.trigger}"
            sections.append(
                f"<section><h2>{html.escape(title)}</h2>"
                f"<p>At {assumptions.rps:,.0f} rps for {assumptions.hours:g} h: <strong>${cost.total_cost:,.2f}"
                f"</strong> (Lambda ${cost.lambda_cost:,.2f}, gateway ${cost.gateway_cost:,.2f}, source "
                f"${cost.source_cost:,.2f}); bounded by {html.escape(cost.bounded_by)}. "
                f"{html.escape(cost.recommendation)}.</p>"
                f"{_chart([(title, points, marks)])}</section>")
    assumptions_html = "".join(f"<li>{html.escape(str(k))}: {html.escape(str(v))}</li>" for k, v in described.items())
    body = "".join(sections) or "<p>No entry point an attacker can drive.</p>"
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
            "<title>fnguard cost</title><style>body{font-family:sans-serif;max-width:760px;margin:2em auto}"
            "section{margin-bottom:2em}</style></head><body><h1>fnguard: denial-of-wallet exposure</h1>"
            f"<p>Cost per day against attack rate, per entry point.</p><ul>{assumptions_html}</ul>{body}"
            "</body></html>\n")


def _label(trigger: Any) -> str:
    from fnguard.cost.model import trigger_label

    return trigger_label(trigger)
