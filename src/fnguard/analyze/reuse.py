"""Container-reuse rules (FG6xx, static part): state that outlives one invocation.

A warm Lambda container runs many invocations, for many callers, one after the other. Files left
under /tmp and module-level variables filled during an invocation are still there for the next
caller — and for an attacker who gets code execution in any later invocation. These rules read
the handler file with :mod:`ast`; the guard's hygiene module cleans up at runtime.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fnguard.analyze.context import ScanContext
from fnguard.analyze.registry import check, define, finding
from fnguard.analyze.secrets_patterns import name_says_secret
from fnguard.model import App, Finding, Function

define("FG601", "medium", "Handler writes under /tmp and never removes what it wrote",
       "Remove the files in a finally block, or use tempfile.TemporaryDirectory() as a context manager.")
define("FG602", "medium", "Module-level mutable state caches secrets or per-user data across invocations",
       "Keep per-request data in local variables; cache secrets with an expiry, never per-user data.")

# Calls that create a file at the path given as (positional index, keyword).
FILE_WRITERS: dict[str, tuple[int, str | None]] = {
    "open": (0, "file"),
    "download_file": (2, "Filename"),
    "copy": (1, None),
    "copyfile": (1, None),
    "copy2": (1, None),
    "urlretrieve": (1, "filename"),
    "write_text": (-1, None),
    "write_bytes": (-1, None),
    "mkdir": (-1, None),
    "makedirs": (0, "name"),
    "extractall": (0, "path"),
    "savefig": (0, "fname"),
    "save": (0, None),
    "to_csv": (0, "path_or_buf"),
}
# Calls that remove files or directories.
FILE_REMOVERS = frozenset({"remove", "unlink", "rmtree", "rmdir", "removedirs"})
# Shell runners: a command that redirects (``> /tmp/x``) or outputs (``-o /tmp/x``) into /tmp writes there.
SHELL_RUNNERS = frozenset({"system", "popen", "run", "call", "check_call", "check_output", "Popen", "getoutput"})
# tempfile helpers that leave the file behind unless told otherwise.
TEMPFILE_LEFT_BEHIND = frozenset({"mkstemp", "mkdtemp"})
# Calls whose result is a secret.
SECRET_SOURCES = frozenset({"get_secret_value", "get_parameter", "get_parameters", "get_parameters_by_path", "decrypt",
                            "get_secret", "get_authorization_token", "assume_role", "get_session_token"})
MUTATING_METHODS = frozenset({"append", "extend", "insert", "update", "setdefault", "add", "__setitem__"})
EVENT_PARAMETERS = frozenset({"event", "evt", "request", "req", "body", "payload", "message", "record"})


@dataclass(frozen=True)
class ParsedHandler:
    path: str
    tree: ast.Module


def _modules(function: Function, context: ScanContext) -> list[ParsedHandler]:
    """The handler file and the project modules it imports directly (helpers often do the /tmp work).

    Parsing goes through the shared code index (:mod:`fnguard.code.modules`), so each file is parsed
    once per scan whatever the number of analyses reading it; vendored libraries are left out.
    """
    path = function.handler_file
    if not path or not path.endswith(".py"):
        return []
    from fnguard.code.modules import code_index, is_vendored

    index = code_index(function.code_dir or str(Path(path).parent), context.cache)
    handler = index.module_at(path)
    if handler is None:
        context.warn(f"{path}: cannot parse handler; reuse rules skipped")
        return []
    found = [ParsedHandler(handler.path, handler.tree)]
    for qualified in sorted(set(handler.imports.values())):
        module = index.module_named(qualified, handler) or (
            index.module_named(qualified.rsplit(".", 1)[0], handler) if "." in qualified else None)
        if module is not None and module.path != handler.path and not is_vendored(module.path) \
                and all(m.path != module.path for m in found):
            found.append(ParsedHandler(module.path, module.tree))
    return found


def _unique_handlers(app: App, context: ScanContext) -> Iterator[tuple[Function, ParsedHandler]]:
    """Each file once (several functions may share one), with the first function that reaches it."""
    seen: set[str] = set()
    for function in app.functions:
        for parsed in _modules(function, context):
            if parsed.path not in seen:
                seen.add(parsed.path)
                yield function, parsed


# --------------------------------------------------------------------------------------------
# FG601 — /tmp files never removed
# --------------------------------------------------------------------------------------------

class _TmpPaths:
    """Which expressions denote a path under /tmp: literals, f-strings, joins, and names bound to them."""

    def __init__(self, tree: ast.Module) -> None:
        self.names: set[str] = set()
        self.values: dict[str, ast.AST] = {}
        self.constants: set[str] = set()
        for node in tree.body:  # module-level constants: INVENTORY_FILE = "inventory.db", X = os.environ["X"]
            if isinstance(node, ast.Assign) and (isinstance(node.value, ast.Constant) or _environ_read(node.value)):
                self.constants.update(t.id for t in node.targets if isinstance(t, ast.Name))
        changed = True
        assigns = [n for n in ast.walk(tree) if isinstance(n, (ast.Assign, ast.AnnAssign))]
        for node in assigns:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and node.value is not None:
                    self.values.setdefault(target.id, node.value)
        while changed:
            changed = False
            for node in assigns:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if node.value is None or not self.is_tmp(node.value):
                    continue
                for target in targets:
                    if isinstance(target, ast.Name) and target.id not in self.names:
                        self.names.add(target.id)
                        changed = True

    def is_fixed(self, node: ast.AST, depth: int = 0) -> bool:
        """The path is the same at every invocation (a deliberate cache file), not per request."""
        if depth > 8:
            return False
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.Name):
            if node.id in self.constants:
                return True
            value = self.values.get(node.id)
            return value is not None and self.is_fixed(value, depth + 1)
        if isinstance(node, ast.JoinedStr):
            return all(self.is_fixed(v.value if isinstance(v, ast.FormattedValue) else v, depth + 1) for v in node.values)
        if isinstance(node, ast.BinOp):
            return self.is_fixed(node.left, depth + 1) and self.is_fixed(node.right, depth + 1)
        if isinstance(node, ast.Call) and _call_name(node) in ("join", "Path") and node.args:
            return all(self.is_fixed(a, depth + 1) for a in node.args)
        if isinstance(node, ast.Call) and _call_name(node) == "gettempdir":
            return True
        return False

    def is_tmp(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value == "/tmp" or node.value.startswith("/tmp/")
        if isinstance(node, ast.JoinedStr):
            return bool(node.values) and self.is_tmp(node.values[0]) if isinstance(node.values[0], ast.Constant) else (
                bool(node.values) and isinstance(node.values[0], ast.FormattedValue) and self.is_tmp(node.values[0].value))
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
            return self.is_tmp(node.left)
        if isinstance(node, ast.Name):
            return node.id in self.names
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in ("join", "Path", "PurePath", "PosixPath") and node.args:
                return self.is_tmp(node.args[0])
            if name in ("format",) and isinstance(func, ast.Attribute):
                return self.is_tmp(func.value)
            if name == "gettempdir":
                return True
        if isinstance(node, ast.Attribute) and node.attr == "name":
            return False
        return False


def _environ_read(node: ast.AST) -> bool:
    text = ast.unparse(node)
    return text.startswith(("os.environ", "os.getenv", "environ"))


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _arg(node: ast.Call, index: int, keyword: str | None) -> ast.AST | None:
    if keyword:
        for item in node.keywords:
            if item.arg == keyword:
                return item.value
    if index == -1:
        return node.func.value if isinstance(node.func, ast.Attribute) else None
    return node.args[index] if len(node.args) > index else None


def _writes_mode(node: ast.Call) -> bool:
    """``open`` writes when its mode has w, a, x or +; other writers always write."""
    mode = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "mode"), None)
    if mode is None:
        return False
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and any(c in mode.value for c in "wax+")


@dataclass(frozen=True)
class TmpWrite:
    line: int
    what: str
    fixed: bool
    """The same path at every invocation: overwritten, not accumulated (a cache file)."""


def tmp_writes(tree: ast.Module) -> list[TmpWrite]:
    """Every write under /tmp, and tempfile calls that leave files behind."""
    paths = _TmpPaths(tree)
    found: list[TmpWrite] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        if name in TEMPFILE_LEFT_BEHIND:
            found.append(TmpWrite(node.lineno, f"tempfile.{name}()", False))
            continue
        if name == "NamedTemporaryFile" and any(
            k.arg == "delete" and isinstance(k.value, ast.Constant) and k.value.value is False for k in node.keywords
        ):
            found.append(TmpWrite(node.lineno, "NamedTemporaryFile(delete=False)", False))
            continue
        if name in SHELL_RUNNERS and node.args and _shell_writes_tmp(node.args[0], paths):
            found.append(TmpWrite(node.lineno, f"a shell command ({name}) redirecting into /tmp", False))
            continue
        if name == "open" and isinstance(node.func, ast.Attribute) and paths.is_tmp(node.func.value):
            mode = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "mode"), None)
            if isinstance(mode, ast.Constant) and isinstance(mode.value, str) and any(c in mode.value for c in "wax+"):
                found.append(TmpWrite(node.lineno, f"{ast.unparse(node.func.value)[:60]}.open()",
                                      paths.is_fixed(node.func.value)))
            continue
        spec = FILE_WRITERS.get(name)
        if spec is None:
            continue
        target = _arg(node, *spec)
        if target is None or not paths.is_tmp(target):
            continue
        if name == "open" and not _writes_mode(node):
            continue
        found.append(TmpWrite(node.lineno, f"{name}({ast.unparse(target)[:60]})", paths.is_fixed(target)))
    return found


def _shell_writes_tmp(command: ast.AST, paths: _TmpPaths) -> bool:
    """``f"tool > {tmp_path}"`` or ``"tool -o /tmp/out"``: output lands under /tmp."""
    parts = command.values if isinstance(command, ast.JoinedStr) else [command]
    text = ""
    for part in parts:
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            text += part.value
        elif isinstance(part, ast.FormattedValue):
            text += "/tmp/x" if paths.is_tmp(part.value) else "{}"
    return any(marker in text for marker in ("> /tmp", ">/tmp", "-o /tmp", "--output /tmp", "--output=/tmp"))


def removes_files(tree: ast.Module) -> bool:
    """True when the module removes files anywhere, or scopes them to a TemporaryDirectory context."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if name in FILE_REMOVERS or name in ("TemporaryDirectory", "cleanup"):
                return True
    return False


