"""Reading OSV records wherever they are: a zip export, a directory of JSON, JSON lines (gzip'd)."""

from __future__ import annotations

import gzip
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fnguard.deps.vulndb.interface import VulnDBError


def _from_json_text(text: str, origin: str) -> Iterator[dict[str, Any]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise VulnDBError(f"{origin}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if isinstance(document, list):
        yield from (record for record in document if isinstance(record, dict))
    elif isinstance(document, dict):
        yield document


def _from_lines(lines: Iterator[str], origin: str) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            raise VulnDBError(f"{origin}:{number}: not a JSON record") from None
        if isinstance(record, dict):
            yield record


def iter_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """Every OSV record under ``path``; raises :class:`VulnDBError` for anything unreadable."""
    target = Path(path)
    name = target.name.lower()
    try:
        if target.is_dir():
            for child in sorted(target.rglob("*")):
                if child.is_file() and child.name.lower().endswith((".json", ".jsonl", ".jsonl.gz", ".zip")):
                    yield from iter_records(child)
        elif name.endswith(".zip"):
            try:
                archive = zipfile.ZipFile(target)
            except zipfile.BadZipFile:
                raise VulnDBError(f"{target}: not a zip file") from None
            with archive:
                for member in archive.namelist():
                    if member.lower().endswith(".json"):
                        yield from _from_json_text(archive.read(member).decode("utf-8"), f"{target}!{member}")
        elif name.endswith((".jsonl.gz", ".json.gz")):
            with gzip.open(target, "rt", encoding="utf-8") as stream:
                yield from _from_lines(stream, str(target))
        elif name.endswith(".jsonl"):
            with open(target, encoding="utf-8") as stream:
                yield from _from_lines(stream, str(target))
        elif name.endswith(".json"):
            yield from _from_json_text(target.read_text(encoding="utf-8"), str(target))
        elif not target.exists():
            raise VulnDBError(f"{target}: no such file or directory")
        else:
            raise VulnDBError(f"{target}: not an OSV zip, JSON, JSON lines file or directory")
    except (OSError, EOFError, gzip.BadGzipFile, UnicodeDecodeError) as exc:
        raise VulnDBError(f"{target}: cannot read: {exc}") from None
