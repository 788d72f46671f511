"""Does the handler's import graph reach a package? Python by ``ast``, Node by ``require``/``import``.

The graph starts at the handler file and follows the code directory's own modules that it
imports; every other top-level import is an external package. Import names are mapped to
distribution names through a vendored ``top_level.txt``, a table of well-known mismatches
(``yaml`` → PyYAML), and PEP 503 normalisation otherwise.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name

from fnguard.deps.model import Dependency

# Import name → distribution, where they differ (the common cases in Lambda code).
IMPORT_TO_DIST = {
    "yaml": "pyyaml", "jwt": "pyjwt", "PIL": "pillow", "bs4": "beautifulsoup4", "cv2": "opencv-python",
    "sklearn": "scikit-learn", "dateutil": "python-dateutil", "dotenv": "python-dotenv", "Crypto": "pycryptodome",
    "Cryptodome": "pycryptodomex", "OpenSSL": "pyopenssl", "jose": "python-jose", "magic": "python-magic",
    "MySQLdb": "mysqlclient", "psycopg2": "psycopg2-binary", "pymysql": "pymysql",
    "attr": "attrs", "pkg_resources": "setuptools", "serial": "pyserial", "usb": "pyusb", "git": "gitpython",
    "ldap": "python-ldap", "nacl": "pynacl", "lxml": "lxml", "docx": "python-docx", "pptx": "python-pptx",
    "slugify": "python-slugify", "multipart": "python-multipart", "socketio": "python-socketio",
    "engineio": "python-engineio", "telegram": "python-telegram-bot", "linebot": "line-bot-sdk",
    "faunadb": "faunadb", "pynamodb": "pynamodb", "markdown": "markdown", "jinja2": "jinja2",
    "flask_cors": "flask-cors", "werkzeug": "werkzeug", "kafka": "kafka-python", "aws_xray_sdk": "aws-xray-sdk",
    "aws_lambda_powertools": "aws-lambda-powertools", "ruamel": "ruamel-yaml", "zmq": "pyzmq",
    "skimage": "scikit-image", "fitz": "pymupdf", "dns": "dnspython", "jsonpickle": "jsonpickle",
}
# Distributions loaded by another one a handler imports, so "not imported" is not "not loaded".
_ALSO_LOADED_BY = {"urllib3": ("requests", "botocore", "boto3"), "botocore": ("boto3",), "werkzeug": ("flask",),
                   "jinja2": ("flask",), "markupsafe": ("jinja2", "flask"), "idna": ("requests",),
                   "certifi": ("requests",), "chardet": ("requests",), "charset-normalizer": ("requests",),
                   "s3transfer": ("boto3",), "jmespath": ("boto3", "botocore"), "six": (), "cryptography": ("pyjwt",)}

_REQUIRE = re.compile(r"""\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)""")
_IMPORT = re.compile(r"""\bimport\s+(?:[\w*{}\s,$]+\s+from\s+)?['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)""")
_JS_SUFFIXES = ("", ".js", ".mjs", ".cjs", "/index.js", "/index.mjs")
_MAX_FILES = 400


@dataclass(frozen=True)
class ImportGraph:
    """External imports reached from one handler, and by which of its files."""

    language: str
    """``python`` or ``node``."""
    imports: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=False)
    """Top-level external module (Python) or package (Node) → files importing it."""
    files: tuple[str, ...] = ()
    """The handler file and the local modules it reaches."""
    dotted: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=False)
    """Full dotted module names imported (Python), for namespace packages such as ``google.cloud.storage``."""


