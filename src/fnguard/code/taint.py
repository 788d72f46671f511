"""Taint analysis: follow event data through a function's code directory to dangerous sinks.

Each function of the code directory is walked once, with its parameters as placeholders, into
a :class:`Summary`: which parameters reach its return value and which reach which sinks (with
the path of steps inside it). A call to a function of the same directory applies the callee's
summary instead of walking it again, so the cost of a whole analysis stays linear in the size
of the code reached; recursion cuts a cycle with an empty summary. An entry point (the handler,
a Chalice/Flask route) is then a summary whose event placeholders are the real sources.

The walk is flow-sensitive inside a function (assignments replace, branches merge, an
``if not valid(x): return`` guard clears ``x`` after it) and field-sensitive for dictionaries
with constant keys, which is what keeps ``event['ResponseURL']`` apart from ``event['body']``.
Unknown calls pass taint from their arguments and receiver to their result (taint-in, taint-out),
except for the converters, store reads and sanitisers listed in :mod:`fnguard.code.sanitizers`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from fnguard.code import sanitizers as san
from fnguard.code import sinks as sk
from fnguard.code import sources as src
from fnguard.code.modules import CodeIndex, FunctionInfo, ParsedModule, is_vendored

MAX_TAINTS = 6
"""Distinct taints kept per value: enough to report each source once, bounded for speed."""
MAX_FLOW = 24
"""Steps kept per flow (the first ones and the last ones)."""
MAX_DEPTH = 40
"""Nested summary computations before a callee is treated as taint-in, taint-out (stack safety)."""

_URL_WITH_HOST = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#{}%]+[/?#]")
_HOST_ONLY = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#{}%T]+$")
"""A URL prefix that ends with an untainted host: what follows decides whether the host is fixed."""
_STRING_KEYS_RE = re.compile(r"\[['\"]([^'\"]+)['\"]\]$|\.(\w+)$")


@dataclass(frozen=True)
class Step:
    """One step of a flow: where the value went and how."""

    file: str
    line: int
    step: str

    def to_json(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "step": self.step}


@dataclass(frozen=True)
class Taint:
    """Attacker data (or, inside a summary, whatever a parameter holds), with its history."""

    origin: str
    """Access path from the source: ``event['body']``; for a placeholder, the path below it."""
    label: str
    """``param`` (a parameter placeholder) or ``framework`` (a framework request object)."""
    param: int | None = None
    flow: tuple[Step, ...] = field(default=(), compare=False)
    """How the value got here. Not part of identity: one flow per distinct taint is enough."""
    cleared: frozenset[str] = frozenset()
    """Kinds of sink this value has been made safe for."""
    shape: str = "obj"
    """``obj`` when the value may be a dict or list (it can carry query operators), ``str`` when not."""
    host_fixed: bool = False
    """Joined after a constant scheme://host/ prefix: a URL the caller cannot point elsewhere."""
    stored: bool = False
    """Read back from a database by an event-chosen key: second-order, one step less certain."""
    led: bool = False
    """The string holding this value starts with a constant ``/`` or ``?``: a path, not a host."""
    host_pending: bool = False
    """Placed right after ``scheme://<untainted host>``: host-fixed if the value is ``led``."""
    open: bool = True
    """The origin is still a plain access path, so accessing further extends it."""


Taints = frozenset[Taint]
EMPTY: Taints = frozenset()


@dataclass(frozen=True)
class SinkHit:
    """A tainted value reaching a sink."""

    sink: sk.Sink
    taint: Taint
    file: str
    line: int
    callee: str


@dataclass(frozen=True)
class Summary:
    """What a function does with its parameters, computed once."""

    returns: Taints = EMPTY
    hits: tuple[SinkHit, ...] = ()
    """Sinks reached by a parameter (placeholder taints) or by a framework source (real ones)."""
    callees: tuple[str, ...] = ()
    validates: bool = False
    """It may return something falsy or computed: usable as a guard ``if not f(x): return``."""
    attributes: tuple[tuple[str, Taints], ...] = ()
    """For a method: what it leaves in ``self.<attr>`` (``__init__`` builds an object's fields)."""


@dataclass(frozen=True)
class Flow:
    """A reported flow from a source to a sink."""

    kind: str
    sink: str
    file: str
    line: int
    source: str
    source_kind: str
    """``event`` (the handler's parameters) or ``framework`` (a request object)."""
    flow: tuple[Step, ...]
    entry: str
    host_fixed: bool = False
    note: str = ""
    stored: bool = False


@dataclass(frozen=True)
class Entry:
    """An entry point: a function and which of its parameters the caller controls."""

    function: FunctionInfo
    params: tuple[int, ...]
    trigger: str | None = None
    """Trigger type implied by a framework decorator (``http`` for a route)."""


# ----------------------------------------------------------------------------- helpers
def _cap(taints: Iterable[Taint]) -> Taints:
    result = frozenset(taints)
    if len(result) <= MAX_TAINTS:
        return result
    ranked = sorted(result, key=lambda t: (t.param is None, len(t.cleared), len(t.flow), t.origin))
    return frozenset(ranked[:MAX_TAINTS])


