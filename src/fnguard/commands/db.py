"""``fnguard db update|import|info``: the vulnerability database scans use.

The database is the bundled snapshot, overridden per ecosystem by the user cache
($FNGUARD_CACHE_DIR, $XDG_CACHE_HOME/fnguard or ~/.cache/fnguard) that ``update`` and
``import`` fill; $FNGUARD_VULN_DB replaces both.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from fnguard.model import InputError

HELP = "manage the vulnerability database: update (download OSV exports), import FILE, info"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    update = actions.add_parser("update", help="download OSV's PyPI and npm exports into the user cache")
    update.add_argument("--url", help="base URL holding <Ecosystem>/all.zip (default: OSV's public bucket)")
    update.add_argument("--ecosystem", action="append", choices=("PyPI", "npm"), help="only these ecosystems")
    imported = actions.add_parser("import", help="import an OSV zip, directory of OSV JSON, or JSONL(.gz) file")
    imported.add_argument("file")
    info = actions.add_parser("info", help="show each source in use, record counts and snapshot dates")
    info.add_argument("--format", choices=("text", "json"), default="text")
    info.add_argument("--db", dest="vuln_db", help="describe this database instead of the default one")


def run(args: argparse.Namespace) -> int:
    from fnguard.deps.vulndb import VulnDBError

    try:
        if args.action == "update":
            return _update(args)
        if args.action == "import":
            return _import(args)
        if args.action == "info":
            return _info(args)
    except VulnDBError as exc:
        raise InputError(str(exc)) from None
    raise InputError("db needs an action: update, import or info")


def _summary(manifest: dict) -> str:
    return ", ".join(
        f"{ecosystem} {entry['records']} records ({entry['packages']} packages, snapshot {entry['snapshot']})"
        for ecosystem, entry in sorted(manifest["ecosystems"].items())
    )


def _update(args: argparse.Namespace) -> int:
    from fnguard.deps.vulndb import user_store_dir
    from fnguard.deps.vulndb.update import DEFAULT_ECOSYSTEMS, DEFAULT_URL, download

    manifest = download(args.url or DEFAULT_URL, tuple(args.ecosystem or DEFAULT_ECOSYSTEMS))
    print(f"updated {user_store_dir()}: {_summary(manifest)}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from fnguard.deps.vulndb import user_store_dir
    from fnguard.deps.vulndb.update import import_file

    manifest = import_file(args.file)
    print(f"imported into {user_store_dir()}: {_summary(manifest)}")
    return 0


def _info(args: argparse.Namespace) -> int:
    from fnguard.deps.vulndb import STALE_AFTER_DAYS, open_database

    database = open_database(args.vuln_db)
    today = dt.date.today()
    rows = []
    for item in database.info():
        age = (today - dt.date.fromisoformat(item.snapshot)).days if item.snapshot else None
        rows.append({**vars(item), "age_days": age, "stale": age is not None and age > STALE_AFTER_DAYS})
    if args.format == "json":
        print(json.dumps({"sources": rows}, indent=2))
        return 0
    for row in rows:
        flag = f"  STALE (older than {STALE_AFTER_DAYS} days)" if row["stale"] else ""
        print(f"{row['ecosystem']:6} {row['kind']:8} {row['records']:6} records {row['packages']:6} packages "
              f"{row['withdrawn']:4} withdrawn  snapshot {row['snapshot']} ({row['age_days']} days){flag}")
        print(f"       source: {row['location']}")
        if row["license"]:
            print(f"       licence: {row['license']}")
    if any(row["stale"] for row in rows):
        sys.stderr.write("fnguard: warning: run 'fnguard db update' for current advisories\n")
    return 0