@check("FG601")
def tmp_left_behind(app: App, context: ScanContext) -> Iterator[Finding]:
    """/tmp survives between invocations: the next caller's code (or an attacker's) reads the last caller's files."""
    for function, parsed in _unique_handlers(app, context):
        writes = tmp_writes(parsed.tree)
        if not writes or removes_files(parsed.tree):
            continue
        for write in writes:
            consequence = ("it is overwritten at each invocation, so whatever one caller leaves there the next one reads"
                           if write.fixed else
                           "the next invocation in this container — another caller's — can read it, and /tmp fills up")
            yield finding(
                "FG601",
                f"{function.name} writes under /tmp ({write.what}) and never removes it: the file outlives the "
                f"invocation; {consequence}.",
                function=function.name, file=parsed.path, line=write.line, severity="low" if write.fixed else None,
                remediation=("Wrap the work in `with tempfile.TemporaryDirectory() as work:` and write inside `work`, "
                             "or `os.remove(path)` in a `finally:` block."),
                details={"subject": f"{Path(parsed.path).name}:{write.what}", "write": write.what,
                         "fixed_path": write.fixed},
            )


# --------------------------------------------------------------------------------------------
# FG602 — module-level caches of secrets or per-user data
# --------------------------------------------------------------------------------------------

def _module_mutables(tree: ast.Module) -> dict[str, int]:
    """Module-level names bound to a mutable container (dict/list/set literals or constructors)."""
    found: dict[str, int] = {}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = node.value
            mutable = isinstance(value, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)) or (
                isinstance(value, ast.Call) and _call_name(value) in ("dict", "list", "set", "defaultdict",
                                                                       "OrderedDict", "deque", "Counter"))
            if mutable or isinstance(value, ast.Constant) and value.value is None:
                for target in targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = node.lineno
    return found