def _join_flow(*parts: tuple[Step, ...]) -> tuple[Step, ...]:
    flow: list[Step] = []
    for part in parts:
        for step in part:
            if not flow or flow[-1] != step:
                flow.append(step)
    if len(flow) > MAX_FLOW:
        flow = flow[: MAX_FLOW // 3] + flow[-(MAX_FLOW - MAX_FLOW // 3):]
    return tuple(flow)


def _evolve(taint: Taint, **changes: object) -> Taint:
    """``dataclasses.replace`` without its per-call validation: this is the analysis' inner loop."""
    current = taint.__dict__
    if all(current[key] == value for key, value in changes.items()):
        return taint
    state = dict(current)
    state.update(changes)
    new = object.__new__(Taint)
    object.__setattr__(new, "__dict__", state)
    return new


def _map(taints: Taints, **changes: object) -> Taints:
    return frozenset(_evolve(t, **changes) for t in taints) if taints else EMPTY


def _closed(taints: Taints, shape: str | None = None, led: bool = False) -> Taints:
    if not taints:
        return EMPTY
    return frozenset(_evolve(t, open=False, shape=shape or t.shape, led=led) for t in taints)


def _clear(taints: Taints, kinds: frozenset[str]) -> Taints:
    if not taints or not kinds:
        return taints
    return frozenset(_evolve(t, cleared=t.cleared | kinds, open=False) for t in taints)


def _host_complete(prefix: str) -> bool:
    """Whether a URL prefix (``X`` = untainted value, ``T`` = tainted) already fixes the host."""
    head = prefix.split("T", 1)[0]
    return bool(_URL_WITH_HOST.match(head) or re.match(r"^X[/?#]", head))


def _leaves(node: ast.expr) -> Iterator[ast.expr]:
    """The values a formatted string is made of (what is printed as text, not as repr)."""
    if isinstance(node, ast.JoinedStr):
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                yield from _leaves(part.value)
    elif isinstance(node, ast.BinOp):
        yield from _leaves(node.left)
        yield from _leaves(node.right)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        for arg in node.args:
            yield from _leaves(arg)
    elif isinstance(node, ast.Tuple):
        for element in node.elts:
            yield from _leaves(element)
    elif not isinstance(node, ast.Constant):
        yield node


def _const_str(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _last_key(origin: str) -> str | None:
    match = _STRING_KEYS_RE.search(origin)
    if not match:
        return None
    return match.group(1) or match.group(2)


def _dotted(node: ast.expr) -> str | None:
    """``self.a.b`` → ``"self.a.b"``; a bare name → itself; anything else → None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def _terminates(body: list[ast.stmt]) -> bool:
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.Return | ast.Raise | ast.Continue | ast.Break):
        return True
    if isinstance(last, ast.If):
        return _terminates(last.body) and _terminates(last.orelse)
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
        func = last.value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name in {"exit", "abort", "_exit"}
    return False


def _short(node: ast.AST, limit: int = 60) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # noqa: BLE001 - unparse of odd nodes must not stop an analysis
        return type(node).__name__
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ------------------------------------------------------------------------------ engine
class TaintEngine:
    """Summaries of the functions of one code directory, computed on demand and memoised."""

    def __init__(self, index: CodeIndex) -> None:
        self.index = index
        self.summaries: dict[str, Summary] = index.analysis_cache.setdefault("taint.summaries", {})
        self._types: dict[str, dict[str, str]] = index.analysis_cache.setdefault("taint.types", {})
        self._in_progress: set[str] = set()

    def summary(self, info: FunctionInfo) -> Summary:
        cached = self.summaries.get(info.key)
        if cached is not None:
            return cached
        if info.key in self._in_progress:
            return Summary()
        if len(self._in_progress) >= MAX_DEPTH:
            return Summary(returns=frozenset(Taint(origin="", label="param", param=i, open=False)
                                             for i in range(len(info.params))))
        module = self.index.module_at(info.path) if info.path else self._module_of(info)
        if module is None:
            return Summary()
        self._in_progress.add(info.key)
        try:
            walker = _Walker(self, module, info)
            result = walker.run()
        finally:
            self._in_progress.discard(info.key)
        self.summaries[info.key] = result
        return result

    def _module_of(self, info: FunctionInfo) -> ParsedModule | None:
        for module in self.index.parsed:
            if module.name == info.module and info.qualname in module.functions:
                return module
        return None

    def module_types(self, module: ParsedModule) -> dict[str, str]:
        """Types of module-level names bound to a constructor call (``http = urllib3.PoolManager()``)."""
        types = self._types.get(module.path)
        if types is None:
            types = {}
            for node in module.tree.body:
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                    qualified = self.index.qualified_name(module, node.value.func)
                    if qualified:
                        for target in node.targets:
                            if isinstance(target, ast.Name):
                                types[target.id] = _type_of_call(qualified, node.value)
            self._types[module.path] = types
        return types

    def flows(self, entry: Entry) -> list[Flow]:
        """Flows from the entry's parameters (and any framework source it reaches) to sinks."""
        info = entry.function
        summary = self.summary(info)
        path = info.path
        params = info.params
        flows: list[Flow] = []
        for hit in self._closure_hits(info):
            taint = hit.taint
            if taint.label == "param":
                if hit not in summary.hits or taint.param not in entry.params:
                    continue
                name = params[taint.param] if taint.param is not None and taint.param < len(params) else "event"
                origin = name + taint.origin
                start = (Step(path, info.node.lineno, f"source: parameter {name!r} of {info.qualname}"),)
                source_kind = "event"
            else:
                origin = taint.origin
                start = ()
                source_kind = "framework"
            flows.append(Flow(
                kind=hit.sink.kind,
                sink=hit.callee,
                file=hit.file,
                line=hit.line,
                source=origin,
                source_kind=source_kind,
                flow=_join_flow(start, taint.flow, (Step(hit.file, hit.line, f"sink: {hit.callee}"),)),
                entry=info.key,
                host_fixed=taint.host_fixed,
                note=hit.sink.note,
                stored=taint.stored,
            ))
        return _dedupe(flows)

    def _closure_hits(self, info: FunctionInfo) -> Iterator[SinkHit]:
        """The entry's own hits, then framework-source hits of every function it reaches."""
        seen: set[str] = set()
        stack = [info.key]
        first = True
        while stack:
            key = stack.pop()
            if key in seen:
                continue
            seen.add(key)
            summary = self.summaries.get(key)
            if summary is None:
                continue
            for hit in summary.hits:
                if first or hit.taint.label != "param":
                    yield hit
            first = False
            stack.extend(summary.callees)


def _dedupe(flows: list[Flow]) -> list[Flow]:
    best: dict[tuple[str, str, int, str], Flow] = {}
    for flow in flows:
        key = (flow.kind, flow.file, flow.line, flow.source)
        if key not in best or len(flow.flow) < len(best[key].flow):
            best[key] = flow
    return sorted(best.values(), key=lambda f: (f.file, f.line, f.kind, f.source))


def _type_of_call(qualified: str, call: ast.Call) -> str:
    """The type name a constructor call gives its result; boto3 factories keep the service."""
    if qualified in {"boto3.client", "boto3.resource", "boto3.session.Session.client",
                     "boto3.session.Session.resource"} and call.args:
        service = _const_str(call.args[0])
        if service:
            return f"{qualified}.{service}"
    if qualified in {"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath"}:
        return "pathlib.Path"
    return qualified


# ------------------------------------------------------------------------------ walker
class _Walker:
    """Walks one function body; stateful only while it runs."""

    def __init__(self, engine: TaintEngine, module: ParsedModule, info: FunctionInfo) -> None:
        self.engine = engine
        self.index = engine.index
        self.module = module
        self.info = info
        self.file = module.path
        self.env: dict[str, Taints] = {}
        self.fields: dict[str, set[str]] = {}
        self.types: dict[str, str] = dict(engine.module_types(module))
        self.realpaths: set[str] = set()
        self.safe_parsers: set[str] = set()
        self.returns: set[Taint] = set()
        self.hits: list[SinkHit] = []
        self.callees: set[str] = set()
        self.validates = False
        self._built: tuple[ast.Call, dict[str, Taints]] | None = None
        """The last constructor call of a local class and the fields it gave its object."""
        self.objects: set[str] = set()
        """Names bound to objects of local classes, whose fields are tracked one by one."""

    # -- entry ----------------------------------------------------------------------------
    def run(self) -> Summary:
        args = self.info.node.args
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        for position, arg in enumerate(params):
            annotation = self.index.qualified_name(self.module, arg.annotation) if arg.annotation else None
            if annotation in san.SAFE_TYPES:
                continue
            self.env[arg.arg] = frozenset({Taint(origin="", label="param", param=position)})
        for extra in (args.vararg, args.kwarg):
            if extra is not None:
                self.env[extra.arg] = frozenset({Taint(origin="", label="param", param=len(params))})
        self.block(self.info.node.body)
        unique: dict[tuple[object, ...], SinkHit] = {}
        for hit in self.hits:
            key = (hit.sink.kind, hit.file, hit.line, hit.taint.param, hit.taint.origin, hit.taint.label)
            if key not in unique or len(hit.taint.flow) < len(unique[key].taint.flow):
                unique[key] = hit
        return Summary(
            returns=_cap(self.returns),
            hits=tuple(unique.values()),
            callees=tuple(sorted(self.callees)),
            validates=self.validates,
            attributes=tuple(sorted((key[5:], value) for key, value in self.env.items()
                                    if key.startswith("self.") and "." not in key[5:])),
        )

    # -- statements -----------------------------------------------------------------------
    def block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.stmt(stmt)
            if isinstance(stmt, ast.Return | ast.Raise | ast.Continue | ast.Break):
                break

    def stmt(self, node: ast.stmt) -> None:  # noqa: C901 - one branch per statement type
        if isinstance(node, ast.Assign):
            if self._pairwise(node):
                return
            value = self.expr(node.value)
            for target in node.targets:
                self.bind(target, value, node.value, node.lineno)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.bind(node.target, self.expr(node.value), node.value, node.lineno)
        elif isinstance(node, ast.AugAssign):
            value = self.expr(node.value)
            current = self.load_target(node.target)
            if isinstance(node.op, ast.Add) and value and not current:
                value = self._host_fix(node.target, value)
            self.bind(node.target, _closed(current | value, "str") if value else current, node.value,
                      node.lineno, weak=True)
        elif isinstance(node, ast.Expr):
            self.expr(node.value)
        elif isinstance(node, ast.Return):
            if node.value is not None:
                value = self.expr(node.value)
                self.returns.update(value)
                self._check_response(node.value)
                if not (isinstance(node.value, ast.Constant) and node.value.value is True):
                    self.validates = True
            else:
                self.validates = True
        elif isinstance(node, ast.If):
            self.stmt_if(node)
        elif isinstance(node, ast.For | ast.AsyncFor):
            iterated = self.expr(node.iter)
            self.loop(node.body, node.orelse, lambda: self.bind(node.target, iterated, node.iter, node.lineno))
        elif isinstance(node, ast.While):
            self.expr(node.test)
            self.loop(node.body, node.orelse, lambda: None)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                value = self.expr(item.context_expr)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, value, item.context_expr, node.lineno)
            self.block(node.body)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            self.stmt_try(node)  # type: ignore[arg-type]
        elif isinstance(node, ast.Match):
            self.expr(node.subject)
            before = self.env
            merged: dict[str, Taints] = dict(before)
            for case in node.cases:
                self.env = dict(before)
                self.block(case.body)
                merged = _merge(merged, self.env)
            self.env = merged
        elif isinstance(node, ast.Raise):
            if node.exc is not None:
                self.expr(node.exc)
        elif isinstance(node, ast.Delete | ast.Pass | ast.Global | ast.Nonlocal | ast.Import
                        | ast.ImportFrom | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
                        | ast.Break | ast.Continue | ast.Assert):
            if isinstance(node, ast.Assert):
                self.apply_narrowing(self.narrowing(node.test)[0])
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.expr(child)

    def stmt_if(self, node: ast.If) -> None:
        self.expr(node.test)
        when_true, when_false = self.narrowing(node.test)
        before = self.env
        self.env = dict(before)
        self.apply_narrowing(when_true)
        self.block(node.body)
        body_env, body_ends = self.env, _terminates(node.body)
        self.env = dict(before)
        self.apply_narrowing(when_false)
        self.block(node.orelse)
        else_env, else_ends = self.env, _terminates(node.orelse)
        if body_ends and not else_ends:
            self.env = else_env
        elif else_ends and not body_ends:
            self.env = body_env
        else:
            self.env = _merge(body_env, else_env)

    def stmt_try(self, node: ast.Try) -> None:
        before = dict(self.env)
        self.block(node.body)
        merged = _merge(before, self.env)
        for handler in node.handlers:
            self.env = dict(merged)
            if handler.name:
                self.env[handler.name] = EMPTY
            self.block(handler.body)
            merged = _merge(merged, self.env)
        self.env = merged
        self.block(node.orelse)
        self.block(node.finalbody)

    def loop(self, body: list[ast.stmt], orelse: list[ast.stmt], bind_target: object) -> None:
        before = dict(self.env)
        for _ in range(2):
            start = dict(self.env)
            bind_target()  # type: ignore[operator]
            self.block(body)
            self.env = _merge(start, self.env)
            if self.env == start:
                break
        self.env = _merge(before, self.env)
        self.block(orelse)

    # -- binding --------------------------------------------------------------------------
    def bind(self, target: ast.expr, value: Taints, value_node: ast.expr | None, line: int,
             weak: bool = False) -> None:
        if value:
            step = (Step(self.file, line, f"assigned to {_dotted(target) or type(target).__name__.lower()}"),)
            value = frozenset(_evolve(t, flow=_join_flow(t.flow, step)) for t in value)
        if isinstance(target, ast.Name):
            name = target.id
            self.env[name] = _cap(value | self.env.get(name, EMPTY)) if weak else value
            if not weak:
                for key in self.fields.get(name, ()):
                    self.env.pop(key, None)
                self._bind_fields(name, value_node, line)
                self.objects.discard(name)
                if self._built is not None and self._built[0] is value_node:
                    self.objects.add(name)
                    for attr, taints in self._built[1].items():
                        self.env[f"{name}.{attr}"] = taints
            self._note_type(name, value_node)
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                inner = element.value if isinstance(element, ast.Starred) else element
                self.bind(inner, value, value_node, line)
        elif isinstance(target, ast.Subscript):
            base = _dotted(target.value)
            key = _const_str(target.slice) if not isinstance(target.slice, ast.Slice) else None
            key_taint = self.expr(target.slice) if key is None else EMPTY
            if base is None:
                self.expr(target.value)
                return
            if key is not None:
                field_name = f"{base}\0{key}"
                self.env[field_name] = value
                self.fields.setdefault(base, set()).add(field_name)
            else:
                extra = _closed(key_taint, "obj") | _map(value, open=False, shape="obj") if key_taint else value
                self.env[base] = _cap(self.env.get(base, EMPTY) | extra)
        elif isinstance(target, ast.Attribute):
            name = _dotted(target)
            if name is not None:
                self.env[name] = value
                root = name.split(".")[0]
                if root != "self" and value:
                    self.env[root] = _cap(self.env.get(root, EMPTY) | value)
            else:
                self.expr(target.value)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, value, value_node, line)

    def _pairwise(self, node: ast.Assign) -> bool:
        """``a, b = x, y`` binds element by element, so ``b`` does not inherit ``x``."""
        if len(node.targets) != 1:
            return False
        target, value = node.targets[0], node.value
        if not (isinstance(target, ast.Tuple | ast.List) and isinstance(value, ast.Tuple | ast.List)):
            return False
        if len(target.elts) != len(value.elts) or any(isinstance(e, ast.Starred) for e in (*target.elts, *value.elts)):
            return False
        parts = [self.expr(element) for element in value.elts]
        for element, part, value_node in zip(target.elts, parts, value.elts, strict=True):
            self.bind(element, part, value_node, node.lineno)
        return True

    def _bind_fields(self, name: str, value_node: ast.expr | None, line: int) -> None:
        """``x = {"k": v, ...}`` keeps one entry per constant key."""
        if not isinstance(value_node, ast.Dict):
            return
        for key_node, item in zip(value_node.keys, value_node.values, strict=True):
            key = _const_str(key_node)
            if key is None:
                continue
            taint = self.expr(item)
            if taint:
                field_name = f"{name}\0{key}"
                self.env[field_name] = taint
                self.fields.setdefault(name, set()).add(field_name)

    def _note_type(self, name: str, value_node: ast.expr | None) -> None:
        if isinstance(value_node, ast.Call):
            qualified = self.qualify(value_node.func)
            if qualified:
                self.types[name] = _type_of_call(qualified, value_node)
                if qualified in san.REALPATH_CALLS or qualified.endswith(".resolve"):
                    self.realpaths.add(name)
                if qualified.endswith("XMLParser") and any(
                        kw.arg == "resolve_entities" and isinstance(kw.value, ast.Constant)
                        and kw.value.value is False for kw in value_node.keywords):
                    self.safe_parsers.add(name)
                return
        self.types.pop(name, None)

    def load_target(self, target: ast.expr) -> Taints:
        return self.expr(target)

    # -- expressions ----------------------------------------------------------------------
    def expr(self, node: ast.expr | None) -> Taints:  # noqa: C901 - one branch per node type
        if node is None or isinstance(node, ast.Constant):
            return EMPTY
        if isinstance(node, ast.Name):
            return self.load_name(node.id, node.lineno)
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.BinOp):
            left, right = self.expr(node.left), self.expr(node.right)
            if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant):
                return _closed(self._host_fix_template(_const_str(node.left), node.right, right), "str")
            if isinstance(node.op, ast.Add) and right and self._fixes_host(node.left, bool(left)):
                right = _map(right, host_fixed=True)
            led = isinstance(node.op, ast.Add) and (_const_str(node.left) or "").startswith(("/", "?"))
            return _closed(left | right, "str" if isinstance(node.op, ast.Add | ast.Mod) else None, led)
        if isinstance(node, ast.JoinedStr):
            return self.joined(node)
        if isinstance(node, ast.FormattedValue):
            return self.expr(node.value)
        if isinstance(node, ast.BoolOp):
            return _cap(t for value in node.values for t in self.expr(value))
        if isinstance(node, ast.IfExp):
            self.expr(node.test)
            return self.expr(node.body) | self.expr(node.orelse)
        if isinstance(node, ast.Compare):
            self.expr(node.left)
            for comparator in node.comparators:
                self.expr(comparator)
            return EMPTY
        if isinstance(node, ast.UnaryOp):
            value = self.expr(node.operand)
            return EMPTY if isinstance(node.op, ast.Not) else value
        if isinstance(node, ast.Dict):
            result: set[Taint] = set()
            for key_node, item in zip(node.keys, node.values, strict=True):
                value = self.expr(item)
                key = _const_str(key_node) if key_node is not None else None
                if key_node is not None and key is None:
                    key_taint = self.expr(key_node)
                    result.update(_map(key_taint, shape="obj", open=False))
                    result.update(_map(value, open=False, shape="obj"))
                elif key is not None and key.startswith("$") or key in {"ComparisonOperator"}:
                    result.update(_map(value, open=False, shape="obj"))
                else:
                    result.update(_map(value, open=False))
            return _cap(result)
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            collected: set[Taint] = set()
            for element in node.elts:
                collected.update(self.expr(element))
            return _cap(_map(frozenset(collected), open=False))
        if isinstance(node, ast.Starred):
            return self.expr(node.value)
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            return self.comprehension(node)
        if isinstance(node, ast.Await):
            return self.expr(node.value)
        if isinstance(node, ast.NamedExpr):
            value = self.expr(node.value)
            self.bind(node.target, value, node.value, node.lineno)
            return value
        if isinstance(node, ast.Lambda):
            return EMPTY
        if isinstance(node, ast.Slice):
            for part in (node.lower, node.upper, node.step):
                self.expr(part)
            return EMPTY
        result = set()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                result.update(self.expr(child))
        return _cap(result)

    def load_name(self, name: str, line: int = 0) -> Taints:
        value = self.env.get(name, EMPTY)
        keys = self.fields.get(name)
        if keys:
            extra = [t for key in keys for t in self.env.get(key, EMPTY)]
            if extra:
                value = _cap(value | _map(frozenset(extra), open=False))
        if not value and name not in self.env:
            qualified = self.index.qualified_name(self.module, ast.Name(id=name))
            for obj in src.FRAMEWORK_OBJECTS:
                if qualified == obj.qualified:
                    return frozenset({Taint(origin=name, label="framework",
                                            flow=(Step(self.file, line, f"source: {obj.framework} {name}"),))})
        return value

    def attribute(self, node: ast.Attribute) -> Taints:
        dotted = _dotted(node)
        if dotted is not None and dotted in self.env:
            return self.env[dotted]
        if node.attr in src.FRAMEWORK_ATTRIBUTES:
            framework = src.FRAMEWORK_ATTRIBUTES[node.attr]
            text = _short(node)
            return frozenset({Taint(origin=text, label="framework",
                                    flow=(Step(self.file, node.lineno, f"source: {framework} {text}"),))})
        base = self.expr(node.value)
        if not base:
            return EMPTY
        shape = "str" if node.attr in src.STRING_FIELDS else None
        return frozenset(_evolve(t, origin=t.origin + f".{node.attr}" if t.open else t.origin,
                                 shape=shape or t.shape) for t in base)

    def subscript(self, node: ast.Subscript) -> Taints:
        dotted = _dotted(node.value)
        key = _const_str(node.slice)
        if key is not None and key in src.TRUSTED_EVENT_KEYS:
            self.expr(node.value)
            return EMPTY
        if dotted is not None and key is not None:
            field_name = f"{dotted}\0{key}"
            if field_name in self.env:
                return self.env[field_name]
        base = self.expr(node.value)
        self.expr(node.slice)
        if not base:
            return EMPTY
        if key is not None and any(_last_key(t.origin) == parent and key == child
                                   for t in base for parent, child in src.TRUSTED_PATHS):
            return EMPTY
        return self._access(base, key, node.slice)

    def _access(self, base: Taints, key: str | None, key_node: ast.expr | None) -> Taints:
        """Taint of ``base[key]`` / ``base.get(key)``: the same data, one level down."""
        result = set()
        for taint in base:
            parent = _last_key(taint.origin) if taint.open else None
            shape = "str" if (parent in src.STRING_CONTAINERS or key in src.STRING_FIELDS) else taint.shape
            if taint.open:
                piece = f"[{key!r}]" if key is not None else (
                    f"[{_short(key_node, 20)}]" if key_node is not None else "[...]")
                result.add(_evolve(taint, origin=taint.origin + piece, shape=shape))
            else:
                result.add(_evolve(taint, shape=shape))
        return frozenset(result)

    def joined(self, node: ast.JoinedStr) -> Taints:
        """An f-string; event data placed after a complete ``scheme://host/`` is host-fixed."""
        result: set[Taint] = set()
        text = ""
        for part in node.values:
            if isinstance(part, ast.Constant):
                text += str(part.value)
                continue
            value = self.expr(part)
            if value:
                if _host_complete(text):
                    value = _map(value, host_fixed=True)
                elif _HOST_ONLY.match(text):
                    value = _map(value, host_pending=True)
                result.update(value)
                # A parameter in the host reports itself (its own prefix is bare); for the parts
                # after it, count it as a host so that a path argument can still be host-fixed.
                text += "X" if all(t.label == "param" for t in value) else "T"
            else:
                text += "X"
        first = node.values[0] if node.values else None
        led = isinstance(first, ast.Constant) and str(first.value).startswith(("/", "?"))
        return _closed(frozenset(result), "str", led)

    def _fixes_host(self, node: ast.expr, tainted: bool = False) -> bool:
        """A prefix that ends past the host: a constant URL, or (untainted) configuration."""
        text = _const_str(node)
        if text is not None:
            return bool(_URL_WITH_HOST.match(text))
        if isinstance(node, ast.JoinedStr):
            prefix = ""
            for part in node.values:
                if isinstance(part, ast.Constant):
                    prefix += str(part.value)
                elif self.expr(part):
                    prefix += "T"
                else:
                    prefix += "X"
            return _host_complete(prefix)
        return not tainted and not isinstance(node, ast.Constant)

    def _host_fix(self, target: ast.expr, value: Taints) -> Taints:
        return _map(value, host_fixed=True) if self._fixes_host(target) else value

    def _host_fix_template(self, template: str | None, args_node: ast.expr, args: Taints) -> Taints:
        """``"https://host/%s" % x`` or ``"{}/{}".format(BASE, x)``: is the host fixed before x?"""
        if not args or template is None:
            return args
        head = re.split(r"%[sdrif]|\{[^}]*\}", template, maxsplit=1)[0]
        if _URL_WITH_HOST.match(head):
            return _map(args, host_fixed=True)
        elements = args_node.elts if isinstance(args_node, ast.Tuple | ast.List) else [args_node]
        if head == "" and elements and not self.expr(elements[0]) and re.match(r"^(%s|\{\})/", template):
            return _map(args, host_fixed=True)
        return args

    def comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> Taints:
        saved = dict(self.env)
        for generator in node.generators:
            iterated = self.expr(generator.iter)
            self.bind(generator.target, iterated, generator.iter, node.lineno)
            for condition in generator.ifs:
                self.expr(condition)
        if isinstance(node, ast.DictComp):
            key, value = self.expr(node.key), self.expr(node.value)
            result = _map(key, shape="obj", open=False) | _map(value, open=False)
        else:
            result = _map(self.expr(node.elt), open=False)
        self.env = saved
        return result

    # -- calls ----------------------------------------------------------------------------
    def qualify(self, func: ast.expr) -> str | None:
        """Qualified callee: through imports, or through the type of the receiver."""
        if isinstance(func, ast.Attribute):
            receiver = func.value
            if isinstance(receiver, ast.Name) and receiver.id in self.types:
                return f"{self.types[receiver.id]}.{func.attr}"
            if isinstance(receiver, ast.Call):
                inner = self.qualify(receiver.func)
                if inner:
                    return f"{_type_of_call(inner, receiver)}.{func.attr}"
                return None
        if isinstance(func, ast.Name) and func.id in self.env:
            return None
        return self.index.qualified_name(self.module, func)

    def call(self, node: ast.Call) -> Taints:
        func = node.func
        method = func.attr if isinstance(func, ast.Attribute) else None
        receiver = self.expr(func.value) if isinstance(func, ast.Attribute) else EMPTY
        args = [self.expr(a) for a in node.args]
        kwargs = {kw.arg or "**": self.expr(kw.value) for kw in node.keywords}
        qualified = self.qualify(func)
        self.check_sinks(node, qualified, method, receiver, args, kwargs)
        target = self.resolve_function(func, qualified)
        if target is not None:
            result = self.apply_summary(node, target, func, args, kwargs, receiver)
            if target.qualname.endswith(".__init__") and self._built is not None and self._built[0] is node:
                # An object holds what its constructor stored: ``Job(cmd).run()`` carries ``cmd``.
                return _closed(_cap(t for value in self._built[1].values() for t in value))
            return result
        return self.propagate(node, qualified, method, receiver, args, kwargs)

    def resolve_function(self, func: ast.expr, qualified: str | None) -> FunctionInfo | None:
        if isinstance(func, ast.Name):
            if func.id in self.module.functions and func.id not in self.env:
                return self.module.functions[func.id]
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                and func.value.id in {"self", "cls"} and self.info.class_name:
            return self.module.functions.get(f"{self.info.class_name}.{func.attr}")
        if qualified is None or "." not in qualified:
            return None
        head = qualified.split(".")[0]
        if head in _STDLIB_HEADS:
            return None
        return self.index.function(qualified, self.module)

    def apply_summary(self, node: ast.Call, target: FunctionInfo, func: ast.expr, args: list[Taints],
                      kwargs: dict[str, Taints], receiver: Taints = EMPTY) -> Taints:
        summary = self.engine.summary(target)
        self.callees.add(target.key)
        params = target.params
        bound = bool(target.class_name and params and params[0] in {"self", "cls"})
        offset = 1 if bound and (isinstance(func, ast.Attribute) or target.qualname.endswith(".__init__")) else 0
        actual: dict[int, Taints] = {}
        fields: dict[str, Taints] = {}
        known_fields = False
        if offset and isinstance(func, ast.Attribute) and receiver:
            actual[0] = receiver  # ``self`` is the object the method is called on
            owner = _dotted(func.value)
            if owner is not None:
                known_fields = owner in self.objects
                fields = {key[len(owner) + 1:]: value for key, value in self.env.items()
                          if key.startswith(owner + ".") and "." not in key[len(owner) + 1:]}
        star: Taints = EMPTY
        for position, (arg_node, value) in enumerate(zip(node.args, args, strict=True)):
            if isinstance(arg_node, ast.Starred):
                star |= value
                continue
            actual[position + offset] = value
        for name, value in kwargs.items():
            if name in params:
                actual[params.index(name)] = value
            else:
                star |= value
        step = Step(self.file, node.lineno, f"call {target.qualname}()")

        def instantiate(placeholder: Taint) -> Iterator[Taint]:
            if placeholder.label != "param":
                yield placeholder
                return
            reals = actual.get(placeholder.param, EMPTY) | star  # type: ignore[arg-type]
            origin = placeholder.origin
            if placeholder.param == 0 and fields and origin.startswith("."):
                attr = re.split(r"[.\[]", origin[1:], maxsplit=1)[0]
                if attr in fields:
                    reals, origin = fields[attr], origin[1 + len(attr):]
                elif known_fields:
                    return  # the object has no such field tainted: nothing to carry
            for real in reals:
                yield Taint(
                    origin=real.origin + origin if real.open else real.origin,
                    label=real.label,
                    param=real.param,
                    flow=_join_flow(real.flow, (step,), placeholder.flow),
                    cleared=real.cleared | placeholder.cleared,
                    shape=placeholder.shape if placeholder.origin or not placeholder.open else real.shape,
                    host_fixed=real.host_fixed or placeholder.host_fixed or (placeholder.host_pending and real.led),
                    stored=real.stored or placeholder.stored,
                    open=real.open and placeholder.open,
                )

        for hit in summary.hits:
            if hit.taint.label != "param":
                continue
            for taint in instantiate(hit.taint):
                if hit.sink.kind in taint.cleared:
                    continue
                self.hits.append(replace(hit, taint=taint))
        if target.qualname.endswith(".__init__"):
            self._built = (node, {attr: _cap(t for p in value for t in instantiate(p))
                                  for attr, value in summary.attributes})
        return _cap(t for placeholder in summary.returns for t in instantiate(placeholder))

    def propagate(self, node: ast.Call, qualified: str | None, method: str | None, receiver: Taints,
                  args: list[Taints], kwargs: dict[str, Taints]) -> Taints:
        """Taint-in, taint-out for calls we have no summary of, minus the tables' exceptions."""
        everything = _cap(t for part in (receiver, *args, *kwargs.values()) for t in part)
        if not everything:
            return EMPTY
        if qualified in san.CLEAN_CALLS or (qualified and qualified.startswith(san.CLEAN_PREFIXES)):
            return EMPTY
        if method in san.CLEAN_METHODS or method in san.CLEAN_RESULT_METHODS:
            return EMPTY
        if (method is not None and qualified is not None and qualified.startswith(("boto3.client.", "boto3.resource."))
                and method not in san.STORE_READ_METHODS and method not in san.AWS_BODY_METHODS
                and not method[:1].isupper()):
            # An AWS API answer is made by AWS from our account's state, not from the caller's bytes;
            # sub-resource handles (``s3.Object(bucket, key)``) keep the taint of what names them.
            return EMPTY
        if method in san.STORE_READ_METHODS:
            step = (Step(self.file, node.lineno, f"read back from the store: {_short(node.func, 40)}()"),)
            return frozenset(_evolve(t, stored=True, open=False, shape="obj", flow=_join_flow(t.flow, step))
                             for t in everything)
        if qualified in san.ARGUMENT_PROPAGATION:
            chosen: set[Taint] = set()
            for spec in san.ARGUMENT_PROPAGATION[qualified]:
                if isinstance(spec, int) and spec < len(args):
                    chosen.update(args[spec])
                elif isinstance(spec, str):
                    chosen.update(kwargs.get(spec, EMPTY))
            return _closed(frozenset(chosen))
        if qualified in san.PARTIAL_SANITIZERS:
            return _clear(_closed(everything, "str"), san.PARTIAL_SANITIZERS[qualified] | {"nosql"})
        if qualified in {"str", "repr", "format", "bytes", "bytearray"}:
            return _closed(everything, "str")
        if qualified in {"json.loads", "json.load", "ujson.loads", "orjson.loads", "simplejson.loads"}:
            return _map(everything, shape="obj")
        if method in {"get", "pop", "setdefault", "getlist", "get_header_value", "get_query_string_value"} \
                and receiver:
            key = _const_str(node.args[0]) if node.args else None
            if key is not None and key in src.TRUSTED_EVENT_KEYS:
                return _cap(t for part in args[1:] for t in part)
            default = _cap(t for part in (*args[1:], *kwargs.values()) for t in part)
            return _cap(self._access(receiver, key, node.args[0] if node.args else None) | default)
        if method == "replace" and receiver and len(node.args) >= 1:
            old = _const_str(node.args[0])
            kinds: set[str] = set()
            if old is not None and any(sep in old for sep in san.PATH_SEPARATOR_LITERALS) and not args[1]:
                kinds.add("path")
            if old is not None and any(nl in old for nl in san.NEWLINE_LITERALS):
                kinds.update({"log", "header"})
            return _clear(_closed(receiver | (args[1] if len(args) > 1 else EMPTY), "str"), frozenset(kinds))
        if method == "format" and isinstance(node.func, ast.Attribute):
            template = _const_str(node.func.value)
            tainted = _cap(t for part in (*args, *kwargs.values()) for t in part)
            if template is not None and tainted:
                elements = ast.Tuple(elts=list(node.args))
                return _closed(receiver | self._host_fix_template(template, elements, tainted), "str")
            return _closed(everything, "str")
        if method in {"join", "split", "strip", "lower", "upper", "encode", "decode", "rsplit", "lstrip",
                      "rstrip", "title", "capitalize", "casefold", "zfill", "ljust", "rjust", "center",
                      "expandtabs", "partition", "rpartition", "splitlines", "b64decode", "b64encode"} \
                or (qualified or "").startswith(("base64.", "urllib.parse.unquote", "binascii.", "codecs.")):
            shape = "obj" if method in {"split", "rsplit", "partition", "rpartition", "splitlines"} else "str"
            return _closed(everything, shape)
        if method in {"keys", "values", "items", "copy"} and receiver:
            return _map(receiver, open=False)
        return _closed(everything)

    # -- sinks ----------------------------------------------------------------------------
    def check_sinks(self, node: ast.Call, qualified: str | None, method: str | None, receiver: Taints,
                    args: list[Taints], kwargs: dict[str, Taints]) -> None:
        rows = sk.sinks_for(qualified, method)
        if not rows:
            return
        for row in rows:
            values = self._sink_values(row, node, receiver, args, kwargs)
            if not values:
                continue
            if not self._condition(row, node):
                continue
            for taint in values:
                if row.kind in taint.cleared:
                    continue
                if row.when == "obj" and taint.shape != "obj":
                    continue
                if row.kind == "log" and taint.shape != "str":
                    continue
                if row.kind == "ssrf" and taint.host_fixed and row.name.startswith("."):
                    continue
                shown = qualified if qualified and not row.name.startswith(".") else _short(node.func, 40)
                self.hits.append(SinkHit(row, taint, self.file, node.lineno, shown))

    def _sink_values(self, row: sk.Sink, node: ast.Call, receiver: Taints, args: list[Taints],
                     kwargs: dict[str, Taints]) -> Taints:
        selected: set[Taint] = set()
        if row.when == "shell":
            argv = node.args[0] if node.args else next((kw.value for kw in node.keywords if kw.arg == "args"), None)
            if isinstance(argv, ast.List | ast.Tuple) and argv.elts and _const_str(argv.elts[0]) in sk.SHELLS:
                flag = next((i for i, e in enumerate(argv.elts) if _const_str(e) == "-c"), None)
                if flag is not None:
                    for element in argv.elts[flag + 1:]:
                        selected.update(self.expr(element))
                    return frozenset(selected)
        if row.kind == "log":
            for arg in node.args:
                for leaf in _leaves(arg):
                    selected.update(t for t in self.expr(leaf) if t.shape == "str")
            return frozenset(selected)
        if not row.args:
            for value in (*args, *kwargs.values()):
                selected.update(value)
            return frozenset(selected)
        for spec in row.args:
            if spec == "self":
                selected.update(receiver)
            elif isinstance(spec, int):
                if spec < len(args) and not isinstance(node.args[spec], ast.Starred):
                    selected.update(args[spec])
            elif "." in spec:
                keyword, key = spec.split(".", 1)
                value = next((kw.value for kw in node.keywords if kw.arg == keyword), None)
                if isinstance(value, ast.Dict):
                    for key_node, item in zip(value.keys, value.values, strict=True):
                        if _const_str(key_node) == key:
                            selected.update(self.expr(item))
            elif spec in kwargs:
                selected.update(kwargs[spec])
        return frozenset(selected)

    def _condition(self, row: sk.Sink, node: ast.Call) -> bool:
        if row.when == "shell":
            shell = next((kw.value for kw in node.keywords if kw.arg == "shell"), None)
            if shell is not None and not (isinstance(shell, ast.Constant) and not shell.value):
                return True
            argv = node.args[0] if node.args else None
            return isinstance(argv, ast.List | ast.Tuple) and bool(argv.elts) and _const_str(argv.elts[0]) in sk.SHELLS
        if row.when == "yaml":
            return not _safe_yaml_loader(node, self.index, self.module)
        if row.when == "lxml":
            parser = next((kw.value for kw in node.keywords if kw.arg == "parser"), None)
            if parser is None and len(node.args) > 1:
                parser = node.args[1]
            if isinstance(parser, ast.Name) and parser.id in self.safe_parsers:
                return False
            if isinstance(parser, ast.Call) and any(
                    kw.arg == "resolve_entities" and isinstance(kw.value, ast.Constant) and kw.value.value is False
                    for kw in parser.keywords):
                return False
            return True
        if row.when == "formatted":
            first = node.args[0] if node.args else None
            return isinstance(first, ast.JoinedStr | ast.BinOp) or (
                isinstance(first, ast.Call) and isinstance(first.func, ast.Attribute) and first.func.attr == "format")
        return True

    def _check_response(self, value: ast.expr) -> None:
        """A returned proxy response whose headers carry event data (Location: redirect)."""
        if not isinstance(value, ast.Dict):
            return
        for key_node, item in zip(value.keys, value.values, strict=True):
            if _const_str(key_node) != "headers" or not isinstance(item, ast.Dict):
                continue
            for header_node, header_value in zip(item.keys, item.values, strict=True):
                header = (_const_str(header_node) or "").lower()
                kind = sk.RESPONSE_HEADER_KINDS.get(header, "header")
                row = sk.Sink(f"response header {header or '?'}", kind, ())
                for taint in self.expr(header_value):
                    if kind in taint.cleared or (kind == "redirect" and taint.host_fixed):
                        continue
                    self.hits.append(SinkHit(row, taint, self.file, header_value.lineno,
                                             f"response header {header!r}"))

    # -- guards ---------------------------------------------------------------------------
    def narrowing(self, test: ast.expr) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
        """Names made safe when ``test`` is true, and when it is false."""
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            when_true, when_false = self.narrowing(test.operand)
            return when_false, when_true
        if isinstance(test, ast.BoolOp):
            parts = [self.narrowing(value) for value in test.values]
            if isinstance(test.op, ast.And):
                merged: dict[str, frozenset[str]] = {}
                for when_true, _ in parts:
                    merged.update(when_true)
                return merged, {}
            merged = {}
            for _, when_false in parts:
                merged.update(when_false)
            return {}, merged
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            name = _dotted(test.left)
            op, right = test.ops[0], test.comparators[0]
            if name is not None and self._is_constant_collection(right):
                safe = {name: san.ALL_KINDS, **_host_of_parsed_url(name)}
                if isinstance(op, ast.In):
                    return safe, {}
                if isinstance(op, ast.NotIn):
                    return {}, safe
            if name is not None and isinstance(right, ast.Constant):
                if isinstance(op, ast.Eq | ast.Is):
                    return {name: san.ALL_KINDS}, {}
                if isinstance(op, ast.NotEq | ast.IsNot) and right.value is not None:
                    return {}, {name: san.ALL_KINDS}
            return {}, {}
        if isinstance(test, ast.Call):
            return self._validator_call(test), {}
        return {}, {}

    def _validator_call(self, call: ast.Call) -> dict[str, frozenset[str]]:
        func = call.func
        qualified = self.qualify(func)
        if qualified in san.VALIDATOR_CALLS or qualified in san.ANCHORABLE_CALLS:
            pattern = _const_str(call.args[0]) if call.args else None
            if len(call.args) >= 2 and (qualified in san.VALIDATOR_CALLS or (pattern and san.is_anchored(pattern))):
                name = _dotted(call.args[1])
                return {name: san.ALL_KINDS} if name else {}
            return {}
        if qualified in {"isinstance"} and len(call.args) == 2:
            name = _dotted(call.args[0])
            allowed = _short(call.args[1])
            if name and any(t in allowed for t in ("int", "float", "bool", "UUID")) and "str" not in allowed:
                return {name: san.ALL_KINDS}
            return {}
        if isinstance(func, ast.Attribute):
            if func.attr in san.VALIDATOR_METHODS and func.attr != "fullmatch":
                name = _dotted(func.value)
                return {name: san.ALL_KINDS} if name else {}
            if func.attr in {"fullmatch", "match"} and call.args and isinstance(func.value, ast.Name):
                name = _dotted(call.args[0])
                return {name: san.ALL_KINDS} if name else {}
            if func.attr == "startswith":
                base = func.value
                name = _dotted(base)
                if name in self.realpaths:
                    return {name: frozenset({"path"})}
                if isinstance(base, ast.Call) and self.qualify(base.func) in san.REALPATH_CALLS and base.args:
                    inner = _dotted(base.args[0])
                    return {inner: frozenset({"path"})} if inner else {}
        target = self.resolve_function(func, qualified)
        if target is not None and call.args:
            summary = self.engine.summary(target)
            self.callees.add(target.key)
            if summary.validates:
                name = _dotted(call.args[0])
                return {name: san.ALL_KINDS} if name else {}
        return {}

    def _is_constant_collection(self, node: ast.expr) -> bool:
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return all(isinstance(e, ast.Constant) for e in node.elts)
        if isinstance(node, ast.Dict):
            return all(isinstance(k, ast.Constant) for k in node.keys if k is not None)
        if isinstance(node, ast.Name):
            return not self.env.get(node.id) and (node.id.isupper() or node.id in self.module.assigned)
        if isinstance(node, ast.Attribute):
            return not self.expr(node)
        return False

    def apply_narrowing(self, names: dict[str, frozenset[str]]) -> None:
        for name, kinds in names.items():
            for key in (name, *self.fields.get(name, ())):
                if key in self.env:
                    self.env[key] = _clear(self.env[key], kinds)


