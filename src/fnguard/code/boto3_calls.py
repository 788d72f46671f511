"""Every boto3 call a Lambda handler can reach, with the resources its arguments name.

What a function *needs* is what its code calls. Real handlers rarely write
``boto3.client("s3").get_object(...)`` in one line: clients are module globals, made in helper
functions or helper modules, passed as arguments, kept on ``self``, or come from
``boto3.resource("dynamodb").Table(os.environ["TABLE"])``. This module interprets the handler's
code abstractly, starting at the handler function and the module bodies it imports, following
calls into functions of the code directory with their arguments bound, and records each AWS
request with the service, the operation and, where it is visible, the argument that names the
resource (a literal, or the environment variable it is read from).

Calls whose service or method cannot be told are returned as :class:`Unresolved` rather than
guessed.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fnguard.code.modules import CodeIndex, FunctionInfo, ParsedModule, code_index
from fnguard.iam import boto3_map

_MAX_DEPTH = 12


# -- what an expression can evaluate to ---------------------------------------------------------
@dataclass(frozen=True)
class Unknown:
    """Anything fnguard does not follow (event data, numbers, responses)."""


UNKNOWN = Unknown()


@dataclass(frozen=True)
class Literal:
    value: str


@dataclass(frozen=True)
class Text:
    """A string built from parts (f-string, ``+``): ``${env:NAME}`` marks an environment value,
    ``${?}`` anything else. Enough to read ``SELECT ... FROM "{os.environ['TABLE']}"``."""

    value: str


@dataclass(frozen=True)
class Env:
    """A value read from the function's environment: ``os.environ["TABLE"]``."""

    name: str
    default: str | None = field(default=None, compare=False)
    """``os.environ.get("BUCKET", "media")``'s fallback, used when the template sets no value."""


@dataclass(frozen=True)
class EventField:
    """A value read from the event whose meaning the trigger tells: the S3 event's bucket name."""

    kind: str
    """``s3.bucket``: ``event["Records"][i]["s3"]["bucket"]["name"]``."""


@dataclass(frozen=True)
class _Path:
    """Subscripts read so far from some unknown value (the event, a record)."""

    keys: tuple[str, ...]


@dataclass(frozen=True)
class Symbol:
    """A name from outside the code directory: ``boto3.client``, ``os.environ``."""

    qualified: str


@dataclass(frozen=True)
class Client:
    service: str | None


@dataclass(frozen=True)
class Resource:
    """``boto3.resource(service)`` (type None) or one of its objects (``Table``, ``Bucket``)."""

    service: str
    type: str | None = None
    ids: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Collection:
    service: str
    operation: str
    type: str
    ids: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Paginator:
    service: str
    method: str


@dataclass(frozen=True)
class Waiter:
    service: str
    method: str | None


@dataclass(frozen=True)
class Module:
    parsed: ParsedModule = field(compare=False, hash=False)
    name: str = ""


@dataclass(frozen=True)
class Function:
    info: FunctionInfo = field(compare=False, hash=False)
    key: str = ""
    bound: Any = None
    """The instance a method is bound to."""


@dataclass(frozen=True)
class Class:
    module: ParsedModule = field(compare=False, hash=False)
    name: str = ""


@dataclass(frozen=True)
class Instance:
    cls: Class


@dataclass(frozen=True)
class DictValue:
    """A dict literal, kept so that ``client.put_item(**params)`` shows its keywords."""

    items: tuple[tuple[str, Any], ...]


# -- results -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Boto3Call:
    """One AWS request the code makes."""

    service: str
    method: str
    """The client method (``put_item``) whose IAM actions the call needs."""
    file: str
    line: int
    params: tuple[tuple[str, Any], ...] = ()
    """Request parameter → :class:`Literal`, :class:`Env` or :class:`Unknown`."""
    keywords: frozenset[str] = frozenset()
    """Request parameters the call passes (decides conditional actions such as PutObjectAcl)."""
    via: str = "client"
    """``client``, ``resource``, ``paginator``, ``waiter`` or a boto3 helper (``upload_file``)."""

    def param(self, name: str) -> Any:
        return next((v for k, v in self.params if k == name), UNKNOWN)

    @property
    def texts(self) -> dict[str, str | None]:
        """Each passed parameter's string value where it is visible (for conditional actions)."""
        out: dict[str, str | None] = dict.fromkeys(self.keywords)
        for name, value in self.params:
            if isinstance(value, Literal | Text):
                out[name] = value.value
        return out


