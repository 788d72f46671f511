"""The vulnerability database: sources, the compact store, db import/update/info, aliases, withdrawn."""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from fnguard.cli import main
from fnguard.deps.matching import is_affected, smallest_fix
from fnguard.deps.versions import scheme_for
from fnguard.deps.vulndb import VulnDBError, open_database, user_store_dir
from fnguard.deps.vulndb.compact import MANIFEST, read_manifest
from fnguard.deps.vulndb.update import download, import_file


def _record(record_id: str, name: str, events: list[dict], ecosystem: str = "PyPI", **extra: object) -> dict:
    affected = {"package": {"ecosystem": ecosystem, "name": name},
                "ranges": [{"type": "ECOSYSTEM" if ecosystem == "PyPI" else "SEMVER", "events": events}]}
    return {"id": record_id, "modified": "2026-01-02T00:00:00Z", "summary": f"{record_id} summary",
            "affected": [affected], **extra}


RECORDS = [
    # unsorted events, as some PyPA records are
    _record("PYSEC-1", "Demo_Pkg", [{"introduced": "2.0"}, {"fixed": "2.2"}, {"introduced": "0"}, {"fixed": "1.5"}],
            aliases=["CVE-2020-1", "GHSA-aaaa"]),
    _record("GHSA-aaaa", "demo-pkg", [{"introduced": "0"}, {"fixed": "1.6"}], aliases=["CVE-2020-1"],
            severity=[{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]),
    _record("PYSEC-2", "demo-pkg", [{"introduced": "0"}, {"last_affected": "1.4"}]),
    _record("PYSEC-3", "demo-pkg", [{"introduced": "0"}], withdrawn="2024-01-01T00:00:00Z"),
    _record("NSWG-ECO-1", "left-pad", [{"introduced": "0"}, {"fixed": "1.4.4"}], ecosystem="npm"),
    {"id": "GO-1", "modified": "2026-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Go", "name": "x"}}]},
]