def _host_of_parsed_url(name: str) -> dict[str, frozenset[str]]:
    """An allow-list check of ``url.hostname`` (or ``.netloc``) vouches for the whole parsed URL
    ``url`` as a request target: ``urlopen(url.geturl())`` after it is not SSRF."""
    base, _, attribute = name.rpartition(".")
    if base and attribute in {"hostname", "netloc", "host"}:
        return {base: frozenset({"ssrf", "redirect"})}
    return {}


_STDLIB_HEADS = frozenset({
    "os", "sys", "json", "re", "subprocess", "shutil", "pathlib", "urllib", "urllib3", "requests", "boto3",
    "botocore", "yaml", "pickle", "logging", "base64", "hashlib", "uuid", "datetime", "time", "io", "typing",
    "collections", "itertools", "functools", "math", "random", "decimal", "sqlite3", "zipfile", "tarfile",
    "xml", "lxml", "jinja2", "flask", "chalice", "httpx", "http", "socket", "ssl", "string", "struct",
    "tempfile", "threading", "asyncio", "dataclasses", "enum", "abc", "copy", "csv", "traceback", "hmac",
    "secrets", "pymysql", "psycopg2", "pymongo", "sqlalchemy", "aws_lambda_powertools", "jwt", "marshal",
    "dill", "jsonpickle", "importlib", "codecs", "gzip", "binascii", "html", "shlex", "glob", "fnmatch",
    "platform", "inspect", "contextlib", "operator", "pprint", "textwrap", "warnings", "pydantic",
})
"""Top-level names that are never the code directory's own modules: no disk look-up for them."""