@dataclass(frozen=True)
class Unresolved:
    """A call that looks like AWS but whose service or method fnguard could not tell."""

    file: str
    line: int
    text: str
    reason: str


@dataclass(frozen=True)
class CodeCalls:
    calls: tuple[Boto3Call, ...] = ()
    unresolved: tuple[Unresolved, ...] = ()
    files: tuple[str, ...] = ()
    """Files of the code directory the analysis read."""
    errors: tuple[str, ...] = ()


# -- the interpreter ---------------------------------------------------------------------------
_BOTO3_CLIENT = {"boto3.client", "boto3.session.Session.client", "boto3.Session.client"}
_BOTO3_RESOURCE = {"boto3.resource"}
_BOTO3_SESSION = {"boto3.Session", "boto3.session.Session"}
_ENV_GET = {"os.getenv", "os.environ.get", "os.environ.setdefault"}

# Library helpers that wrap one boto3 call: qualified name → (service, method, request parameter of
# their first argument). Powertools' parameters utility is the common one in Lambda code.
WRAPPERS: dict[str, tuple[str, str, str]] = {
    "aws_lambda_powertools.utilities.parameters.get_parameter": ("ssm", "get_parameter", "Name"),
    "aws_lambda_powertools.utilities.parameters.get_parameters": ("ssm", "get_parameters_by_path", "Path"),
    "aws_lambda_powertools.utilities.parameters.get_parameters_by_name": ("ssm", "get_parameters", "Names"),
    "aws_lambda_powertools.utilities.parameters.get_secret": ("secretsmanager", "get_secret_value", "SecretId"),
    "aws_lambda_powertools.utilities.parameters.get_app_config": ("appconfigdata", "get_latest_configuration", ""),
}
# Libraries that call AWS themselves: their calls are invisible here, so a function importing one
# has needs fnguard cannot list (reported as unresolved, and grants are not called unused).
AWS_LIBRARIES = frozenset({
    "pynamodb", "awswrangler", "smart_open", "s3fs", "aioboto3", "aiobotocore", "boto", "dynamodb_encryption_sdk",
    "aws_encryption_sdk", "awsiot", "sagemaker", "chalice", "zappa", "s3transfer",
    "opensearchpy", "requests_aws4auth", "aws_requests_auth", "strands", "langchain_aws",
})


@dataclass(frozen=True)
class _Session:
    """A boto3 session object: its client/resource methods work like boto3's."""