def _tainted_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[set[str], set[str]]:
    """Names in a function holding event data, and names holding secrets (one pass of propagation)."""
    params = [a.arg for a in function.args.args]
    event = {p for p in params if p in EVENT_PARAMETERS}
    if params and params[0] not in ("self", "cls") and len(params) >= 2 and params[1] == "context":
        event.add(params[0])
    secret: set[str] = set()
    for _ in range(3):
        for node in ast.walk(function):
            if isinstance(node, ast.Assign):
                targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
                for tgt in node.targets:
                    if isinstance(tgt, ast.Tuple):
                        targets += [e.id for e in tgt.elts if isinstance(e, ast.Name)]
                if _mentions(node.value, event):
                    event.update(targets)
                if _secret_expr(node.value, secret):
                    secret.update(targets)
            elif isinstance(node, (ast.For, ast.comprehension)) and _mentions(node.iter, event):
                target = node.target
                event.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return event, secret


def _mentions(node: ast.AST | None, names: set[str]) -> bool:
    return node is not None and any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def _secret_expr(node: ast.AST | None, secret_names: set[str]) -> bool:
    if node is None:
        return False
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and _call_name(sub) in SECRET_SOURCES:
            return True
        if isinstance(sub, ast.Name) and sub.id in secret_names:
            return True
        if isinstance(sub, ast.Subscript) and isinstance(sub.slice, ast.Constant) and isinstance(sub.slice.value, str):
            if sub.slice.value in ("SecretString", "SecretBinary", "Plaintext", "Credentials"):
                return True
    return False