def _merge(left: dict[str, Taints], right: dict[str, Taints]) -> dict[str, Taints]:
    if left is right:
        return dict(left)
    merged = dict(left)
    for key, value in right.items():
        current = merged.get(key)
        merged[key] = value if current is None else (current if current == value else _cap(current | value))
    return merged


def _safe_yaml_loader(call: ast.Call, index: CodeIndex, module: ParsedModule) -> bool:
    loader = next((kw.value for kw in call.keywords if kw.arg == "Loader"), None)
    if loader is None and len(call.args) > 1:
        loader = call.args[1]
    if loader is None:
        return False
    name = index.qualified_name(module, loader) or ""
    return name.rsplit(".", 1)[-1] in sk.SAFE_YAML_LOADERS


def unsafe_yaml_calls(index: CodeIndex, module: ParsedModule) -> list[int]:
    """Lines of ``yaml.load``/``load_all``/``unsafe_load`` calls without a safe loader, tainted or not."""
    lines: list[int] = []
    if not any(target == "yaml" or target.startswith("yaml.") for target in module.imports.values()):
        return lines
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Call):
            name = index.qualified_name(module, node.func)
            if name in {"yaml.unsafe_load", "yaml.unsafe_load_all"} or (
                    name in {"yaml.load", "yaml.load_all"} and not _safe_yaml_loader(node, index, module)):
                lines.append(node.lineno)
    return lines


