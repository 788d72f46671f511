"""Import graphs: Python through local modules and packages, Node through relative requires."""

from __future__ import annotations

from pathlib import Path

from fnguard.deps.model import Dependency
from fnguard.deps.reachability import build_graph, import_names, reachability


def _dep(name: str, ecosystem: str = "PyPI", **kwargs: object) -> Dependency:
    return Dependency(ecosystem, name, "1.0", "requirements.txt", **kwargs)  # type: ignore[arg-type]


def test_python_graph_follows_local_modules_and_relative_imports(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("from .inner import thing\n")
    (tmp_path / "pkg" / "inner.py").write_text("from jwt import decode as thing\n")
    (tmp_path / "unused.py").write_text("import requests\n")
    (tmp_path / "handler.py").write_text(
        "import os, json\nimport yaml\nfrom pkg import thing\nimport importlib\nbs = importlib.import_module('bs4')\n")
    graph = build_graph(str(tmp_path / "handler.py"), str(tmp_path))
    assert graph is not None
    assert {"yaml", "jwt", "bs4", "os", "json"} <= set(graph.imports)
    assert "requests" not in graph.imports and "pkg" not in graph.imports
    assert graph.imports["jwt"] == (str(tmp_path / "pkg" / "inner.py"),)
    assert reachability(_dep("PyYAML"), graph)[0] is True
    assert reachability(_dep("PyJWT"), graph)[0] is True
    assert reachability(_dep("beautifulsoup4"), graph)[0] is True
    assert reachability(_dep("requests", direct=True), graph)[0] is False
    # urllib3 is loaded by requests/boto3 when those are imported: not provably unused
    (tmp_path / "h2.py").write_text("import boto3\n")
    assert reachability(_dep("urllib3"), build_graph(str(tmp_path / "h2.py"), str(tmp_path)))[0] is None


def test_top_level_txt_names_the_import(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import weird_module\n")
    graph = build_graph(str(tmp_path / "app.py"), str(tmp_path))
    assert reachability(_dep("Some-Dist", top_level=("weird_module",)), graph)[0] is True
    assert reachability(_dep("Some-Dist"), graph)[0] is False
    assert "some_dist" in import_names(_dep("Some-Dist"))


def test_node_graph_require_and_import(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "index.js").write_text("const s = require('node-serialize');\n")
    (tmp_path / "handler.mjs").write_text(
        "import jose from 'node-jose';\nimport { x } from '@scope/pkg/sub';\nconst lib = require('./lib');\n"
        "const fs = require('fs');\n")
    graph = build_graph(str(tmp_path / "handler.mjs"), str(tmp_path))
    assert graph is not None and graph.language == "node"
    assert {"node-jose", "@scope/pkg", "node-serialize", "fs"} <= set(graph.imports)
    assert reachability(_dep("node-serialize", "npm"), graph)[0] is True
    assert reachability(_dep("lodash", "npm", direct=True), graph)[0] is False
    # a Python package is not judged by a Node handler's graph
    assert reachability(_dep("PyYAML"), graph)[0] is None


def test_missing_handler_source_means_unknown() -> None:
    assert build_graph(None, None) is None
    assert reachability(_dep("PyYAML"), None)[0] is None


def test_namespace_distributions(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("from google.cloud import storage\nimport azure.storage.blob\n")
    graph = build_graph(str(tmp_path / "app.py"), str(tmp_path))
    assert reachability(_dep("google-cloud-storage"), graph)[0] is True
    assert reachability(_dep("azure-storage-blob"), graph)[0] is True
    assert reachability(_dep("google-cloud-bigquery", direct=True), graph)[0] is False
    assert reachability(_dep("protobuf", direct=True), graph)[0] is False