@dataclass(frozen=True)
class CacheWrite:
    name: str
    line: int
    kind: str
    """``per-user data`` (event-derived) or ``secret``."""


def cache_writes(tree: ast.Module) -> list[CacheWrite]:
    """Writes, inside functions, of event data or secrets into module-level mutable state."""
    mutables = _module_mutables(tree)
    writes: list[CacheWrite] = []
    for function in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
        declared_global = {name for node in ast.walk(function) if isinstance(node, ast.Global) for name in node.names}
        event, secret = _tainted_names(function)
        for node in ast.walk(function):
            target_name, payload = None, None
            if isinstance(node, (ast.Assign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) \
                            and target.value.id in mutables and target.value.id not in _locals(function):
                        target_name, payload = target.value.id, ast.Tuple(elts=[target.slice, node.value])
                    elif isinstance(target, ast.Name) and target.id in declared_global:
                        target_name, payload = target.id, node.value
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in MUTATING_METHODS and isinstance(node.func.value, ast.Name) \
                    and node.func.value.id in mutables and node.func.value.id not in _locals(function):
                target_name = node.func.value.id
                payload = ast.Tuple(elts=list(node.args) + [k.value for k in node.keywords])
            if target_name is None or payload is None:
                continue
            if _builds_client(payload):
                continue  # an SDK client (even one pointed at an endpoint from the event) holds no user data
            if _secret_expr(payload, secret) or (name_says_secret(target_name) and target_name in declared_global):
                writes.append(CacheWrite(target_name, node.lineno, "secret"))
            elif _mentions(payload, event):
                writes.append(CacheWrite(target_name, node.lineno, "per-user data"))
    return writes


def _builds_client(node: ast.AST) -> bool:
    """``boto3.client(...)``, ``session.resource(...)``, ``Table(...)``: connection objects, not data."""
    return isinstance(node, ast.Call) and _call_name(node) in ("client", "resource", "Session", "Table", "connect")


def _locals(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Names the function binds itself (and does not declare global): they shadow module state."""
    declared_global = {name for node in ast.walk(function) if isinstance(node, ast.Global) for name in node.names}
    bound = {t.id for node in ast.walk(function) if isinstance(node, ast.Assign)
             for t in node.targets if isinstance(t, ast.Name)}
    bound |= {a.arg for a in function.args.args}
    return bound - declared_global


@check("FG602")
def module_state_caches(app: App, context: ScanContext) -> Iterator[Finding]:
    """Module state survives into the next invocation, which may serve another user."""
    for function, parsed in _unique_handlers(app, context):
        seen: set[tuple[str, str]] = set()
        for write in cache_writes(parsed.tree):
            if (write.name, write.kind) in seen:
                continue
            seen.add((write.name, write.kind))
            why = ("the next invocation in this warm container — possibly another user's — sees it" if write.kind
                   == "per-user data" else "it stays in memory for the container's life, with no expiry or rotation")
            yield finding(
                "FG602",
                f"{function.name} stores {write.kind} in the module-level {write.name}: {why}.",
                function=function.name, file=parsed.path, line=write.line,
                remediation=(f"Make {write.name} a local variable of the handler"
                             if write.kind == "per-user data" else
                             f"Cache the secret with a time-to-live (e.g. aws-lambda-powertools "
                             f"`parameters.get_secret(name, max_age=300)`) instead of a bare global {write.name}")
                + ", and clear it in a `finally:` block if it must live at module level.",
                details={"subject": f"{Path(parsed.path).name}:{write.name}:{write.kind}", "variable": write.name,
                         "kind": write.kind},
            )
