"""Parsing a function's code directory once, and resolving names through its imports.

Every code analysis (taint, boto3 calls for IAM, reuse checks) asks the same questions: what
does this file import, which function does this call name, where is that module on disk. The
answers live in one :class:`CodeIndex` per code directory, kept in ``ScanContext.cache`` so a
file is read and parsed once per scan whatever the number of analyses or of functions sharing
the directory. Modules are parsed lazily, as imports reach them: a vendored library of a
thousand files that the handler never imports costs nothing.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable, Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CACHE_KEY = "fnguard.code.index"
"""Key in ``ScanContext.cache``: ``{absolute code dir: CodeIndex}``."""

SKIP_DIRS = frozenset({
    "node_modules", ".git", "__pycache__", ".venv", "venv", "env", ".aws-sam", ".serverless",
    "site-packages", "dist-packages", ".tox", ".mypy_cache", ".pytest_cache", "cdk.out",
})

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class FunctionInfo:
    """A function or method defined at the top of a module or of a top-level class."""

    key: str
    """``module:qualname`` (``handlers.create:handler``, ``app:Repo.save``): unique in the index."""
    module: str
    qualname: str
    node: FunctionNode = field(compare=False, hash=False)
    class_name: str | None = None
    path: str = ""
    """The file that defines it."""

    @property
    def params(self) -> tuple[str, ...]:
        args = self.node.args
        return tuple(a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs))


@dataclass(frozen=True)
class ParsedModule:
    """One parsed Python file and what its names mean."""

    name: str
    """Dotted module name relative to the code directory (``todos.create``)."""
    path: str
    tree: ast.Module = field(compare=False, hash=False)
    imports: dict[str, str] = field(compare=False, hash=False)
    """Local name → qualified name: ``np`` → ``numpy``, ``Popen`` → ``subprocess.Popen``."""
    functions: dict[str, FunctionInfo] = field(compare=False, hash=False)
    """Qualname (``f``, ``Cls.m``) → function."""
    assigned: frozenset[str] = frozenset()
    """Names bound at module level by assignment (they shadow builtins of the same name)."""
    classes: frozenset[str] = frozenset()
    """Top-level classes, so ``Cls(...)`` resolves to ``<module>.Cls`` and its ``__init__``."""

    @property
    def is_package(self) -> bool:
        return self.path.endswith("__init__.py")


_VENDORED_MARKERS = ("/site-packages/", "/dist-packages/", "/dependencies/python/", "/vendor/", "/vendored/",
                     "/node_modules/", "/.venv/", "/venv/", "/python/lib/")


def is_vendored(path: str | Path) -> bool:
    """Third-party code packaged beside the handler: followed through imports, never an entry."""
    text = str(path).replace("\\", "/")
    return any(marker in text for marker in _VENDORED_MARKERS)


def is_test_file(path: str | Path) -> bool:
    """Test code: its fake secrets are not secrets."""
    parts = Path(path).parts
    name = Path(path).name
    return name.startswith("test_") or name.endswith("_test.py") or "tests" in parts or "test" in parts


def module_name(root: Path, path: Path) -> str:
    """``root/a/b.py`` → ``a.b``; ``root/a/__init__.py`` → ``a``."""
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement, nested ones included, without visiting expressions (imports are statements)."""
    for node in body:
        yield node
        for attr in ("body", "orelse", "finalbody"):
            inner = getattr(node, attr, None)
            if inner:
                yield from _statements(inner)
        for handler in getattr(node, "handlers", ()):
            yield from _statements(handler.body)
        for case in getattr(node, "cases", ()):
            yield from _statements(case.body)