class _Interpreter:
    def __init__(self, index: CodeIndex) -> None:
        self.index = index
        self.globals: dict[str, dict[str, Any]] = {}
        self.calls: dict[tuple[Any, ...], Boto3Call] = {}
        self.unresolved: dict[tuple[str, int, str], Unresolved] = {}
        self.instance_attrs: dict[str, dict[str, Any]] = {}
        self.memo: dict[tuple[Any, ...], Any] = {}
        self.stack: list[str] = []
        self.files: set[str] = set()

    # ---- modules ----
    def module_globals(self, module: ParsedModule) -> dict[str, Any]:
        if module.path in self.globals:
            return self.globals[module.path]
        scope: dict[str, Any] = {}
        self.globals[module.path] = scope
        self.files.add(module.path)
        for node in ast.walk(module.tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else [])
            for imported in names:
                top = imported.split(".")[0]
                if top in AWS_LIBRARIES and self.index.module_named(top, module) is None:
                    self.unresolve((module.path, node.lineno), node,  # type: ignore[attr-defined]
                                   f"AWS calls made through the {top} library are not mapped")
        for node in module.tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                info = module.functions.get(node.name)
                if info is not None:
                    scope[node.name] = Function(info, info.key)
            elif isinstance(node, ast.ClassDef):
                scope[node.name] = Class(module, node.name)
        self.exec_block(module.tree.body, scope, module, top=True)
        return scope

    def resolve_qualified(self, qualified: str, near: ParsedModule) -> Any:
        """A dotted name from an import: a module or a global of the code directory, or a Symbol."""
        pieces = qualified.split(".")
        for cut in range(len(pieces), 0, -1):
            module = self.index.module_named(".".join(pieces[:cut]), near)
            if module is None:
                continue
            value: Any = Module(module, module.name)
            for attr in pieces[cut:]:
                value = self.attribute(value, attr)
            return value
        return Symbol(qualified)

    def lookup(self, name: str, scope: dict[str, Any], module: ParsedModule) -> Any:
        if name in scope:
            return scope[name]
        module_scope = self.globals.get(module.path, {})
        if name in module_scope:
            return module_scope[name]
        if name in module.imports:
            return self.resolve_qualified(module.imports[name], module)
        return Symbol(name)

    # ---- statements ----
    def exec_block(self, body: list[ast.stmt], scope: dict[str, Any], module: ParsedModule,
                   top: bool = False) -> list[Any]:
        returns: list[Any] = []
        for stmt in body:
            returns.extend(self.exec_stmt(stmt, scope, module, top))
        return returns

    def exec_stmt(self, stmt: ast.stmt, scope: dict[str, Any], module: ParsedModule, top: bool) -> list[Any]:
        if isinstance(stmt, ast.ClassDef) and top:
            # Class attributes (``client = boto3.client("s3")`` in the class body) act as instance ones.
            attrs = self.instance_attrs.setdefault(stmt.name, {})
            for item in stmt.body:
                if isinstance(item, ast.Assign) and len(item.targets) == 1 and isinstance(item.targets[0], ast.Name):
                    attrs[item.targets[0].id] = self.eval(item.value, scope, module)
            return []
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if not top and isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                scope[stmt.name] = _Nested(stmt, module)
            return []
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            for alias in stmt.names:
                local = alias.asname or alias.name.split(".")[0]
                if local in module.imports:
                    scope[local] = self.resolve_qualified(module.imports[local], module)
            return []
        if isinstance(stmt, ast.Assign):
            value = self.eval(stmt.value, scope, module)
            for target in stmt.targets:
                self.assign(target, value, stmt.value, scope, module)
            return []
        if isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                self.assign(stmt.target, self.eval(stmt.value, scope, module), stmt.value, scope, module)
            return []
        if isinstance(stmt, ast.Return):
            return [self.eval(stmt.value, scope, module)] if stmt.value is not None else []
        if isinstance(stmt, ast.With | ast.AsyncWith):
            for item in stmt.items:
                value = self.eval(item.context_expr, scope, module)
                if item.optional_vars is not None:
                    self.assign(item.optional_vars, value, item.context_expr, scope, module)
            return self.exec_block(stmt.body, scope, module, top)
        if isinstance(stmt, ast.For | ast.AsyncFor):
            self.eval(stmt.iter, scope, module)
            self.assign(stmt.target, UNKNOWN, None, scope, module)
            return self.exec_block(stmt.body, scope, module, top) + self.exec_block(stmt.orelse, scope, module, top)
        if isinstance(stmt, ast.If | ast.While):
            self.eval(stmt.test, scope, module)
            return self.exec_block(stmt.body, scope, module, top) + self.exec_block(stmt.orelse, scope, module, top)
        if isinstance(stmt, ast.Try):
            out = self.exec_block(stmt.body, scope, module, top)
            for handler in stmt.handlers:
                out += self.exec_block(handler.body, scope, module, top)
            return out + self.exec_block(stmt.orelse, scope, module, top) + self.exec_block(
                stmt.finalbody, scope, module, top)
        out: list[Any] = []
        for child in ast.iter_child_nodes(stmt):
            if isinstance(child, ast.expr):
                self.eval(child, scope, module)
            elif isinstance(child, ast.stmt):
                out.extend(self.exec_stmt(child, scope, module, top))
            elif isinstance(child, ast.match_case):
                out.extend(self.exec_block(child.body, scope, module, top))
        return out

    def assign(self, target: ast.expr, value: Any, source: ast.expr | None, scope: dict[str, Any],
               module: ParsedModule) -> None:
        if isinstance(target, ast.Name):
            scope[target.id] = value
        elif isinstance(target, ast.Tuple | ast.List):
            elements = source.elts if isinstance(source, ast.Tuple | ast.List) else None
            for i, sub in enumerate(target.elts):
                sub_value = UNKNOWN
                if elements is not None and len(elements) == len(target.elts):
                    sub_value = self.eval(elements[i], scope, module)
                self.assign(sub, sub_value, None, scope, module)
        elif isinstance(target, ast.Attribute):
            owner = self.eval(target.value, scope, module)
            if isinstance(owner, Instance):
                self.instance_attrs.setdefault(owner.cls.name, {})[target.attr] = value
            elif isinstance(owner, Module):
                self.module_globals(owner.parsed)[target.attr] = value

    # ---- expressions ----
    def eval(self, node: ast.expr | None, scope: dict[str, Any], module: ParsedModule) -> Any:
        if node is None:
            return UNKNOWN
        if isinstance(node, ast.Constant):
            return Literal(node.value) if isinstance(node.value, str) else UNKNOWN
        if isinstance(node, ast.Name):
            return self.lookup(node.id, scope, module)
        if isinstance(node, ast.Attribute):
            return self.attribute(self.eval(node.value, scope, module), node.attr)
        if isinstance(node, ast.Subscript):
            base = self.eval(node.value, scope, module)
            key = self.eval(node.slice, scope, module)
            if base == Symbol("os.environ") and isinstance(key, Literal):
                return Env(key.value)
            if isinstance(base, DictValue) and isinstance(key, Literal):
                return dict(base.items).get(key.value, UNKNOWN)
            if isinstance(base, Unknown | _Path) and isinstance(key, Literal):
                keys = (*(base.keys if isinstance(base, _Path) else ()), key.value)[-3:]
                if keys == ("s3", "bucket", "name"):
                    return EventField("s3.bucket")
                return _Path(keys)
            return UNKNOWN
        if isinstance(node, ast.Call):
            return self.call(node, scope, module)
        if isinstance(node, ast.JoinedStr):
            pieces = [v if isinstance(v, ast.Constant) else self.eval(v.value, scope, module)  # type: ignore[attr-defined]
                      for v in node.values]
            if len(pieces) == 1 and not isinstance(pieces[0], ast.Constant):
                return pieces[0]
            return _join(pieces)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.eval(node.left, scope, module), self.eval(node.right, scope, module)
            if isinstance(left, Literal | Text | Env) or isinstance(right, Literal | Text | Env):
                return _join([left, right])
            return UNKNOWN
        if isinstance(node, ast.Dict):
            items = []
            for key, value in zip(node.keys, node.values, strict=True):
                evaluated = self.eval(value, scope, module)
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    items.append((key.value, evaluated))
                elif key is None and isinstance(evaluated, DictValue):
                    items.extend(evaluated.items)
            for item in node.values:
                if isinstance(item, ast.Name | ast.Attribute):
                    self.run_callback(self.eval(item, scope, module), scope)
            return DictValue(tuple(items))
        if isinstance(node, ast.BoolOp):
            values = [self.eval(v, scope, module) for v in node.values]
            return next((v for v in values if not isinstance(v, Unknown)), UNKNOWN)
        if isinstance(node, ast.IfExp):
            self.eval(node.test, scope, module)
            body, orelse = self.eval(node.body, scope, module), self.eval(node.orelse, scope, module)
            return body if not isinstance(body, Unknown) else orelse
        if isinstance(node, ast.Await):
            return self.eval(node.value, scope, module)
        if isinstance(node, ast.Lambda):
            # Its body runs when something calls it (map, sorted, a callback): read it once now.
            inner = dict(scope)
            for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs):
                inner[arg.arg] = UNKNOWN
            self.eval(node.body, inner, module)
            return UNKNOWN
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            inner = dict(scope)
            for generator in node.generators:
                self.eval(generator.iter, inner, module)
                self.assign(generator.target, UNKNOWN, None, inner, module)
                for cond in generator.ifs:
                    self.eval(cond, inner, module)
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.eval(child, inner, module)
            return UNKNOWN
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.eval(child, scope, module)
        return UNKNOWN

    def attribute(self, base: Any, attr: str) -> Any:
        if isinstance(base, Symbol):
            return Symbol(f"{base.qualified}.{attr}")
        if isinstance(base, Module):
            scope = self.module_globals(base.parsed)
            if attr in scope:
                return scope[attr]
            if attr in base.parsed.imports:
                return self.resolve_qualified(base.parsed.imports[attr], base.parsed)
            sub = self.index.module_named(f"{base.name}.{attr}" if base.name else attr, base.parsed)
            return Module(sub, sub.name) if sub is not None else UNKNOWN
        if isinstance(base, _Session):
            return _Bound(base, attr)
        if isinstance(base, Resource):
            if attr == "meta":
                return _Meta(base.service)
            collection = self.attribute_collection(base, attr)
            if collection is not None:
                return collection
        if isinstance(base, Client | Resource | Collection | Paginator | Waiter):
            return _Bound(base, attr)
        if isinstance(base, _Meta) and attr == "client":
            return Client(base.service)
        if isinstance(base, Instance):
            for cls in self.mro(base.cls):
                attrs = self.instance_attrs.get(cls.name, {})
                if attr in attrs:
                    return attrs[attr]
                info = cls.module.functions.get(f"{cls.name}.{attr}")
                if info is not None:
                    return Function(info, info.key, bound=base)
            return UNKNOWN
        if isinstance(base, Class):
            for cls in self.mro(base):
                info = cls.module.functions.get(f"{cls.name}.{attr}")
                if info is not None:
                    return Function(info, info.key)
            return UNKNOWN
        return UNKNOWN

    def mro(self, cls: Class) -> list[Class]:
        """The class and its bases defined in the code directory, depth first (enough for helpers)."""
        order: list[Class] = []
        pending = [cls]
        while pending and len(order) < 16:
            current = pending.pop(0)
            if any(c.name == current.name and c.module.path == current.module.path for c in order):
                continue
            order.append(current)
            node = next((n for n in current.module.tree.body
                         if isinstance(n, ast.ClassDef) and n.name == current.name), None)
            for base in node.bases if node is not None else ():
                value = self.eval(base, {}, current.module)
                if isinstance(value, Class):
                    pending.append(value)
        return order

    def call(self, node: ast.Call, scope: dict[str, Any], module: ParsedModule) -> Any:
        func = self.eval(node.func, scope, module)
        args = [self.eval(a.value if isinstance(a, ast.Starred) else a, scope, module) for a in node.args]
        kwargs: dict[str, Any] = {}
        for keyword in node.keywords:
            value = self.eval(keyword.value, scope, module)
            if keyword.arg is not None:
                kwargs[keyword.arg] = value
            elif isinstance(value, DictValue):
                kwargs.update(dict(value.items))
            else:
                kwargs["**"] = UNKNOWN
        where = (module.path, node.lineno)
        # Functions handed to another call are callbacks (map, executor.submit, Thread(target=...)).
        for value in (*args, *kwargs.values()):
            self.run_callback(value, scope)
        if isinstance(func, Symbol):
            return self.call_symbol(func.qualified, args, kwargs, node, where)
        if isinstance(func, _Bound):
            return self.call_bound(func, args, kwargs, node, where)
        if isinstance(func, Function):
            return self.call_function(func, args, kwargs)
        if isinstance(func, _Nested):
            return self.call_nested(func, args, kwargs, scope)
        if isinstance(func, Class):
            instance = Instance(func)
            init = self.attribute(instance, "__init__")
            if isinstance(init, Function):
                self.call_function(init, args, kwargs)
            return instance
        return UNKNOWN

    def call_symbol(self, name: str, args: list[Any], kwargs: dict[str, Any], node: ast.Call,
                    where: tuple[str, int]) -> Any:
        if name in _BOTO3_CLIENT:
            return self.make_client(args, kwargs, node, where)
        if name in _BOTO3_RESOURCE:
            service = _service_arg(args, kwargs)
            if service is None:
                self.unresolve(where, node, "boto3.resource() with a service name that is not a literal")
                return UNKNOWN
            return Resource(service)
        if name in _BOTO3_SESSION:
            return _Session()
        wrapper = WRAPPERS.get(name)
        if wrapper is not None:
            service, method, param = wrapper
            named = dict(kwargs)
            if args and param:
                named.setdefault(param, args[0])
            self.record(service, method, {k: v for k, v in named.items() if k == param}, where, name.rsplit(".", 1)[-1])
            return UNKNOWN
        if name == "os.environ" and args and isinstance(args[0], Literal):
            # ``os.environ("BUCKET")`` raises at run time, but what it means to read is plain (DVSA).
            return Env(args[0].value)
        if name in _ENV_GET and args and isinstance(args[0], Literal):
            default = args[1] if len(args) > 1 else kwargs.get("default")
            return Env(args[0].value, default.value if isinstance(default, Literal) else None)
        return UNKNOWN

    def make_client(self, args: list[Any], kwargs: dict[str, Any], node: ast.Call, where: tuple[str, int]) -> Any:
        service = _service_arg(args, kwargs)
        if service is None:
            self.unresolve(where, node, "boto3.client() with a service name that is not a literal")
            return Client(None)
        return Client(service)

    def call_bound(self, bound: _Bound, args: list[Any], kwargs: dict[str, Any], node: ast.Call,
                   where: tuple[str, int]) -> Any:
        owner, method = bound.owner, bound.method
        if isinstance(owner, _Session):
            if method == "client":
                return self.make_client(args, kwargs, node, where)
            if method == "resource":
                service = _service_arg(args, kwargs)
                return Resource(service) if service else UNKNOWN
            return UNKNOWN
        if isinstance(owner, Client):
            return self.call_client(owner, method, args, kwargs, node, where)
        if isinstance(owner, Paginator):
            if method == "paginate":
                self.record(owner.service, owner.method, kwargs, where, "paginator")
            return UNKNOWN
        if isinstance(owner, Waiter):
            if method == "wait" and owner.method:
                self.record(owner.service, owner.method, kwargs, where, "waiter")
            return UNKNOWN
        if isinstance(owner, Resource):
            return self.call_resource(owner, method, args, kwargs, node, where)
        if isinstance(owner, Collection):
            return self.call_collection(owner, method, kwargs, where)
        return UNKNOWN

    def call_client(self, client: Client, method: str, args: list[Any], kwargs: dict[str, Any],
                    node: ast.Call, where: tuple[str, int]) -> Any:
        if client.service is None:
            self.unresolve(where, node, f"{method}() on a client of unknown service")
            return UNKNOWN
        if method == "get_paginator":
            name = args[0] if args else kwargs.get("operation_name", UNKNOWN)
            if isinstance(name, Literal):
                return Paginator(client.service, name.value)
            self.unresolve(where, node, "get_paginator() with an operation that is not a literal")
            return UNKNOWN
        if method == "get_waiter":
            name = args[0] if args else kwargs.get("waiter_name", UNKNOWN)
            if isinstance(name, Literal):
                polled = boto3_map.waiter_method(client.service, name.value)
                if polled is None:
                    self.unresolve(where, node, f"unknown waiter {name.value!r} of {client.service}")
                return Waiter(client.service, polled)
            self.unresolve(where, node, "get_waiter() with a name that is not a literal")
            return UNKNOWN
        if method == "generate_presigned_url":
            target = args[0] if args else kwargs.get("ClientMethod", UNKNOWN)
            params = kwargs.get("Params", args[1] if len(args) > 1 else UNKNOWN)
            if isinstance(target, Literal):
                inner = dict(params.items) if isinstance(params, DictValue) else {}
                self.record(client.service, target.value, inner, where, "presigned")
            else:
                self.unresolve(where, node, "generate_presigned_url() for a method that is not a literal")
            return UNKNOWN
        custom = boto3_map.CUSTOMIZATIONS.get(client.service, {}).get(method)
        if custom is not None:
            named = dict(kwargs)
            for source, param in custom.params:
                if source.isdigit() and int(source) < len(args):
                    named.setdefault(param, args[int(source)])
            self.record(client.service, method, named, where, method)
            return UNKNOWN
        if method in ("exceptions", "meta", "close", "can_paginate"):
            return UNKNOWN
        self.record(client.service, method, kwargs, where, "client")
        return UNKNOWN

    def call_resource(self, resource: Resource, method: str, args: list[Any], kwargs: dict[str, Any],
                      node: ast.Call, where: tuple[str, int]) -> Any:
        model = boto3_map.resource_model(resource.service)
        if model is None:
            self.unresolve(where, node, f"boto3.resource({resource.service!r}) has no resource model")
            return UNKNOWN
        shape = model["types"].get(resource.type, {}) if resource.type else model["service"]
        if method in shape.get("has", {}):
            return Resource(resource.service, shape["has"][method], resource.ids + tuple(args))
        if resource.type is None and method in model["types"]:
            return Resource(resource.service, method, tuple(args))  # boto3 offers every type here
        params = self.identifier_params(resource, shape)
        if method in shape.get("actions", {}):
            operation = shape["actions"][method]
            self.record(resource.service, _snake(operation), {**params, **kwargs}, where, "resource")
            return UNKNOWN
        if method in shape.get("waiters", {}):
            polled = boto3_map.waiter_method(resource.service, shape["waiters"][method])
            if polled:
                self.record(resource.service, polled, params, where, "waiter")
            return UNKNOWN
        custom = boto3_map.RESOURCE_CUSTOMIZATIONS.get(resource.service, {}).get(method)
        if custom is not None:
            for operation in custom:
                self.record(resource.service, operation, params, where, method)
            return UNKNOWN
        self.unresolve(where, node, f"{method}() of boto3 {resource.service} {resource.type or 'service'} resource")
        return UNKNOWN

    def identifier_params(self, resource: Resource, shape: dict[str, Any]) -> dict[str, Any]:
        ids = shape.get("identifiers", [])
        mapping = shape.get("params", {})
        return {mapping.get(name, name): value for name, value in zip(ids, resource.ids, strict=False)}

    def attribute_collection(self, resource: Resource, name: str) -> Any:
        model = boto3_map.resource_model(resource.service) or {"types": {}, "service": {}}
        shape = model["types"].get(resource.type, {}) if resource.type else model["service"]
        many = shape.get("many", {}).get(name)
        if many is None:
            return None
        return Collection(resource.service, many[0], many[1], resource.ids)

    def call_collection(self, collection: Collection, method: str, kwargs: dict[str, Any],
                        where: tuple[str, int]) -> Any:
        model = boto3_map.resource_model(collection.service) or {"types": {}}
        if method in ("all", "filter", "limit", "page_size", "pages"):
            parent = Resource(collection.service, None, collection.ids)
            params = {}
            for shape in model["types"].values():
                if collection.type in shape.get("has", {}).values() or any(
                        m[1] == collection.type for m in shape.get("many", {}).values()):
                    params = self.identifier_params(Resource(collection.service, None, parent.ids), shape)
                    if params:
                        break
            self.record(collection.service, _snake(collection.operation), {**params, **kwargs}, where, "resource")
            return collection
        item = model["types"].get(collection.type, {})
        if method in item.get("actions", {}):
            self.record(collection.service, _snake(item["actions"][method]), kwargs, where, "resource")
        return UNKNOWN

    # ---- functions ----
    def run_callback(self, value: Any, scope: dict[str, Any]) -> None:
        """Run a function that escapes into a call or a table, with arguments we cannot see."""
        if isinstance(value, Function):
            self.call_function(value, [UNKNOWN] * len(value.info.params), {})
        elif isinstance(value, _Nested):
            self.call_nested(value, [], {}, scope)
        elif isinstance(value, DictValue):
            for _key, item in value.items:
                self.run_callback(item, scope)

    def call_function(self, func: Function, args: list[Any], kwargs: dict[str, Any]) -> Any:
        info = func.info
        module = self.index.module_named(info.module) if info.module else None
        if module is None or not module.path:
            module = next((m for m in self.index.parsed if m.name == info.module), None)
        if module is None:
            return UNKNOWN
        self.module_globals(module)
        params = list(info.params)
        scope: dict[str, Any] = {}
        bound_args = list(args)
        if func.bound is not None:
            bound_args = [func.bound, *bound_args]
        for name, value in zip(params, bound_args, strict=False):
            scope[name] = value
        for name, value in kwargs.items():
            if name in params:
                scope[name] = value
        signature = (func.key, tuple(sorted((k, _freeze(v)) for k, v in scope.items())))
        if signature in self.memo:
            return self.memo[signature]
        if func.key in self.stack or len(self.stack) > _MAX_DEPTH:
            return UNKNOWN
        self.memo[signature] = UNKNOWN
        self.stack.append(func.key)
        try:
            returns = self.exec_block(info.node.body, scope, module)
        finally:
            self.stack.pop()
        # ``global client`` then ``client = boto3.client(...)``: the lazy-initialised module client.
        declared = {n for node in ast.walk(info.node) if isinstance(node, ast.Global) for n in node.names}
        module_scope = self.module_globals(module)
        for name in declared:
            if name in scope and not isinstance(scope[name], Unknown):
                module_scope[name] = scope[name]
        result = next((r for r in returns if not isinstance(r, Unknown)), UNKNOWN)
        self.memo[signature] = result
        return result

    def call_nested(self, nested: _Nested, args: list[Any], kwargs: dict[str, Any], outer: dict[str, Any]) -> Any:
        node = nested.node
        if len(self.stack) > _MAX_DEPTH:
            return UNKNOWN
        scope = dict(outer)
        names = [a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)]
        for name, value in zip(names, args, strict=False):
            scope[name] = value
        scope.update({k: v for k, v in kwargs.items() if k in names})
        self.stack.append(f"nested:{id(node)}")
        try:
            returns = self.exec_block(node.body, scope, nested.module)
        finally:
            self.stack.pop()
        return next((r for r in returns if not isinstance(r, Unknown)), UNKNOWN)

    # ---- recording ----
    def record(self, service: str, method: str, kwargs: Mapping[str, Any], where: tuple[str, int], via: str) -> None:
        params = tuple(sorted((k, _param_value(v)) for k, v in kwargs.items() if k != "**"))
        keywords = frozenset(k for k in kwargs if k != "**")
        call = Boto3Call(service, method, where[0], where[1], params, keywords, via)
        self.calls.setdefault((service, method, where, params), call)

    def unresolve(self, where: tuple[str, int], node: ast.AST, reason: str) -> None:
        text = ast.unparse(node)[:120]
        self.unresolved.setdefault((where[0], where[1], reason), Unresolved(where[0], where[1], text, reason))


