"""Compare fnguard's perimeter/config/wallet/reuse rules with Checkov's Lambda checks on one corpus.

Checkov is not a dependency of fnguard: install it apart (``python3 -m venv /tmp/checkov-venv &&
/tmp/checkov-venv/bin/pip install checkov``) and pass ``--checkov /tmp/checkov-venv/bin/checkov``.
Both tools read the same app directories; findings are reduced to (app, subject, category) so
that "Checkov: no DLQ on function F" and "fnguard FG433 on F" meet. The script prints, per
category, what both report, what only one reports, and each tool's wall time on the corpus.

    python3 bench/checkov_compare.py --corpus ../shared/corpus/apps --checkov /tmp/checkov-venv/bin/checkov
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

# Checkov check id → comparison category. Only checks about Lambda functions, their permissions and
# the gateways in front of them; bucket, table and network checks are out of scope for both sides.
CHECKOV_CATEGORY: dict[str, str] = {
    "CKV_AWS_45": "secret-in-config",
    "CKV_AWS_116": "dead-letter",
    "CKV_AWS_115": "concurrency",
    "CKV_AWS_50": "tracing",
    "CKV_AWS_272": "code-signing",
    "CKV_AWS_258": "function-url-auth",
    "CKV_AWS_301": "invoke-permission",
    "CKV_AWS_364": "invoke-permission",
    "CKV_AWS_363": "runtime",
    "CKV_AWS_59": "api-auth",
    "CKV_AWS_117": "vpc (checkov only)",
    "CKV_AWS_173": "env-kms (checkov only)",
}
FNGUARD_CATEGORY: dict[str, str] = {
    "FG101": "api-auth", "FG102": "api-auth", "FG103": "function-url-auth", "FG104": "invoke-permission",
    "FG105": "public-trigger-source", "FG106": "cors", "FG107": "request-validation",
    "FG430": "secret-in-config", "FG431": "secret-in-config", "FG432": "runtime", "FG433": "dead-letter",
    "FG434": "tracing", "FG435": "code-signing", "FG436": "foreign-layer",
    "FG501": "concurrency", "FG502": "timeout", "FG503": "stream-retries", "FG504": "recursive-loop",
    "FG601": "tmp-left-behind", "FG602": "module-state",
}
# Categories compared per app rather than per function (Checkov reports them on gateway resources).
APP_LEVEL = {"api-auth"}
SUBJECT_IS_RESOURCE = {"invoke-permission"}

Key = tuple[str, str, str]


def app_dirs(corpus: Path) -> list[Path]:
    """The same units both tools scan: each top-level app, and each app of the two collections."""
    dirs: list[Path] = []
    for entry in sorted(corpus.iterdir()):
        if not entry.is_dir():
            continue
        children = [c for c in sorted(entry.iterdir()) if c.is_dir()]
        if entry.name.startswith(("serverless-examples", "serverless-patterns")):
            dirs.extend(children)
        else:
            dirs.append(entry)
    return dirs


def run_fnguard(dirs: Iterable[Path], corpus: Path) -> tuple[set[Key], float, int]:
    from fnguard.analyze import ScanContext, load_rules
    from fnguard.analyze.registry import CHECKS
    from fnguard.load import load_path
    from fnguard.model import InputError

    load_rules()
    ours = [c for c in CHECKS if any(r in FNGUARD_CATEGORY for r in c.rule_ids)]
    keys: set[Key] = set()
    count = 0
    started = time.perf_counter()
    for directory in dirs:
        try:
            apps = load_path(directory)
        except InputError:
            continue
        for app in apps:
            context = ScanContext()
            for registered in ours:
                for finding in registered.function(app, context):
                    if finding.rule_id not in FNGUARD_CATEGORY or finding.severity == "info":
                        continue
                    count += 1
                    category = FNGUARD_CATEGORY[finding.rule_id]
                    if finding.details.get("scope") == "public-api":
                        category = "api-auth"  # an open API method writing into the trigger: Checkov's CKV_AWS_59 door
                    subject = finding.function or ""
                    if category in SUBJECT_IS_RESOURCE:
                        subject = str(finding.details.get("subject", subject))
                    if category in APP_LEVEL:
                        subject = "*"
                    keys.add((str(directory.relative_to(corpus)), subject, category))
    return keys, time.perf_counter() - started, count


def run_checkov(binary: str, corpus: Path, cached: Path | None) -> tuple[list[dict], float]:
    timing = cached.with_suffix(cached.suffix + ".seconds") if cached else None
    if cached and cached.exists():
        seconds = float(timing.read_text()) if timing and timing.exists() else float("nan")
        return _failed(json.loads(cached.read_text())), seconds
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE")
    started = time.perf_counter()
    done = subprocess.run(
        [binary, "-d", str(corpus), "--framework", "cloudformation", "serverless", "-o", "json", "--quiet",
         "--skip-download"],
        capture_output=True, text=True, env=env, check=False,
    )
    elapsed = time.perf_counter() - started
    if not done.stdout.strip():
        sys.exit(f"checkov produced no output: {done.stderr[-400:]}")
    if cached and timing:
        cached.write_text(done.stdout)
        timing.write_text(f"{elapsed:.3f}")
    return _failed(json.loads(done.stdout)), elapsed


def _failed(report: object) -> list[dict]:
    reports = report if isinstance(report, list) else [report]
    return [check for r in reports if isinstance(r, dict)
            for check in (r.get("results") or {}).get("failed_checks", [])]


def checkov_keys(failed: list[dict], dirs: list[Path], corpus: Path) -> set[Key]:
    names = sorted((str(d.relative_to(corpus)) for d in dirs), key=len, reverse=True)
    keys: set[Key] = set()
    for check in failed:
        category = CHECKOV_CATEGORY.get(check["check_id"])
        if category is None:
            continue
        path = check["file_path"].lstrip("/")
        app = next((n for n in names if path == n or path.startswith(n + "/")), None)
        if app is None:
            continue
        subject = check["resource"].split(".", 1)[-1]
        if category in APP_LEVEL:
            subject = "*"
        keys.add((app, subject, category))
    return keys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus" / "apps")
    parser.add_argument("--checkov", default=shutil.which("checkov") or "/tmp/checkov-venv/bin/checkov")
    parser.add_argument("--checkov-json", type=Path, help="reuse (or save) Checkov's JSON report here")
    parser.add_argument("--examples", type=int, default=3, help="examples printed per one-sided cell")
    args = parser.parse_args(argv)

    corpus = args.corpus.resolve()
    dirs = app_dirs(corpus)
    ours, our_time, our_count = run_fnguard(dirs, corpus)
    failed, their_time = run_checkov(args.checkov, corpus, args.checkov_json)
    theirs = checkov_keys(failed, dirs, corpus)

    categories = sorted({k[2] for k in ours | theirs})
    print(f"corpus: {corpus} ({len(dirs)} app directories)")
    print(f"fnguard (FG1xx, FG43x, FG50x, FG6xx; info excluded): {our_count} findings, {our_time:.1f} s")
    print(f"checkov (cloudformation + serverless; Lambda/API checks kept): {len(theirs)} subjects, "
          f"{their_time:.1f} s (checkov/fnguard time ratio {their_time / our_time:.1f}x; fnguard's time includes "
          "loading, Checkov's its whole run)")
    print()
    print(f"{'category':30} {'both':>6} {'fnguard only':>13} {'checkov only':>13}")
    examples: dict[str, list[str]] = collections.defaultdict(list)
    for category in categories:
        a = {k for k in ours if k[2] == category}
        b = {k for k in theirs if k[2] == category}
        print(f"{category:30} {len(a & b):>6} {len(a - b):>13} {len(b - a):>13}")
        for side, keys in (("fnguard only", a - b), ("checkov only", b - a)):
            for app, subject, _ in sorted(keys)[: args.examples]:
                examples[f"{category} / {side}"].append(f"{app}: {subject}")
    print()
    for cell, items in examples.items():
        print(f"{cell}:")
        for item in items:
            print(f"  {item}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
