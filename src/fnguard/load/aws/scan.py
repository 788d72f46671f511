"""``fnguard scan --aws``: the scan pipeline of :mod:`fnguard.scan` over a live account.

The deployed packages are unpacked in a temporary directory that lives as long as the
analyses need it; findings in code then name files relative to the package, as the template
scan names them relative to the project (``handlers/create_order.py`` in both).
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from fnguard.analyze import ScanContext, analyze
from fnguard.load.aws.client import Account, Options
from fnguard.load.aws.code import CodeStore
from fnguard.load.aws.region import Progress, read_region
from fnguard.model import App, Finding
from fnguard.project_config import load_project_config
from fnguard.scan import ScanResult, sort_key
from fnguard.suppression import Baseline, Suppressor


def scan_account(options: Options, *, baseline: Path | None = None, vuln_db: str | None = None,
                 config_dir: Path | None = None) -> ScanResult:
    """Read every selected region, analyse each as an app, filter; raises InputError on failure.

    The fnguard.yml of ``config_dir`` (default: the current directory) applies, as it would to
    the project's template: an account has no project root of its own.
    """
    config = load_project_config(config_dir or Path.cwd())
    with _workdir() as work:
        account = Account(options)
        try:
            apps = load_account(account, work)
        finally:
            account.close()
        findings: list[Finding] = []
        warnings: list[str] = list(account.warnings)
        counts = {"inline": 0, "config": 0, "baseline": 0}
        inline = Suppressor(Path("/"), ())
        configured = Suppressor(work / ".no-files-here", config.ignore)  # fnguard.yml entries only
        for app in apps:
            context = ScanContext(config=config.raw, vuln_db=vuln_db)
            for item in analyze(app, context):
                reason = inline.why_suppressed(item) if item.file and Path(item.file).is_absolute() else None
                relative = _relative(item, work)
                reason = reason or configured.why_suppressed(relative)
                if reason:
                    counts[reason] += 1
                else:
                    findings.append(relative)
            warnings.extend(f"{app.name}: {w}" for w in app.warnings)
            warnings.extend(w.replace(f"{work}/", "") for w in context.warnings)
    if baseline is not None:
        known = Baseline.read(baseline)
        before = len(findings)
        findings = [f for f in findings if not known.contains(f)]
        counts["baseline"] = before - len(findings)
    unique = list({(f.rule_id, f.function, f.file, f.line, f.message): f for f in findings}.values())
    unique.sort(key=sort_key)
    return ScanResult(apps=apps, findings=unique, warnings=warnings, suppressed=counts)


def load_account(account: Account, work: Path) -> list[App]:
    """One App per region; code is unpacked under ``work``, which must outlive the analyses."""
    regions = account.regions()
    identity = account.call("sts", regions[0], "GetCallerIdentity", missing_ok=False) or {}
    account_id = str(identity.get("Account", "unknown"))
    code = CodeStore(account, work)
    apps = []
    with _progress(account.options.progress) as report:
        for region in regions:
            apps.append(read_region(account, account_id, region, work, code,
                                    (lambda phase, done, total, r=region: report(f"{r}: {phase}", done, total))))
    return apps


def _relative(item: Finding, work: Path) -> Finding:
    """Files inside an unpacked package, relative to the package (``<sha>/x.py`` → ``x.py``)."""
    if not item.file:
        return item
    path = Path(item.file)
    try:
        inside = path.relative_to(work) if path.is_absolute() else path
    except ValueError:
        return item
    if path.is_absolute() or (len(inside.parts) > 1 and (work / inside.parts[0]).is_dir()):
        return replace(item, file=str(Path(*inside.parts[1:])) if len(inside.parts) > 1 else str(inside))
    return item


@contextmanager
def _workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="fnguard-aws-") as name:
        yield Path(name).resolve()


@contextmanager
def _progress(enabled: bool) -> Iterator[Progress]:
    """A rich progress bar on stderr when it is a terminal; a no-op otherwise (CI logs, pipes)."""
    if not enabled or not sys.stderr.isatty():
        yield lambda phase, done, total: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("reading the account", total=None)

        def report(phase: str, done: int, total: int) -> None:
            bar.update(task, description=phase, completed=done, total=total or None)

        yield report