# ------------------------------------------------------------------------------ entries
def entry_points(module: ParsedModule, handler: str | None = None) -> list[Entry]:
    """Functions of a module that receive attacker data.

    ``handler`` names the Lambda handler function (from the template); without it, every
    top-level function shaped like a handler (``(event, context)``) is one. Framework routes and
    event handlers (Chalice, Flask, Powertools resolvers, FastAPI) are entries either way.
    """
    entries: dict[str, Entry] = {}
    for info in module.functions.values():
        if info.class_name is not None:
            continue
        for decorator in info.node.decorator_list:
            call = decorator.func if isinstance(decorator, ast.Call) else decorator
            if isinstance(call, ast.Attribute) and call.attr in src.ENTRY_DECORATORS:
                row = src.ENTRY_DECORATORS[call.attr]
                count = len(info.params)
                params = tuple(range(count)) if row.params == "all" else ((0,) if count else ())
                entries[info.key] = Entry(info, params, row.trigger)
                break
        if info.key in entries:
            continue
        if handler is not None:
            if info.qualname == handler:
                entries[info.key] = Entry(info, (0,) if info.params else ())
        elif _looks_like_handler(info):
            entries[info.key] = Entry(info, (0,))
    return list(entries.values())


def _looks_like_handler(info: FunctionInfo) -> bool:
    positional = [a.arg for a in (*info.node.args.posonlyargs, *info.node.args.args)]
    if len(positional) != 2:
        return False
    first, second = positional
    return second in src.HANDLER_CONTEXT_NAMES or (first in src.HANDLER_EVENT_NAMES and second.endswith("context"))


