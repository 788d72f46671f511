#!/usr/bin/env python3
"""Build the vulnerability snapshot bundled with fnguard from OSV JSON-lines dumps.

    python3 scripts/build_vulndb.py [--osv ../shared/data/osv] [--out src/fnguard/data/vulndb]

Reads ``pypi.jsonl.gz`` and ``npm.jsonl.gz``, keeps only what matching needs (ids, aliases,
summary, severity, sorted ranges, versions not already inside a range) and writes the compact
store (see ``fnguard.deps.vulndb.compact``). The NOTICE.md beside the data carries the
licences' attribution and must stay with it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from fnguard.deps.vulndb.compact import compile_records, write_store
from fnguard.deps.vulndb.osv import iter_records

ROOT = Path(__file__).resolve().parent.parent
INPUTS = {"PyPI": "pypi.jsonl.gz", "npm": "npm.jsonl.gz"}
LICENSES = {
    "PyPI": "CC-BY-4.0: Python Packaging Advisory Database, https://github.com/pypa/advisory-database",
    "npm": "MIT: Node.js Foundation, https://github.com/nodejs/security-wg (vuln/npm)",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--osv", default=str(ROOT.parent / "shared" / "data" / "osv"), help="directory of OSV JSONL dumps")
    parser.add_argument("--out", default=str(ROOT / "src" / "fnguard" / "data" / "vulndb"), help="store directory")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    for ecosystem, filename in INPUTS.items():
        path = Path(args.osv) / filename
        if not path.is_file():
            print(f"missing {path}", file=sys.stderr)
            return 2
        compiled = compile_records(iter_records(path))
        stats = compiled[ecosystem]
        write_store(args.out, {ecosystem: stats}, location=f"bundled ({filename})", licenses=LICENSES)
        print(
            f"{ecosystem}: {stats.records} live records, {stats.withdrawn} withdrawn, {len(stats.packages)} packages, "
            f"snapshot {stats.snapshot}, {stats.dropped_ranges} unreadable ranges dropped"
        )
    size = sum(p.stat().st_size for p in Path(args.out).glob("*.json.gz"))
    print(f"wrote {args.out}: {size / 1e6:.2f} MB in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
