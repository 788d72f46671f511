#!/usr/bin/env python3
"""Dependency audit at scale: cold database load and the audit of 2,000-package lock files.

    python3 bench/deps_scale.py [--packages 2000] [--repeat 3]

Prints, each measured in this run:
* cold load of the bundled database (fresh interpreter: import + gunzip + index of both
  ecosystems), against the baseline of reading the raw OSV JSON lines it was built from;
* audit of a 2,000-package package-lock.json (v3) and of a 2,000-line requirements.txt (parse,
  index look-up, range matching, fix versions), against the baseline of matching each package
  by a scan of every record (what an index avoids).
Package names are drawn from the database itself (so many packages do have advisories), then
padded with synthetic names; versions are chosen so that about half fall inside a range.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fnguard.deps.audit import audit_function
from fnguard.deps.inventory import collect_file
from fnguard.deps.matching import is_affected
from fnguard.deps.versions import scheme_for
from fnguard.deps.vulndb import BUNDLED_DIR, open_database
from fnguard.deps.vulndb.compact import compile_records
from fnguard.model import App, Function

OSV = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "osv"
COLD = "import time; t=time.perf_counter(); from fnguard.deps.vulndb import open_database; d=open_database(); " \
       "[d.advisories(e, 'x') for e in ('PyPI','npm')]; print(time.perf_counter()-t)"


def _cold_load(repeat: int) -> float:
    runs = [float(subprocess.run([sys.executable, "-c", COLD], check=True, capture_output=True, text=True,
                                 env={"FNGUARD_CACHE_DIR": tempfile.mkdtemp(), "PATH": "/usr/bin:/bin"}).stdout)
            for _ in range(repeat)]
    return statistics.median(runs)


def _raw_load() -> float:
    started = time.perf_counter()
    records = []
    for name in ("pypi.jsonl.gz", "npm.jsonl.gz"):
        with gzip.open(OSV / name, "rt", encoding="utf-8") as stream:
            records += [json.loads(line) for line in stream]
    compile_records(records)
    return time.perf_counter() - started


def _version_for(rng: random.Random, ecosystem: str, raws: list[dict]) -> str:
    events = [v for raw in raws for rng_events in raw.get("ranges", []) for _k, v in rng_events if v != "0"]
    if events and rng.random() < 0.7:
        return rng.choice(events)
    return "1.0.0" if ecosystem == "npm" else "1.0"


def _lock_files(directory: Path, count: int, rng: random.Random) -> tuple[Path, Path]:
    database = open_database()
    npm_index = database.sources[-1].index("npm")
    pypi_index = database.sources[-1].index("PyPI")
    npm_names = sorted(npm_index)
    pypi_names = sorted(pypi_index)
    packages = {"": {"name": "bench", "version": "1.0.0"}}
    for i in range(count):
        if i < len(npm_names):
            name, version = npm_names[i], _version_for(rng, "npm", npm_index[npm_names[i]])
        else:
            name, version = f"synthetic-{i}", f"{rng.randint(0, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"
        packages[f"node_modules/{name}"] = {"version": version}
    lock = directory / "npm" / "package-lock.json"
    lock.parent.mkdir()
    lock.write_text(json.dumps({"name": "bench", "lockfileVersion": 3, "packages": packages}, indent=2))
    lines = []
    for i in range(count):
        if i < len(pypi_names):
            lines.append(f"{pypi_names[i]}=={_version_for(rng, 'PyPI', pypi_index[pypi_names[i]])}")
        else:
            lines.append(f"synthetic-{i}=={rng.randint(0, 9)}.{rng.randint(0, 20)}")
    requirements = directory / "py" / "requirements.txt"
    requirements.parent.mkdir()
    requirements.write_text("\n".join(lines) + "\n")
    return lock, requirements


def _audit(path: Path) -> tuple[float, int, int]:
    database = open_database()
    database._cache.clear()
    started = time.perf_counter()
    inventory = collect_file(path)
    audit = audit_function(App("bench", str(path), "files", str(path.parent)), Function(path.name), database, inventory=inventory)
    return time.perf_counter() - started, len(audit.packages), len(audit.vulnerable)


def _naive(path: Path) -> float:
    """Baseline: every package matched by scanning every record of its ecosystem (no index)."""
    database = open_database()
    records = {e: [(name, raw) for name, raws in database.sources[-1].index(e).items() for raw in raws] for e in ("PyPI", "npm")}
    from fnguard.deps.vulndb.database import _advisory

    started = time.perf_counter()
    inventory = collect_file(path)
    for parsed in inventory.files:
        for dependency in parsed.dependencies:
            scheme = scheme_for(dependency.ecosystem)
            wanted = scheme.normalize_name(dependency.name)
            for name, raw in records[dependency.ecosystem]:
                if name == wanted:
                    is_affected(scheme, dependency.version or "", _advisory(raw))
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(7)
    size = sum(p.stat().st_size for p in BUNDLED_DIR.glob("*.json.gz"))
    cold = _cold_load(args.repeat)
    print(f"bundled database: {size / 1e6:.2f} MB on disk")
    print(f"cold load (fresh interpreter, both ecosystems indexed): {cold * 1000:.0f} ms (median of {args.repeat})")
    if (OSV / "pypi.jsonl.gz").is_file():
        raw = _raw_load()
        print(f"baseline: read + compile the raw OSV JSON lines: {raw * 1000:.0f} ms -> indexed store is {raw / cold:.1f}x faster")
    with tempfile.TemporaryDirectory() as scratch:
        lock, requirements = _lock_files(Path(scratch), args.packages, rng)
        for label, path in (("package-lock.json v3", lock), ("requirements.txt", requirements)):
            timings = [_audit(path) for _ in range(args.repeat)]
            best = min(t[0] for t in timings)
            _, packages, vulnerable = timings[0]
            naive = _naive(path)
            print(f"audit {label}: {packages} packages, {vulnerable} vulnerable: {best * 1000:.0f} ms "
                  f"(best of {args.repeat}); baseline without index {naive * 1000:.0f} ms -> {naive / best:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