_DYNAMIC_CODE = frozenset({"eval", "exec", "compile"})


def dynamic_code_calls(index: CodeIndex, module: ParsedModule) -> list[int]:
    """Lines of ``eval``/``exec``/``compile`` of a computed (non-literal) string, tainted or not.

    Taint decides whether event data reaches them; this list is for the weaker fact that code is
    built at run time at all (DVSA's admin_get_orders assembles constant fragments the event picks).
    """
    try:
        with open(module.path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return []
    if not any(f"{name}(" in text for name in _DYNAMIC_CODE):
        return []
    lines: list[int] = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Call) and node.args and not isinstance(node.args[0], ast.Constant):
            if index.qualified_name(module, node.func) in _DYNAMIC_CODE:
                lines.append(node.lineno)
    return lines


@dataclass(frozen=True)
class ModuleResult:
    """Flows and unconditional findings of the entries of one module."""

    flows: tuple[Flow, ...] = ()
    unsafe_yaml: tuple[tuple[str, int], ...] = ()
    entries: tuple[Entry, ...] = field(default=(), compare=False)
    dynamic_code: tuple[tuple[str, int], ...] = ()


def analyze_module(index: CodeIndex, path: str, handler: str | None = None) -> ModuleResult:
    """Taint flows from the entry points of the file at ``path`` (parsed through ``index``)."""
    module = index.module_at(path)
    if module is None:
        return ModuleResult()
    engine = TaintEngine(index)
    entries = entry_points(module, handler)
    entries += _imported_routes(index, module)
    flows: list[Flow] = []
    for entry in entries:
        flows.extend(engine.flows(entry))
    reached = {module.path}
    for entry in entries:
        reached.update(_reached_files(engine, entry.function.key))
    unsafe: list[tuple[str, int]] = []
    dynamic: list[tuple[str, int]] = []
    for file in sorted(reached):
        parsed = index.module_at(file)
        if parsed is not None:
            unsafe.extend((file, line) for line in unsafe_yaml_calls(index, parsed))
            dynamic.extend((file, line) for line in dynamic_code_calls(index, parsed))
    return ModuleResult(tuple(_dedupe(flows)), tuple(unsafe), tuple(entries), tuple(dynamic))


def _imported_routes(index: CodeIndex, module: ParsedModule) -> list[Entry]:
    """Framework routes declared in the project modules the handler imports (Powertools
    ``Router``s, Flask blueprints, Chalice blueprints): the handler dispatches to them."""
    found: list[Entry] = []
    seen = {module.path}
    for target in sorted(set(module.imports.values())):
        if target.split(".")[0] in _STDLIB_HEADS:
            continue
        other = index.module_named(target, module) or index.module_named(target.rpartition(".")[0], module)
        if other is None or other.path in seen or is_vendored(other.path):
            continue
        seen.add(other.path)
        found.extend(entry for entry in entry_points(other, "\0") if entry.trigger is not None)
    return found


def _reached_files(engine: TaintEngine, key: str) -> set[str]:
    paths = {info.key: info.path for module in engine.index.parsed for info in module.functions.values()}
    files: set[str] = set()
    seen: set[str] = set()
    stack = [key]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        if current in paths:
            files.add(paths[current])
        summary = engine.summaries.get(current)
        if summary is not None:
            stack.extend(summary.callees)
    return files
