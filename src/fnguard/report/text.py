"""The terminal report: rich tables grouped by risk, worst severity first."""

from __future__ import annotations

import io

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from fnguard.model import RISKS, SEVERITIES
from fnguard.scan import ScanResult

_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}
_TITLES = {
    "perimeter": "1 Perimeter", "permissions": "2 Permissions", "dependencies": "3 Dependencies",
    "code": "4 Code and configuration", "wallet": "5 Denial of service and of wallet", "reuse": "6 Container reuse",
}


def render(result: ScanResult, *, color: bool = False, width: int = 140) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, width=width, no_color=not color, highlight=False)
    console.print(f"fnguard {result.version} scan report")
    for app in result.apps:
        console.print(f"[bold]{escape(app.name)}[/bold] ({app.format}, {escape(app.source)}): {len(app.functions)} functions")
    if not result.findings:
        console.print("No findings.")
    for risk in RISKS:
        items = [f for f in result.findings if f.risk == risk]
        if not items:
            continue
        table = Table(title=f"{_TITLES[risk]} ({len(items)})", title_justify="left", show_lines=False,
                      expand=True)
        table.add_column("severity", no_wrap=True)
        table.add_column("rule", no_wrap=True)
        table.add_column("function", overflow="fold", max_width=28)
        table.add_column("where", overflow="fold", max_width=36)
        table.add_column("finding and fix", overflow="fold", ratio=1)
        for item in items:
            where = f"{item.file}:{item.line}" if item.file and item.line else (item.file or "")
            text = escape(item.message) + (f"\n[dim]fix: {escape(item.remediation)}[/dim]" if item.remediation else "")
            table.add_row(f"[{_STYLE[item.severity]}]{item.severity}[/]", item.rule_id, escape(item.function or "-"),
                          escape(where), text)
        console.print(table)
    counts = {sev: sum(1 for f in result.findings if f.severity == sev) for sev in SEVERITIES}
    summary = ", ".join(f"{counts[sev]} {sev}" for sev in SEVERITIES if counts[sev])
    console.print(f"{len(result.findings)} findings" + (f" ({summary})" if summary else ""))
    hidden = {key: value for key, value in result.suppressed.items() if value}
    if hidden:
        console.print("suppressed: " + ", ".join(f"{value} by {key}" for key, value in hidden.items()))
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}")
    return buffer.getvalue()