def _python_imports(path: Path) -> tuple[set[str], set[tuple[int, str]]]:
    """Absolute top-level names and ``(level, module)`` relative imports of one file."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"), filename=str(path))
    except (SyntaxError, ValueError, OSError):
        return set(), set()
    absolute: set[str] = set()
    relative: set[tuple[int, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            absolute.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                relative.add((node.level, node.module or ""))
                relative.update((node.level, f"{node.module}.{a.name}" if node.module else a.name) for a in node.names)
            elif node.module:
                absolute.add(node.module)
                absolute.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
            "import_module", "__import__"
        ) and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            absolute.add(node.args[0].value)
    return absolute, relative


def _local_module(roots: list[Path], dotted: str) -> Path | None:
    parts = dotted.split(".")
    for root in roots:
        base = root.joinpath(*parts)
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None


def python_graph(handler_file: Path, code_dir: Path | None) -> ImportGraph:
    """Follow the handler's imports through the code directory's own modules."""
    roots = [p for p in (code_dir, handler_file.parent) if p is not None]
    external: dict[str, set[str]] = {}
    dotted_names: dict[str, set[str]] = {}
    queue = [handler_file]
    visited: set[Path] = set()
    while queue and len(visited) < _MAX_FILES:
        current = queue.pop()
        if current in visited:
            continue
        visited.add(current)
        absolute, relative = _python_imports(current)
        for dotted in absolute:
            local = _local_module(roots, dotted)
            if local is not None:
                queue.append(local)
                continue
            top = dotted.split(".")[0]
            if _local_module(roots, top) is not None:
                continue  # a local package's submodule that does not exist: still local
            external.setdefault(top, set()).add(str(current))
            dotted_names.setdefault(dotted, set()).add(str(current))
        for level, dotted in relative:
            base = current.parent
            for _ in range(level - 1):
                base = base.parent
            local = _local_module([base], dotted) if dotted else base / "__init__.py"
            if local is not None and local.is_file():
                queue.append(local)
    return ImportGraph("python", {k: tuple(sorted(v)) for k, v in external.items()}, tuple(sorted(map(str, visited))),
                       {k: tuple(sorted(v)) for k, v in dotted_names.items()})


def _node_package(specifier: str) -> str | None:
    if specifier.startswith((".", "/")) or specifier.startswith("node:"):
        return None
    parts = specifier.split("/")
    return "/".join(parts[:2]) if specifier.startswith("@") and len(parts) > 1 else parts[0]


def node_graph(handler_file: Path) -> ImportGraph:
    """Follow ``require``/``import`` through the function's own .js files."""
    external: dict[str, set[str]] = {}
    queue = [handler_file]
    visited: set[Path] = set()
    while queue and len(visited) < _MAX_FILES:
        current = queue.pop()
        if current in visited or not current.is_file():
            continue
        visited.add(current)
        try:
            text = current.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        specifiers = [m.group(1) for m in _REQUIRE.finditer(text)]
        specifiers += [m.group(1) or m.group(2) for m in _IMPORT.finditer(text)]
        for specifier in specifiers:
            package = _node_package(specifier)
            if package is not None:
                external.setdefault(package, set()).add(str(current))
            elif specifier.startswith("."):
                base = current.parent / specifier
                local = next((Path(f"{base}{s}") for s in _JS_SUFFIXES if Path(f"{base}{s}").is_file()), None)
                if local is not None:
                    queue.append(local.resolve())
    return ImportGraph("node", {k: tuple(sorted(v)) for k, v in external.items()}, tuple(sorted(map(str, visited))))


def build_graph(handler_file: str | None, code_dir: str | None) -> ImportGraph | None:
    """The import graph of a handler, or ``None`` when its source is not available."""
    if not handler_file or not Path(handler_file).is_file():
        return None
    path = Path(handler_file)
    if path.suffix == ".py":
        return python_graph(path, Path(code_dir) if code_dir else None)
    if path.suffix in (".js", ".mjs", ".cjs"):
        return node_graph(path)
    return None


def import_names(dependency: Dependency) -> set[str]:
    """Names under which ``dependency`` can be imported."""
    if dependency.ecosystem == "npm":
        return {dependency.name}
    names = set(dependency.top_level)
    canonical = canonicalize_name(dependency.name)
    names.update(name for name, dist in IMPORT_TO_DIST.items() if dist == canonical)
    names.add(canonical.replace("-", "_"))
    names.add(dependency.name.replace("-", "_"))
    return names


def reachability(dependency: Dependency, graph: ImportGraph | None) -> tuple[bool | None, list[str], str]:
    """``(reachable, importing files, why)``: ``None`` when the import graph cannot tell."""
    if graph is None:
        return None, [], "the handler's source is not available, so whether it imports the package is unknown"
    if (graph.language == "node") != (dependency.ecosystem == "npm"):
        return None, [], f"the handler is {graph.language} code; this {dependency.ecosystem} package is not in its import graph"
    names = import_names(dependency)
    lowered = {name.lower() for name in names}
    files = sorted({f for module, by in graph.imports.items() if module in names or module.lower() in lowered for f in by})
    if not files and dependency.ecosystem == "PyPI" and "-" in canonicalize_name(dependency.name):
        # namespace distributions: google-cloud-storage is imported as google.cloud.storage
        dotted = canonicalize_name(dependency.name).replace("-", ".")
        files = sorted({f for module, by in graph.dotted.items()
                        if module == dotted or module.startswith(dotted + ".") for f in by})
    if files:
        return True, files, f"imported by {', '.join(Path(f).name for f in files)}"
    loaders = [p for p in _ALSO_LOADED_BY.get(canonicalize_name(dependency.name), ()) if _imports_any(graph, p)]
    if loaders or dependency.direct is False:
        via = f" but loaded through {', '.join(loaders)}" if loaders else " (it may still be loaded by another package)"
        return None, [], f"not imported by the handler directly{via}"
    return False, [], "not imported by the handler or the modules it imports"


def _imports_any(graph: ImportGraph, dist: str) -> bool:
    probe = Dependency("PyPI", dist, None, "")
    return any(module in import_names(probe) for module in graph.imports)