@dataclass(frozen=True)
class _Bound:
    owner: Any
    method: str


@dataclass(frozen=True)
class _Meta:
    service: str


@dataclass(frozen=True)
class _Nested:
    node: ast.FunctionDef | ast.AsyncFunctionDef = field(compare=False, hash=False)
    module: ParsedModule = field(compare=False, hash=False)


def _service_arg(args: list[Any], kwargs: dict[str, Any]) -> str | None:
    value = args[0] if args else kwargs.get("service_name", UNKNOWN)
    return value.value if isinstance(value, Literal) else None


def _param_value(value: Any) -> Any:
    return value if isinstance(value, Literal | Env | Text | EventField) else UNKNOWN


def _join(pieces: list[Any]) -> Any:
    """Concatenate evaluated pieces (ast.Constant for f-string text) into a Literal or a Text."""
    out: list[str] = []
    exact = True
    for piece in pieces:
        if isinstance(piece, ast.Constant):
            out.append(str(piece.value))
        elif isinstance(piece, Literal):
            out.append(piece.value)
        elif isinstance(piece, Text):
            out.append(piece.value)
            exact = False
        elif isinstance(piece, Env):
            out.append(f"${{env:{piece.name}}}")
            exact = False
        else:
            out.append("${?}")
            exact = False
    return Literal("".join(out)) if exact else Text("".join(out))


