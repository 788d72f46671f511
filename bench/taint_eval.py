"""Recall and precision of fnguard's taint analysis on the corpus apps, beside Bandit and Semgrep.

The handler code is not in the corpus: each app's HANDLERS.txt lists files and a commit, and
this script extracts them from the local bare mirrors (``/work/.mirror/<owner>+<repo>/repo``,
or ``FNGUARD_MIRRORS``) into a temporary directory, never into the repository. An app whose
mirror is absent is skipped with a message.

Ground truth is ``taint_ground_truth.tsv``: ``TP*`` rows must be reported, ``FP-trap``/``TN``/
``sanitized``/``dead code`` rows must not, other rows (``low``, ``hard``, ``logic``) are
neutral. Findings are compared per (file, line). "listed precision" counts only lines the
ground truth talks about; "strict precision" counts every other finding as false.

Bandit (sink-type tests only) and Semgrep (the ``python/aws-lambda/security`` rules of the
semgrep-rules mirror) run on the same files in the same run when they are installed.

    python bench/taint_eval.py [--corpus /work/shared/corpus/apps] [--json]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from fnguard.analyze.code import analyze_paths

MIRRORS = Path(os.environ.get("FNGUARD_MIRRORS", "/work/.mirror"))
APPS = {
    "DVSA": "OWASP+DVSA",
    "Serverless-Goat-Python": "motikan2010+Serverless-Goat-Python",
    "DVFaaS": "we45+DVFaaS-Damn-Vulnerable-Functions-as-a-Service",
    "serverless-examples-aws-python": "serverless+examples",
    "serverless-patterns-python-sam": "aws-samples+serverless-patterns",
}
SEMGREP_RULES_MIRROR = "semgrep+semgrep-rules"

# Expected findings the corpus README's section 3 table lists but the TSV has only in a note.
README_EXPECTED = (
    ("serverless-patterns-python-sam", "lambda-s3-download/src/app.py", "35", "TP (README §3 table: open()/path)"),
)

BANDIT_SINK_TESTS = frozenset({
    "B102", "B301", "B302", "B307", "B310", "B313", "B314", "B315", "B316", "B317", "B318", "B319", "B320",
    "B506", "B602", "B604", "B605", "B606", "B607", "B608", "B609", "B701", "B702", "B703", "B321", "B611",
})
"""Bandit tests that name a dangerous sink (what a taint tool reports); others are counted apart."""

FNGUARD_NOT_TAINT = frozenset({"FG413", "FG414", "FG420", "FG421", "FG422", "FG423", "FG424"})
"""fnguard rules outside the ground truth's scope (log injection, eval without a flow, secrets):
counted apart. FG414 is what the ground truth asks for at admin_get_orders ("flag as eval
present, not as a taint flow")."""


@dataclass
class Row:
    app: str
    file: str
    lines: frozenset[int]
    expected: str
    sink: str

    @property
    def category(self) -> str:
        e = self.expected.lower()
        if e.startswith("tp"):
            return "tp"
        if e.startswith(("fp-trap", "tn", "sanitized", "dead code")):
            return "negative"
        return "neutral"


@dataclass
class Score:
    found: set[tuple[str, int]] = field(default_factory=set)
    tp_hit: list[Row] = field(default_factory=list)
    tp_miss: list[Row] = field(default_factory=list)
    negative_hit: list[Row] = field(default_factory=list)
    neutral_hit: list[Row] = field(default_factory=list)
    unlisted: list[tuple[str, int, str]] = field(default_factory=list)
    apart: int = 0
    seconds: float = 0.0

    def recall(self) -> float | None:
        total = len(self.tp_hit) + len(self.tp_miss)
        return len(self.tp_hit) / total if total else None

    def precision(self, strict: bool) -> float | None:
        false = len(self.negative_hit) + (len(self.unlisted) if strict else 0)
        total = len(self.tp_hit) + false
        return len(self.tp_hit) / total if total else None


def parse_lines(text: str) -> frozenset[int]:
    lines: set[int] = set()
    for part in re.split(r"[,\s]+", text.strip()):
        if "-" in part:
            low, high = part.split("-", 1)
            if low.isdigit() and high.isdigit():
                lines.update(range(int(low), int(high) + 1))
        elif part.isdigit():
            lines.add(int(part))
    return frozenset(lines)


def load_truth(corpus: Path) -> list[Row]:
    rows: list[Row] = []
    with (corpus / "taint_ground_truth.tsv").open(encoding="utf-8") as handle:
        for record in csv.DictReader(handle, delimiter="\t"):
            rows.append(Row(record["corpus"], record["file"], parse_lines(record["sink_line"]),
                            record["expected"], record["sink_type"]))
    for app, file, lines, expected in README_EXPECTED:
        rows.append(Row(app, file, parse_lines(lines), expected, "README"))
    return rows


def handler_list(corpus: Path, app: str) -> tuple[str, list[str]]:
    text = (corpus / app / "HANDLERS.txt").read_text(encoding="utf-8")
    commit = re.search(r"@ ([0-9a-f]{40})", text)
    if not commit:
        raise SystemExit(f"{app}: no commit in HANDLERS.txt")
    files = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return commit.group(1), files


def extract(mirror: Path, commit: str, files: Iterable[str], into: Path) -> list[Path]:
    written: list[Path] = []
    for name in files:
        result = subprocess.run(["git", "--git-dir", str(mirror), "show", f"{commit}:{name}"],
                                capture_output=True, check=False)
        if result.returncode != 0:
            continue
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(result.stdout)
        written.append(target)
    return written


def run_fnguard(root: Path, files: list[Path]) -> tuple[list[tuple[str, int, str]], float]:
    started = time.perf_counter()
    findings = analyze_paths([f for f in files if f.suffix == ".py"], root=root)
    elapsed = time.perf_counter() - started
    return [(str(Path(f.file).resolve().relative_to(root.resolve())), f.line or 0, f"{f.rule_id}/{f.severity}")
            for f in findings if f.file], elapsed


def run_bandit(root: Path, files: list[Path]) -> tuple[list[tuple[str, int, str]], float] | None:
    if shutil.which("bandit") is None:
        return None
    started = time.perf_counter()
    py = [str(f) for f in files if f.suffix == ".py"]
    result = subprocess.run(["bandit", "-f", "json", "-q", *py], capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    try:
        doc = json.loads(result.stdout or "{}")
    except json.JSONDecodeError:
        return None
    return [(str(Path(r["filename"]).resolve().relative_to(root.resolve())), r["line_number"], r["test_id"])
            for r in doc.get("results", [])], elapsed


def semgrep_rules(work: Path) -> Path | None:
    mirror = MIRRORS / SEMGREP_RULES_MIRROR / "repo"
    if not mirror.exists():
        return None
    listing = subprocess.run(["git", "--git-dir", str(mirror), "ls-tree", "-r", "--name-only", "HEAD",
                              "python/aws-lambda/security"], capture_output=True, text=True, check=False)
    rules = [name for name in listing.stdout.split() if name.endswith(".yaml")]
    target = work / "semgrep-rules"
    extract(mirror, "HEAD", rules, target)
    return target if rules else None


def run_semgrep(root: Path, files: list[Path], rules: Path | None) -> tuple[list[tuple[str, int, str]], float] | None:
    if shutil.which("semgrep") is None or rules is None:
        return None
    started = time.perf_counter()
    py = [str(f) for f in files if f.suffix == ".py"]
    env = dict(os.environ, SEMGREP_ENABLE_VERSION_CHECK="0", SEMGREP_SEND_METRICS="off")
    result = subprocess.run(["semgrep", "scan", "--config", str(rules), "--json", "--metrics=off",
                             "--disable-version-check", "-q", *py], capture_output=True, text=True, env=env,
                            check=False)
    elapsed = time.perf_counter() - started
    try:
        doc = json.loads(result.stdout or "{}")
    except json.JSONDecodeError:
        return None
    return [(str(Path(r["path"]).resolve().relative_to(root.resolve())), r["start"]["line"],
             r["check_id"].rsplit(".", 1)[-1]) for r in doc.get("results", [])], elapsed


def score(findings: list[tuple[str, int, str]], rows: list[Row], in_scope: set[str] | None,
          apart: frozenset[str]) -> Score:
    result = Score()
    lines: dict[tuple[str, int], str] = {}
    for file, line, rule in findings:
        if rule.split("/")[0] in apart or (in_scope is not None and rule not in in_scope):
            result.apart += 1
            continue
        lines.setdefault((file, line), rule)
    result.found = set(lines)
    matched: set[tuple[str, int]] = set()
    for row in rows:
        hits = {(f, n) for (f, n) in lines if f == row.file and n in row.lines}
        matched |= hits
        if row.category == "tp":
            (result.tp_hit if hits else result.tp_miss).append(row)
        elif hits and row.category == "negative":
            result.negative_hit.append(row)
        elif hits:
            result.neutral_hit.append(row)
    result.unlisted = sorted((f, n, lines[(f, n)]) for (f, n) in lines if (f, n) not in matched)
    return result


def pct(value: float | None) -> str:
    return "  n/a" if value is None else f"{value * 100:5.1f}%"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(Path(__file__).resolve().parents[2] / "shared" / "corpus" / "apps"))
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--tools", default="fnguard,bandit,semgrep",
                        help="comma-separated tools to run (fnguard always runs)")
    args = parser.parse_args(argv)
    corpus = Path(args.corpus)
    truth = load_truth(corpus)
    report: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="fnguard-taint-eval-") as tmp:
        work = Path(tmp)
        rules = semgrep_rules(work) if "semgrep" in args.tools else None
        if rules is None and "semgrep" in args.tools:
            print("semgrep rules mirror absent: Semgrep column skipped")
        totals: dict[str, Score] = {}
        for app, mirror_name in APPS.items():
            mirror = MIRRORS / mirror_name / "repo"
            if not mirror.exists():
                print(f"{app}: mirror {mirror} absent, skipped (fetch github:{mirror_name.replace('+', '/')})")
                continue
            commit, names = handler_list(corpus, app)
            root = work / app
            files = extract(mirror, commit, names, root)
            rows = [r for r in truth if r.app == app]
            tools: dict[str, Score] = {}
            fn = run_fnguard(root, files)
            tools["fnguard"] = score(fn[0], rows, None, FNGUARD_NOT_TAINT)
            tools["fnguard"].seconds = fn[1]
            wanted = set(args.tools.split(","))
            bandit = run_bandit(root, files) if "bandit" in wanted else None
            if bandit is not None:
                tools["bandit"] = score(bandit[0], rows, set(BANDIT_SINK_TESTS), frozenset())
                tools["bandit"].seconds = bandit[1]
            semgrep = run_semgrep(root, files, rules) if "semgrep" in wanted else None
            if semgrep is not None:
                tools["semgrep"] = score(semgrep[0], rows, None, frozenset())
                tools["semgrep"].seconds = semgrep[1]
            print(f"\n== {app} ({len(files)} files at {commit[:8]}; {sum(r.category == 'tp' for r in rows)} "
                  f"expected, {sum(r.category == 'negative' for r in rows)} traps)")
            print(f"   {'tool':8} {'recall':>7} {'prec(listed)':>12} {'prec(strict)':>12} {'TP':>3} {'miss':>4} "
                  f"{'trap':>4} {'neutral':>7} {'unlisted':>8} {'apart':>5} {'seconds':>7}")
            for name, result in tools.items():
                print(f"   {name:8} {pct(result.recall()):>7} {pct(result.precision(False)):>12} "
                      f"{pct(result.precision(True)):>12} {len(result.tp_hit):3} {len(result.tp_miss):4} "
                      f"{len(result.negative_hit):4} {len(result.neutral_hit):7} {len(result.unlisted):8} "
                      f"{result.apart:5} {result.seconds:7.2f}")
                total = totals.setdefault(name, Score())
                for attr in ("tp_hit", "tp_miss", "negative_hit", "neutral_hit", "unlisted"):
                    getattr(total, attr).extend(getattr(result, attr))
                total.apart += result.apart
                total.seconds += result.seconds
            low = [u for u in tools["fnguard"].unlisted if u[2].endswith(("/low", "/info"))]
            print(f"   fnguard unlisted lines reported at low severity: {len(low)} of {len(tools['fnguard'].unlisted)}")
            for name, result in tools.items():
                for row in result.tp_miss:
                    print(f"   {name} missed: {row.file}:{min(row.lines)} ({row.sink})")
                for row in result.negative_hit:
                    print(f"   {name} fell in trap: {row.file}:{min(row.lines)} ({row.expected})")
                for file, line, rule in result.unlisted:
                    print(f"   {name} unlisted: {file}:{line} {rule}")
            names_ = list(tools)
            for name in names_:
                others = set().union(*(tools[o].found for o in names_ if o != name)) if len(names_) > 1 else set()
                only = sorted(tools[name].found - others)
                tp_lines = {(r.file, n) for r in rows if r.category == "tp" for n in r.lines}
                only_tp = [x for x in only if x in tp_lines]
                print(f"   only {name}: {len(only)} lines ({len(only_tp)} expected): "
                      + ", ".join(f"{f}:{n}" for f, n in only[:12]) + (" ..." if len(only) > 12 else ""))
            report[app] = {name: {"recall": r.recall(), "precision_listed": r.precision(False),
                                  "precision_strict": r.precision(True), "tp": len(r.tp_hit),
                                  "missed": len(r.tp_miss), "traps": len(r.negative_hit),
                                  "unlisted": len(r.unlisted), "seconds": round(r.seconds, 3)}
                           for name, r in tools.items()}
        print("\n== all apps")
        baseline = totals.get("fnguard")
        for name, result in totals.items():
            ratio = ""
            if baseline and name != "fnguard" and result.seconds:
                ratio = f"  fnguard time / {name} time = {baseline.seconds / result.seconds:.2f}"
            print(f"   {name:8} recall {pct(result.recall())}  precision listed {pct(result.precision(False))}  "
                  f"strict {pct(result.precision(True))}  TP {len(result.tp_hit)} missed {len(result.tp_miss)} "
                  f"traps {len(result.negative_hit)} unlisted {len(result.unlisted)} "
                  f"apart {result.apart}  {result.seconds:.2f}s{ratio}")
        report["all"] = {name: {"recall": r.recall(), "precision_listed": r.precision(False),
                                "precision_strict": r.precision(True), "seconds": round(r.seconds, 3)}
                         for name, r in totals.items()}
    if args.json:
        print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