def _collect_imports(tree: ast.Module, name: str, is_package: bool) -> dict[str, str]:
    """Top-level and function-level imports, flattened: good enough for name resolution."""
    imports: dict[str, str] = {}
    package = name if is_package else name.rpartition(".")[0]
    for node in _statements(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imports[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    imports.setdefault(top, top)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".") if package else []
                keep = len(parts) - (node.level - 1)
                prefix = ".".join(parts[:max(keep, 0)])
                base = ".".join(p for p in (prefix, base) if p)
            for alias in node.names:
                if alias.name == "*":
                    continue
                imports[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
    return imports


def _collect_functions(tree: ast.Module, name: str, path: str) -> dict[str, FunctionInfo]:
    functions: dict[str, FunctionInfo] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            functions[node.name] = FunctionInfo(f"{name}:{node.name}", name, node.name, node, None, path)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    qual = f"{node.name}.{item.name}"
                    functions[qual] = FunctionInfo(f"{name}:{qual}", name, qual, item, node.name, path)
    return functions


def _module_assignments(tree: ast.Module) -> frozenset[str]:
    names: set[str] = set()
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Name):
                    names.add(sub.id)
    return frozenset(names)


def parse_module(root: Path, path: Path, source: str | None = None) -> ParsedModule:
    """Parse one file; raises ``SyntaxError``/``OSError`` for the caller to turn into a warning."""
    text = source if source is not None else path.read_text(encoding="utf-8", errors="replace")
    tree = ast.parse(text, filename=str(path))
    name = module_name(root, path)
    is_package = path.name == "__init__.py"
    return ParsedModule(
        name=name,
        path=str(path),
        tree=tree,
        imports=_collect_imports(tree, name, is_package),
        functions=_collect_functions(tree, name, str(path)),
        assigned=_module_assignments(tree),
        classes=frozenset(node.name for node in tree.body if isinstance(node, ast.ClassDef)),
    )


class CodeIndex:
    """The parsed modules of one code directory, filled on demand.

    A cache, not a value: it grows as imports are followed. ``errors`` keeps files that did not
    parse (a Python 2 file, a template with ``{{ }}``) so analyses can report them as warnings.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        self._by_path: dict[str, ParsedModule | None] = {}
        self._by_name: dict[tuple[str, str], ParsedModule | None] = {}
        self.errors: dict[str, str] = {}
        self.analysis_cache: dict[str, Any] = {}
        """Per-analysis results over this index (taint summaries live under ``taint``)."""

    # -- files -----------------------------------------------------------------------------
    def module_at(self, path: str | Path) -> ParsedModule | None:
        """The parsed module of a file under (or, for lone files, outside) the root."""
        raw = str(path)
        if raw in self._by_path:
            return self._by_path[raw]
        resolved = Path(path).resolve()
        key = str(resolved)
        if key in self._by_path:
            self._by_path[raw] = self._by_path[key]
            return self._by_path[key]
        parsed: ParsedModule | None = None
        try:
            base = self.root if resolved.is_relative_to(self.root) else resolved.parent
            parsed = parse_module(base, resolved)
        except (SyntaxError, ValueError, OSError) as exc:
            self.errors[key] = f"{type(exc).__name__}: {exc}"
        self._by_path[key] = parsed
        self._by_path[raw] = parsed
        return parsed

    def module_named(self, dotted: str, near: ParsedModule | None = None) -> ParsedModule | None:
        """Find a module by dotted name under the root, or beside ``near`` (Lambda puts the
        handler's directory on ``sys.path`` only when it is the root, but flat layouts that
        import siblings by bare name are common in code that is packaged per folder)."""
        memo_key = (dotted, os.path.dirname(near.path) if near is not None else "")
        if memo_key in self._by_name:
            return self._by_name[memo_key]
        found = self._find_module(dotted, near)
        self._by_name[memo_key] = found
        return found

    def _find_module(self, dotted: str, near: ParsedModule | None) -> ParsedModule | None:
        if not dotted or any(not part.isidentifier() for part in dotted.split(".")):
            return None
        rel = Path(*dotted.split("."))
        bases = [self.root]
        if near is not None:
            here = Path(near.path).parent
            if here != self.root:
                bases.append(here)
        for base in bases:
            for candidate in (base / rel.with_suffix(".py"), base / rel / "__init__.py"):
                if candidate.is_file():
                    return self.module_at(candidate)
        return None

    def python_files(self) -> Iterator[Path]:
        """Every ``.py`` file under the root, skipping virtualenvs, caches and dependencies."""
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith(".")
                                 and not d.endswith((".dist-info", ".egg-info")))
            for filename in sorted(filenames):
                if filename.endswith(".py"):
                    yield Path(dirpath) / filename

    @property
    def parsed(self) -> Iterable[ParsedModule]:
        """Each parsed module once (the cache also keys them by unresolved path)."""
        unique = {id(m): m for m in self._by_path.values() if m is not None}
        return list(unique.values())

    # -- names -----------------------------------------------------------------------------
    def qualified_name(self, module: ParsedModule, expr: ast.expr) -> str | None:
        """The dotted name an expression denotes through the module's imports.

        ``sp.Popen`` with ``import subprocess as sp`` → ``subprocess.Popen``; ``open`` →
        ``open`` (a builtin, unless the module rebinds it); a local function ``f`` →
        ``<module>.f``. Calls and subscripts in the chain give ``None``.
        """
        parts: list[str] = []
        node = expr
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        head = node.id
        if head in module.imports:
            base = module.imports[head]
        elif head in module.functions or head in module.assigned or head in module.classes:
            base = f"{module.name}.{head}" if module.name else head
        else:
            base = head
        return ".".join([base, *reversed(parts)])

    def function(self, qualified: str, near: ParsedModule | None = None) -> FunctionInfo | None:
        """The function of this code directory a qualified name denotes, if any.

        Tries every split of ``a.b.c.d`` into module ``a.b`` and qualname ``c.d`` so that
        ``pkg.mod.func``, ``mod.Cls.method`` and a bare ``func`` of ``near`` all resolve.
        """
        if near is not None and qualified.startswith(f"{near.name}."):
            local = qualified[len(near.name) + 1:]
            if local in near.functions:
                return near.functions[local]
        if near is not None and not near.name and qualified in near.functions:
            return near.functions[qualified]
        pieces = qualified.split(".")
        for cut in range(len(pieces) - 1, 0, -1):
            mod_name, qual = ".".join(pieces[:cut]), ".".join(pieces[cut:])
            module = self.module_named(mod_name, near)
            if module is None:
                continue
            if qual in module.functions:
                return module.functions[qual]
            if qual in module.classes and f"{qual}.__init__" in module.functions:
                return module.functions[f"{qual}.__init__"]
            # ``from pkg import mod`` then ``mod.f``: a re-export through an __init__.
            target = module.imports.get(pieces[cut])
            if target and target != qualified:
                rest = ".".join([target, *pieces[cut + 1:]])
                if rest != qualified:
                    return self.function(rest, module)
            return None
        return None


def code_index(root: str | Path, cache: MutableMapping[str, Any] | None = None) -> CodeIndex:
    """The shared index of a code directory: one per scan when ``cache`` is the scan's cache."""
    key = str(Path(root).resolve())
    if cache is None:
        return CodeIndex(key)
    indexes = cache.setdefault(CACHE_KEY, {})
    index = indexes.get(key)
    if index is None:
        index = indexes[key] = CodeIndex(key)
    return index
