"""The shared module index: parse once, resolve names through imports, find local functions."""

from __future__ import annotations

import ast
from pathlib import Path

from fnguard.code.modules import CACHE_KEY, code_index, is_vendored


def _tree(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg/__init__.py").write_text("from .helpers import clean as scrub\n")
    (tmp_path / "pkg/helpers.py").write_text("def clean(x):\n    return x\nclass Repo:\n    def save(self, x):\n        return x\n")
    (tmp_path / "handler.py").write_text(
        "import subprocess as sp\nfrom os import path as p\nfrom pkg import helpers\nfrom pkg import scrub\n"
        "def handler(event, context):\n    sp.Popen(p.join('a', 'b'))\n    helpers.clean(event)\n    scrub(event)\n")
    (tmp_path / "broken.py").write_text("print 'python 2'\n")
    return tmp_path


def test_names_resolve_through_imports(tmp_path: Path) -> None:
    index = code_index(_tree(tmp_path))
    module = index.module_at(tmp_path / "handler.py")
    assert module is not None
    calls = [n for n in ast.walk(module.tree) if isinstance(n, ast.Call)]
    names = [index.qualified_name(module, c.func) for c in calls]
    assert {"subprocess.Popen", "os.path.join"} <= set(names)
    assert "pkg.helpers.clean" in names and "pkg.scrub" in names
    assert index.function("pkg.helpers.clean", module).key == "pkg.helpers:clean"
    assert index.function("pkg.scrub", module).key == "pkg.helpers:clean"  # re-export through __init__
    assert index.function("pkg.helpers.Repo.save", module).class_name == "Repo"
    assert index.function("os.path.join", module) is None


def test_index_is_shared_through_the_scan_cache_and_parses_once(tmp_path: Path) -> None:
    cache: dict[str, object] = {}
    first = code_index(_tree(tmp_path), cache)
    assert code_index(tmp_path, cache) is first and CACHE_KEY in cache
    module = first.module_at(tmp_path / "handler.py")
    assert first.module_at(tmp_path / "handler.py") is module


def test_unparsable_file_is_an_error_not_an_exception(tmp_path: Path) -> None:
    index = code_index(_tree(tmp_path))
    assert index.module_at(tmp_path / "broken.py") is None
    assert str((tmp_path / "broken.py").resolve()) in index.errors


def test_vendored_paths() -> None:
    assert is_vendored("/app/dependencies/python/botocore/utils.py")
    assert not is_vendored("/app/src/handler.py")