def _write_zip(path: Path, records: list[dict]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for record in records:
            archive.writestr(f"{record['id']}.json", json.dumps(record))
    return path


def test_osv_sources_zip_directory_jsonl_gz_agree(tmp_path: Path) -> None:
    _write_zip(tmp_path / "all.zip", RECORDS)
    (tmp_path / "dir").mkdir()
    for record in RECORDS:
        (tmp_path / "dir" / f"{record['id']}.json").write_text(json.dumps(record))
    with gzip.open(tmp_path / "all.jsonl.gz", "wt") as stream:
        stream.writelines(json.dumps(r) + "\n" for r in RECORDS)
    seen = []
    for source in ("all.zip", "dir", "all.jsonl.gz"):
        database = open_database(str(tmp_path / source))
        seen.append(sorted(a.id for a in database.advisories("PyPI", "DEMO.pkg")))
        assert [a.id for a in database.advisories("npm", "left-pad")] == ["NSWG-ECO-1"]
        info = {i.ecosystem: i for i in database.info()}
        assert info["PyPI"].records == 3 and info["PyPI"].withdrawn == 1 and info["PyPI"].snapshot == "2026-01-02"
    assert seen[0] == seen[1] == seen[2] == ["GHSA-aaaa", "PYSEC-1", "PYSEC-2"]  # PYSEC-3 withdrawn


def test_unsorted_events_last_affected_and_smallest_fix(tmp_path: Path) -> None:
    database = open_database(str(_write_zip(tmp_path / "all.zip", RECORDS)))
    scheme = scheme_for("PyPI")
    advisories = {a.id: a for a in database.advisories("PyPI", "demo-pkg")}
    pysec1 = advisories["PYSEC-1"]
    assert [is_affected(scheme, v, pysec1) for v in ("1.0", "1.5", "1.9", "2.0", "2.1rc1", "2.2")] == [
        True, False, False, True, True, False]
    assert is_affected(scheme, "1.4", advisories["PYSEC-2"]) and not is_affected(scheme, "1.4.1", advisories["PYSEC-2"])
    affected = [a for a in advisories.values() if is_affected(scheme, "1.4", a)]
    # 1.5 fixes PYSEC-1 but GHSA-aaaa needs 1.6: the smallest version fixing all of them is 1.6
    assert smallest_fix(scheme, "1.4", affected) == "1.6"
    assert smallest_fix(scheme, "2.1", [pysec1]) == "2.2"


def test_db_import_writes_the_user_store_and_info_reads_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dump = _write_zip(tmp_path / "all.zip", RECORDS)
    assert main(["db", "import", str(dump)]) == 0
    manifest = read_manifest(user_store_dir())
    assert set(manifest["ecosystems"]) == {"PyPI", "npm"}
    capsys.readouterr()
    assert main(["db", "info", "--format", "json"]) == 0
    sources = json.loads(capsys.readouterr().out)["sources"]
    assert {(s["ecosystem"], s["kind"], s["records"]) for s in sources} == {("PyPI", "cache", 3), ("npm", "cache", 1)}


def test_cache_overrides_bundled_per_ecosystem(tmp_path: Path) -> None:
    npm_only = _write_zip(tmp_path / "npm.zip", [RECORDS[4]])
    import_file(npm_only)
    kinds = {i.ecosystem: i.kind for i in open_database().info()}
    assert kinds == {"npm": "cache", "PyPI": "bundled"}


def test_failed_import_leaves_the_database_valid(tmp_path: Path) -> None:
    import_file(_write_zip(tmp_path / "good.zip", RECORDS))
    before = (user_store_dir() / MANIFEST).read_bytes()
    (tmp_path / "bad.jsonl").write_text('{"id": "X"\n')
    with pytest.raises(VulnDBError):
        import_file(tmp_path / "bad.jsonl")
    with pytest.raises(VulnDBError):
        import_file(_write_zip(tmp_path / "go.zip", [RECORDS[-1]]))  # nothing fnguard can use
    assert (user_store_dir() / MANIFEST).read_bytes() == before
    assert [a.id for a in open_database().advisories("npm", "left-pad")] == ["NSWG-ECO-1"]


def test_fnguard_vuln_db_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FNGUARD_VULN_DB", str(_write_zip(tmp_path / "all.zip", RECORDS)))
    database = open_database()
    assert {i.kind for i in database.info()} == {"env"}
    assert database.advisories("PyPI", "requests") == ()  # only this dump, not the bundled snapshot


@pytest.fixture
def osv_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A local HTTP server laid out like OSV's bucket: <Ecosystem>/all.zip."""
    root = tmp_path / "bucket"
    for ecosystem in ("PyPI", "npm"):
        (root / ecosystem).mkdir(parents=True)
        _write_zip(root / ecosystem / "all.zip", [r for r in RECORDS if r["affected"][0]["package"]["ecosystem"] == ecosystem])

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


def test_db_update_downloads_each_ecosystem_export(osv_server: tuple[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    url, _root = osv_server
    assert main(["db", "update", "--url", url]) == 0
    assert "PyPI 3 records" in capsys.readouterr().out
    database = open_database()
    assert {(i.ecosystem, i.kind, i.location) for i in database.info()} == {("PyPI", "cache", url), ("npm", "cache", url)}
    assert sorted(a.id for a in database.advisories("PyPI", "demo-pkg")) == ["GHSA-aaaa", "PYSEC-1", "PYSEC-2"]


def test_db_update_failure_keeps_the_old_database(osv_server: tuple[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    url, root = osv_server
    download(url)
    before = (user_store_dir() / MANIFEST).read_bytes()
    (root / "npm" / "all.zip").unlink()  # PyPI downloads, npm 404s: nothing may change
    assert main(["db", "update", "--url", url]) == 2
    assert "cannot download" in capsys.readouterr().err
    assert (user_store_dir() / MANIFEST).read_bytes() == before
    assert not list(user_store_dir().glob(".download-*"))


def test_cache_dir_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from fnguard.deps.vulndb import cache_dir

    monkeypatch.delenv("FNGUARD_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "fnguard"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "fnguard"


def test_bundled_store_is_compact_and_attributed() -> None:
    from fnguard.deps.vulndb import BUNDLED_DIR

    size = sum(p.stat().st_size for p in BUNDLED_DIR.iterdir())
    assert size < 3_000_000
    notice = (BUNDLED_DIR / "NOTICE.md").read_text()
    assert "CC-BY-4.0" in notice and "MIT" in notice and "Python Packaging Advisory Database" in notice
    manifest = read_manifest(BUNDLED_DIR)
    assert all((BUNDLED_DIR / entry["file"]).is_file() for entry in manifest["ecosystems"].values())


def test_raw_dump_is_compiled_once_and_recompiled_when_it_changes(tmp_path: Path, private_cache: Path) -> None:
    dump = tmp_path / "osv.jsonl"
    dump.write_text("".join(json.dumps(r) + "\n" for r in RECORDS[:1]))
    assert [a.id for a in open_database(str(dump)).advisories("PyPI", "demo-pkg")] == ["PYSEC-1"]
    compiled = list((private_cache / "compiled").iterdir())
    assert len(compiled) == 1
    dump.write_text("".join(json.dumps(r) + "\n" for r in RECORDS[:2]))
    assert sorted(a.id for a in open_database(str(dump)).advisories("PyPI", "demo-pkg")) == ["GHSA-aaaa", "PYSEC-1"]
    assert len(list((private_cache / "compiled").iterdir())) == 2
    assert {i.location for i in open_database(str(dump)).info()} == {str(dump)}


def test_bundled_store_matches_what_the_build_script_makes(tmp_path: Path, osv_dir: Path) -> None:
    import importlib.util

    from fnguard.deps.vulndb import BUNDLED_DIR

    script = Path(__file__).resolve().parents[2] / "scripts" / "build_vulndb.py"
    spec = importlib.util.spec_from_file_location("build_vulndb", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--osv", str(osv_dir), "--out", str(tmp_path / "store")]) == 0
    rebuilt, bundled = read_manifest(tmp_path / "store"), read_manifest(BUNDLED_DIR)
    # Future dates are source typos ignored until they pass, so only the snapshot may move (forward).
    for ecosystem, entry in bundled["ecosystems"].items():
        assert rebuilt["ecosystems"][ecosystem].pop("snapshot") >= entry.pop("snapshot")
    assert rebuilt == bundled  # file names carry a content hash: same data, same names


def test_github_style_npm_records_with_ecosystem_ranges(tmp_path: Path) -> None:
    """GitHub's OSV exports give npm ranges the ECOSYSTEM type, with SemVer ordering."""
    record = {"id": "GHSA-xxxx", "aliases": ["CVE-2023-25653"], "modified": "2026-01-01T00:00:00Z",
              "affected": [{"package": {"ecosystem": "npm", "name": "node-jose"},
                            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.2.0"}]}]}]}
    database = open_database(str(_write_zip(tmp_path / "all.zip", [record])))
    scheme = scheme_for("npm")
    (advisory,) = database.advisories("npm", "node-jose")
    assert is_affected(scheme, "2.1.1", advisory) and is_affected(scheme, "2.2.0-beta.1", advisory)
    assert not is_affected(scheme, "2.2.0", advisory) and not is_affected(scheme, "10.0.0", advisory)