def _freeze(value: Any) -> Any:
    try:
        hash(value)
        return value
    except TypeError:
        return repr(value)


def _snake(operation: str) -> str:
    """``ListObjectsV2`` → ``list_objects_v2``, as botocore's ``xform_name`` does."""
    out = []
    for i, char in enumerate(operation):
        if char.isupper() and i and (not operation[i - 1].isupper() or (
                i + 1 < len(operation) and operation[i + 1].islower())):
            out.append("_")
        out.append(char.lower())
    return "".join(out)


def find_calls(
    handler_file: str | Path,
    handler_function: str | None = None,
    code_dir: str | Path | None = None,
    cache: dict[str, Any] | None = None,
) -> CodeCalls:
    """The AWS calls reachable from ``handler_function`` of ``handler_file``.

    Module bodies run first (module-level clients), then the handler with unknown arguments.
    Without a handler name, every top-level function of the file is an entry.
    """
    root = Path(code_dir) if code_dir else Path(handler_file).parent
    index = code_index(root, cache)
    module = index.module_at(handler_file)
    if module is None:
        errors = tuple(index.errors.values())
        return CodeCalls(errors=errors or (f"{handler_file}: cannot be parsed",))
    interpreter = _Interpreter(index)
    interpreter.module_globals(module)
    entries = [handler_function] if handler_function and handler_function in module.functions else [
        name for name, info in module.functions.items() if info.class_name is None]
    # Decorated functions are callbacks a framework calls (Powertools and Chalice routes, event
    # handlers): the handler reaches them through the framework, not through a call we can see.
    entries += [name for name, info in module.functions.items()
                if info.class_name is None and info.node.decorator_list and name not in entries]
    for name in entries:
        info = module.functions[name]
        interpreter.call_function(Function(info, info.key), [UNKNOWN] * len(info.params), {})
    calls = sorted(interpreter.calls.values(), key=lambda c: (c.file, c.line, c.service, c.method))
    unresolved = sorted(interpreter.unresolved.values(), key=lambda u: (u.file, u.line))
    return CodeCalls(tuple(calls), tuple(unresolved), tuple(sorted(interpreter.files)),
                     tuple(sorted(set(index.errors.values()))))
