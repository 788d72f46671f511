"""Server-rendered SVG charts: no script runs in the page, so the CSP can forbid all scripts.

Every text placed in the SVG goes through markupsafe.escape; numbers are formatted by us.
"""

from __future__ import annotations

from markupsafe import Markup, escape

PALETTE = ("#d62728", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")


def _color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _legend(names: list[str], x: int, y: int) -> str:
    parts = []
    for i, name in enumerate(names[:10]):
        parts.append(f'<rect x="{x}" y="{y + i * 16}" width="10" height="10" fill="{_color(i)}"/>'
                     f'<text x="{x + 14}" y="{y + i * 16 + 9}" class="legend">{escape(name)}</text>')
    return "".join(parts)


def _axis_labels(labels: list[str], left: int, step: float, bottom: int) -> str:
    every = max(1, len(labels) // 6)
    return "".join(f'<text x="{left + i * step + step / 2:.1f}" y="{bottom + 14}" class="tick" text-anchor="middle">'
                   f'{escape(label[-5:] if len(label) > 10 else label[5:])}</text>'
                   for i, label in enumerate(labels) if i % every == 0)


def stacked_bars(title: str, labels: list[str], series: dict[str, list[int]], width: int = 720,
                 height: int = 220) -> Markup:
    """Stacked bars per bucket; ``series`` maps a name (attack class) to one count per label."""
    names = sorted(series, key=lambda n: -sum(series[n]))
    left, top, right, bottom = 40, 24, width - 150, height - 24
    totals = [sum(series[n][i] for n in names) for i in range(len(labels))]
    peak = max(totals or [0]) or 1
    step = (right - left) / max(1, len(labels))
    bars = []
    for i in range(len(labels)):
        y = float(bottom)
        for k, name in enumerate(names):
            value = series[name][i]
            if not value:
                continue
            h = (bottom - top) * value / peak
            y -= h
            bars.append(f'<rect x="{left + i * step + 1:.1f}" y="{y:.1f}" width="{max(1.0, step - 2):.1f}" '
                        f'height="{h:.1f}" fill="{_color(k)}"><title>{escape(name)} {escape(labels[i])}: {value}'
                        f'</title></rect>')
    svg = (f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
           f'<text x="{left}" y="14" class="chart-title">{escape(title)}</text>'
           f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" class="axis"/>'
           f'<text x="{left - 4}" y="{top + 8}" class="tick" text-anchor="end">{peak}</text>'
           + "".join(bars) + _axis_labels(labels, left, step, bottom) + _legend(names, right + 10, top)
           + (f'<text x="{(left + right) / 2:.0f}" y="{(top + bottom) / 2:.0f}" class="empty" text-anchor="middle">'
              'no data</text>' if not bars else "") + "</svg>")
    return Markup(svg)


def lines(title: str, labels: list[str], series: dict[str, list[int]], width: int = 720, height: int = 220) -> Markup:
    """One polyline per series (invocation rates per function)."""
    names = sorted(series, key=lambda n: -sum(series[n]))[:10]
    left, top, right, bottom = 40, 24, width - 150, height - 24
    peak = max((max(series[n]) for n in names), default=0) or 1
    step = (right - left) / max(1, len(labels))
    paths = []
    for k, name in enumerate(names):
        points = " ".join(f"{left + i * step + step / 2:.1f},{bottom - (bottom - top) * v / peak:.1f}"
                          for i, v in enumerate(series[name]))
        paths.append(f'<polyline points="{points}" fill="none" stroke="{_color(k)}" stroke-width="2">'
                     f'<title>{escape(name)}</title></polyline>')
    svg = (f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
           f'<text x="{left}" y="14" class="chart-title">{escape(title)}</text>'
           f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" class="axis"/>'
           f'<text x="{left - 4}" y="{top + 8}" class="tick" text-anchor="end">{peak}</text>'
           + "".join(paths) + _axis_labels(labels, left, step, bottom) + _legend(names, right + 10, top)
           + (f'<text x="{(left + right) / 2:.0f}" y="{(top + bottom) / 2:.0f}" class="empty" text-anchor="middle">'
              'no data</text>' if not paths else "") + "</svg>")
    return Markup(svg)


def sparkline(values: list[int], width: int = 160, height: int = 36) -> Markup:
    peak = max(values or [0]) or 1
    step = width / max(1, len(values) - 1)
    points = " ".join(f"{i * step:.1f},{height - 2 - (height - 4) * v / peak:.1f}" for i, v in enumerate(values))
    return Markup(f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
                  f'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="trend">'
                  f'<polyline points="{points}" fill="none" stroke="#1f77b4" stroke-width="2"/></svg>')


def skeleton(name: str, triggers: list[dict], resources: list[dict], width: int = 900) -> Markup:
    """Triggers → function → resources, as three columns of boxes joined by lines."""
    row_h = 30
    rows = max(len(triggers), len(resources), 1)
    height = 40 + rows * row_h
    mid_y = height / 2
    fn_x, fn_w = width / 2 - 90, 180
    parts = [f'<rect x="{fn_x:.0f}" y="{mid_y - 16:.0f}" width="{fn_w}" height="32" rx="6" class="node fn"/>'
             f'<text x="{width / 2:.0f}" y="{mid_y + 5:.0f}" text-anchor="middle" class="node-label">'
             f'{escape(name[:28])}</text>']
    for i, trigger in enumerate(triggers):
        y = 24 + i * row_h
        css = "node trigger public" if trigger.get("public") else "node trigger"
        label = f"{trigger.get('label')}{' · public' if trigger.get('public') else ''} · auth {trigger.get('auth')}"
        parts.append(f'<line x1="260" y1="{y + 12}" x2="{fn_x:.0f}" y2="{mid_y:.0f}" class="edge"/>'
                     f'<rect x="10" y="{y}" width="250" height="24" rx="4" class="{css}"/>'
                     f'<text x="16" y="{y + 16}" class="node-label">{escape(label[:40])}'
                     f'<title>{escape(label)} {escape(trigger.get("source") or "")}</title></text>')
    for i, resource in enumerate(resources):
        y = 24 + i * row_h
        css = "node resource wildcard" if resource.get("wildcard") else "node resource"
        actions = ", ".join(resource.get("actions", []))
        parts.append(f'<line x1="{fn_x + fn_w:.0f}" y1="{mid_y:.0f}" x2="{width - 260}" y2="{y + 12}" class="edge"/>'
                     f'<rect x="{width - 260}" y="{y}" width="250" height="24" rx="4" class="{css}"/>'
                     f'<text x="{width - 254}" y="{y + 16}" class="node-label">{escape(str(resource["resource"])[-38:])}'
                     f'<title>{escape(str(resource["resource"]))}: {escape(actions)}</title></text>')
    return Markup(f'<svg class="skeleton" role="img" aria-label="skeleton of {escape(name)}" viewBox="0 0 {width} {height}" '
                  f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">' + "".join(parts) + "</svg>")
