"""Serverless Framework variables (``${self:...}``, ``${opt:...}``, ``${file(...)}``...) resolved offline.

The framework resolves variables at deploy time against the CLI options, the environment, other
files and live AWS services. fnguard must read an app without deploying it, so this module
resolves what can be known from the files alone and leaves the rest (``ssm:``, ``cf:``, ``s3:``,
plugins' sources) as the literal ``${...}`` text, which stays visible in findings, with one info
note per variable. Lines are kept: resolved mappings are :class:`LineDict` copies of the input.

Supported: ``self:`` (any path, including through values that are themselves variables),
``opt:`` (stage/region and any other option), ``sls:stage``/``sls:instanceId`` (a stable
placeholder), ``env:``, ``file(path):address`` (YAML, JSON or plain text; JavaScript modules stay
placeholders), ``aws:region``/``aws:accountId`` (the CloudFormation loader's placeholder
account), ``param:`` (``--param`` options, v3 ``params:`` and v4 ``stages.<stage>.params``),
``strToBool(...)``, nested variables, fallbacks (``${a, b, 'literal'}``, an unquoted word, numbers,
booleans, ``null``), variables embedded in strings, and serverless-pseudo-parameters'
``#{AWS::Region}`` when that plugin is listed.
``${AWS::Region}``, ``${Bucket}`` and ``${Bucket.Arn}`` are CloudFormation ``Fn::Sub`` syntax and
are left alone. A ``${self:}`` cycle raises :class:`InputError` naming the file and the cycle.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fnguard.load.yamlsource import LineDict, LineList, load_document
from fnguard.model import InputError

DEFAULT_STAGE = "dev"
DEFAULT_REGION = "us-east-1"
try:  # the same placeholder account the CloudFormation loader uses, so ARNs compare
    from fnguard.load.intrinsics import DEFAULT_ACCOUNT_ID as ACCOUNT_ID
except ImportError:  # pragma: no cover
    ACCOUNT_ID = "123456789012"
INSTANCE_ID_PLACEHOLDER = "${sls:instanceId}"
_MAX_FILE_DEPTH = 10
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_SOURCE = re.compile(r"^(?P<type>[A-Za-z][\w-]*)(?:\((?P<arg>[^)]*)\))?(?::(?P<address>.*))?$", re.S)
_PSEUDO = re.compile(r"#\{(AWS::\w+)\}")
_CFN_SUB = re.compile(r"^(?:AWS::\w+|!?[\w.]+)$")


@dataclass(frozen=True)
class Options:
    """What the CLI would pass to ``serverless deploy`` (``--stage``, ``--region``, others)."""

    stage: str | None = None
    region: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Other ``--name value`` options, read by ``${opt:name}``."""
    env: Mapping[str, str] | None = None
    """The environment ``${env:...}`` reads; ``None`` means ``os.environ``."""
    params: Mapping[str, Any] = field(default_factory=dict)
    """``--param name=value`` pairs, read first by ``${param:name}``."""


class _Missing:
    """A source that had no value (unset env var, absent key): the next fallback is tried."""


class _Unresolvable:
    """A source fnguard cannot read offline: the variable stays as its own text."""


MISSING = _Missing()
UNRESOLVABLE = _Unresolvable()


class Resolver:
    """Resolves one serverless.yml document; keeps notes for ``App.warnings``."""

    def __init__(self, document: Mapping[str, Any], path: Path, options: Options | None = None) -> None:
        self.document = document
        self.path = Path(path)
        self.options = options or Options()
        self.env: Mapping[str, str] = self.options.env if self.options.env is not None else os.environ
        self.notes: list[str] = []
        self._noted: set[str] = set()
        self._memo: dict[tuple[str, ...], Any] = {}
        self._active: list[tuple[str, ...]] = []
        self._files: dict[Path, Any] = {}
        self._raw_files: dict[Path, Any] = {}
        self._file_depth = 0
        self._stage_busy = False
        plugins = document.get("plugins") if isinstance(document, Mapping) else None
        if isinstance(plugins, Mapping):
            plugins = plugins.get("modules")
        self._pseudo_parameters = isinstance(plugins, list) and "serverless-pseudo-parameters" in plugins

    # -- public -----------------------------------------------------------------------------

    def resolve_document(self) -> Any:
        """The whole document with every variable resolved (or left as visible placeholder)."""
        return self._resolved_at(())

    def resolve(self, value: Any) -> Any:
        """Resolve a value that is not part of the document (a test string, an included file)."""
        return self._resolve_node(value, None)

    @property
    def stage(self) -> str:
        """The stage the framework would deploy: ``--stage``, else ``provider.stage``, else dev."""
        if self.options.stage:
            return self.options.stage
        if self._stage_busy or ("provider", "stage") in self._active:  # ``stage: ${opt:stage}``
            return DEFAULT_STAGE
        self._stage_busy = True
        try:
            value = self._lookup_self(["provider", "stage"], default=None)
        finally:
            self._stage_busy = False
        return value if isinstance(value, str) and value and "${" not in value else DEFAULT_STAGE

    @property
    def region(self) -> str:
        """``--region``, else ``provider.region``, else us-east-1."""
        if self.options.region:
            return self.options.region
        if ("provider", "region") in self._active:  # ``region: ${opt:region}``
            return DEFAULT_REGION
        value = self._lookup_self(["provider", "region"], default=None)
        return value if isinstance(value, str) and value and "${" not in value else DEFAULT_REGION

    # -- document walking -------------------------------------------------------------------

    def _resolved_at(self, path: tuple[str, ...]) -> Any:
        """The fully resolved value at a raw document path (memoised, cycle-checked)."""
        if path in self._memo:
            return self._memo[path]
        if path in self._active:
            cycle = self._active[self._active.index(path):] + [path]
            names = " -> ".join(".".join(p) or "<root>" for p in cycle)
            raise InputError(f"{self.path}: circular variable reference: {names}")
        raw = self._raw_at(path)
        self._active.append(path)
        try:
            value = self._resolve_node(raw, path)
        finally:
            self._active.pop()
        self._memo[path] = value
        return value

    def _raw_at(self, path: tuple[str, ...]) -> Any:
        node: Any = self.document
        for segment in path:
            node = _child(node, segment)
        return node

    def _resolve_node(self, node: Any, path: tuple[str, ...] | None) -> Any:
        if isinstance(node, dict):
            result = LineDict()
            result.line = getattr(node, "line", None)
            _copy_origin(node, result)
            key_lines = getattr(node, "key_lines", {})
            for key, child in node.items():
                if path is not None:
                    result[key] = self._resolved_at(path + (str(key),))
                else:
                    result[key] = self._resolve_node(child, None)
                if key in key_lines:
                    result.key_lines[key] = key_lines[key]
            return result
        if isinstance(node, list):
            items = LineList(
                self._resolved_at(path + (str(index),)) if path is not None else self._resolve_node(child, None)
                for index, child in enumerate(node)
            )
            items.line = getattr(node, "line", None)
            _copy_origin(node, items)
            return items
        if isinstance(node, str) and "${" in node:
            node = self.resolve_string(node)
        if isinstance(node, str) and "#{AWS::" in node and self._pseudo_parameters:
            node = self._pseudo(node)
        return node

    def _pseudo(self, text: str) -> str:
        """serverless-pseudo-parameters: ``#{AWS::Region}`` and friends (other ``#{X}`` stay)."""
        values = {"AWS::Region": self.region, "AWS::AccountId": ACCOUNT_ID, "AWS::Partition": "aws",
                  "AWS::URLSuffix": "amazonaws.com"}
        return _PSEUDO.sub(lambda match: values.get(match.group(1), match.group(0)), text)

    def _lookup_self(self, segments: list[str], default: Any = MISSING) -> Any:
        """``${self:a.b.c}``: walk the raw document, resolving values met on the way."""
        path: tuple[str, ...] = ()
        node: Any = self.document
        for index, segment in enumerate(segments):
            if isinstance(node, str) and "${" in node:
                if path in self._active:  # inside the file this value includes: read that file's own key
                    inside = self._inside_included_file(node, segments[index:])
                    if inside is not MISSING:
                        return inside
                resolved = self._resolved_at(path)
                return _walk(resolved, segments[index:], default)
            child = _child(node, segment)
            if child is MISSING:
                return self._implicit(tuple(segments), default)
            node = child
            path = path + (segment,)
        return self._resolved_at(path)

    def _inside_included_file(self, text: str, segments: list[str]) -> Any:
        """``custom: ${file(./custom.yml)}`` whose content refers to ``${self:custom.other}``.

        The framework resolves such a reference key by key; here the included file's raw content
        is read and only the referenced key resolved, so it is no cycle.
        """
        spans = _variable_spans(text)
        if len(spans) != 1 or spans[0] != (0, len(text)):
            return MISSING
        match = _SOURCE.match(text[2:-1].strip())
        if not match or match.group("type") != "file" or match.group("arg") is None or "," in text:
            return MISSING
        name = self.resolve_string(match.group("arg").strip().strip("'\""))
        if not isinstance(name, str) or "${" in name:
            return MISSING
        target = (self.path.parent / name).resolve()
        raw = self._raw_file(target, name)
        if raw is MISSING:
            return MISSING
        subpath = tuple(_address(match.group("address")) + segments)
        key = (f"file:{target}",) + subpath
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            raise InputError(f"{self.path}: circular variable reference through {name}: {'.'.join(subpath)}")
        node = _walk(raw, list(subpath), MISSING)
        if node is MISSING:
            return MISSING
        self._active.append(key)
        try:
            value = self._resolve_node(node, None)
        finally:
            self._active.pop()
        self._memo[key] = value
        return value

    def _raw_file(self, target: Path, name: str) -> Any:
        """An included YAML/JSON file as written (lines and origin kept), read once."""
        if target not in self._raw_files:
            if target.suffix not in (".yml", ".yaml", ".json") or not target.is_file():
                return MISSING
            try:
                raw = load_document(target)
            except InputError as exc:  # the rest of the app can still be read
                self._note(f"file({name})", f"unreadable, kept as a placeholder ({exc})", level="warning")
                return MISSING
            _mark_origin(raw, str(target))
            self._raw_files[target] = raw
        return self._raw_files[target]

    def _implicit(self, path: tuple[str, ...], default: Any) -> Any:
        """Values the framework fills in before resolving: provider.stage and provider.region."""
        if path == ("provider", "stage"):
            return self.options.stage or DEFAULT_STAGE
        if path == ("provider", "region"):
            return self.options.region or DEFAULT_REGION
        return default

    # -- strings ----------------------------------------------------------------------------

    def resolve_string(self, text: str) -> Any:
        """Resolve every ``${...}`` in ``text``; a string that is one variable keeps its type."""
        spans = _variable_spans(text)
        if not spans:
            return text
        if len(spans) == 1 and spans[0] == (0, len(text)):
            return self._variable(text[2:-1], text)
        parts: list[str] = []
        cursor = 0
        for start, end in spans:
            parts.append(text[cursor:start])
            value = self._variable(text[start + 2:end - 1], text[start:end])
            parts.append(_as_text(value))
            cursor = end
        parts.append(text[cursor:])
        return "".join(parts)

    def _variable(self, body: str, original: str) -> Any:
        """One ``${...}``: nested variables first, then each fallback in turn."""
        if _CFN_SUB.match(body.strip()):
            return original  # Fn::Sub placeholder, not a framework variable
        if "${" in body:
            inner = self.resolve_string(body)
            if not isinstance(inner, str):
                return inner
            if "${" in inner and _variable_spans(inner):
                self._note(original, "depends on a variable fnguard cannot resolve offline")
                return original
            body = inner
        unresolvable: str | None = None
        missing: list[str] = []
        parts = [part.strip() for part in _split_top(body, ",") if part.strip()]
        for index, part in enumerate(parts):
            literal = _literal(part)
            if literal is MISSING and index > 0 and ":" not in part and "(" not in part:
                literal = part  # ``${opt:stage, dev}``: an unquoted fallback is its own text (v1/v2 syntax)
            if literal is not MISSING:
                return literal
            value = self._source(part)
            if value is UNRESOLVABLE:
                unresolvable = unresolvable or part
                continue
            if value is MISSING:
                missing.append(part)
                continue
            return value
        if unresolvable is None and missing in (["opt:stage"], ["opt:region"]):
            return self.stage if missing == ["opt:stage"] else self.region
        if unresolvable is not None:
            kind = _SOURCE.match(unresolvable)
            source = kind.group("type") if kind else unresolvable
            if source == "file":
                self._note(original, "fnguard does not run JavaScript file() sources; kept as a placeholder")
            else:
                self._note(original, f"'{source}:' is resolved at deploy time; kept as a placeholder")
        elif not all(part.startswith("file(") for part in missing):
            self._note(original, f"no value for {', '.join(missing) or body}; kept as a placeholder")
        return original

    def _source(self, text: str) -> Any:
        match = _SOURCE.match(text)
        if not match:
            return UNRESOLVABLE
        kind, arg, address = match.group("type"), match.group("arg"), match.group("address")
        if kind == "self":
            segments = _address(address)
            return self._lookup_self(segments) if segments else self._resolved_at(())
        if kind == "opt":
            return self._option(address or "")
        if kind == "env":
            name = (address or "").strip()
            return self.env[name] if name in self.env else MISSING
        if kind == "sls":
            if address == "stage":
                return self.stage
            if address == "instanceId":
                return INSTANCE_ID_PLACEHOLDER
            return UNRESOLVABLE
        if kind == "aws" and arg is None:
            if address == "region":
                return self.region
            if address == "accountId":
                return ACCOUNT_ID
            return UNRESOLVABLE
        if kind == "file" and arg is not None:
            return self._file(arg, address)
        if kind == "strToBool" and arg is not None:
            return _str_to_bool(self.resolve_string(arg.strip().strip("'\"")))
        if kind == "param":
            return self._param(address or "")
        return UNRESOLVABLE

    def _option(self, name: str) -> Any:
        name = name.strip()
        if name == "stage":
            return self.options.stage if self.options.stage else MISSING
        if name == "region":
            return self.options.region if self.options.region else MISSING
        return self.options.extra.get(name, MISSING)

    def _param(self, name: str) -> Any:
        """``--param name=value``, then ``params:`` (v3) or ``stages.<stage>.params`` (v4) by stage, then default.

        Dashboard parameters live in the Serverless service: unknown here, so a placeholder.
        """
        name = name.strip()
        if name in self.options.params:
            return self.options.params[name]
        for scope in (self.stage, "default"):
            for path in (["params", scope], ["stages", scope, "params"]):
                block = self._lookup_self(path, default=None)
                if isinstance(block, Mapping) and name in block:
                    return block[name]
        return UNRESOLVABLE

    def _file(self, argument: str, address: str | None) -> Any:
        """``${file(./x.yml):a.b}``: read relative to serverless.yml; a missing file is a warning."""
        name = self.resolve_string(argument.strip().strip("'\""))
        if not isinstance(name, str) or "${" in name:
            return UNRESOLVABLE
        target = (self.path.parent / name).resolve()
        if target == self.path.resolve():  # ``${file(./serverless.yml):service}``: this very document
            segments = _address(address)
            return self._lookup_self(segments) if segments else self._resolved_at(())
        if target.suffix in (".js", ".cjs", ".mjs", ".ts"):
            return UNRESOLVABLE
        if not target.is_file():
            self._note(f"file({name})", "file not found; kept as a placeholder", level="warning")
            return MISSING
        if target not in self._files:
            if self._file_depth >= _MAX_FILE_DEPTH:
                raise InputError(f"{self.path}: file() variables nested more than {_MAX_FILE_DEPTH} deep at {name}")
            if target.suffix in (".yml", ".yaml", ".json"):
                raw = self._raw_file(target, name)
                if raw is MISSING:
                    return MISSING
            else:
                try:
                    raw = target.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    self._note(f"file({name})", f"cannot read {target}: {exc}", level="warning")
                    return MISSING
            self._file_depth += 1
            try:
                self._files[target] = self._resolve_node(raw, None)
            finally:
                self._file_depth -= 1
        content = self._files[target]
        segments = _address(address)
        if not segments:
            return content
        return _walk(content, segments, MISSING)

    def _note(self, key: str, message: str, level: str = "info") -> None:
        """One note per variable; info notes start with ``info:`` so callers can tell them apart."""
        if key in self._noted:
            return
        self._noted.add(key)
        prefix = "info: " if level == "info" else ""
        self.notes.append(f"{prefix}{self.path}: {key}: {message}")


def resolve_document(
    document: Mapping[str, Any], path: Path, options: Options | None = None
) -> tuple[Any, list[str], Resolver]:
    """Resolve a whole serverless.yml; returns the document, the notes and the resolver."""
    resolver = Resolver(document, path, options)
    resolved = resolver.resolve_document()
    return resolved, resolver.notes, resolver


# -- helpers ---------------------------------------------------------------------------------


def origin_of(node: Any) -> str | None:
    """The file a mapping or list came from when a ``${file()}`` brought it in; else ``None``.

    Lines of included content are lines of that file, so locations must name it.
    """
    return getattr(node, "origin", None)


def _mark_origin(node: Any, origin: str) -> None:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (LineDict, LineList)):
            current.origin = origin  # type: ignore[union-attr]
            stack.extend(current.values() if isinstance(current, dict) else current)


def _copy_origin(source: Any, target: Any) -> None:
    origin = getattr(source, "origin", None)
    if origin is not None:
        target.origin = origin


def _child(node: Any, segment: str) -> Any:
    if isinstance(node, Mapping):
        return node[segment] if segment in node else MISSING
    if isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
        return node[int(segment)]
    return MISSING


def _walk(node: Any, segments: list[str], default: Any) -> Any:
    for segment in segments:
        node = _child(node, segment)
        if node is MISSING:
            return default
    return node


def _address(address: str | None) -> list[str]:
    """``custom.tables[0].name`` → ``["custom", "tables", "0", "name"]``."""
    if not address:
        return []
    text = address.strip().replace("[", ".").replace("]", "")
    return [part for part in text.split(".") if part]


def _variable_spans(text: str) -> list[tuple[int, int]]:
    """Outermost ``${...}`` spans, braces balanced so nested variables stay inside."""
    spans: list[tuple[int, int]] = []
    index = 0
    while True:
        start = text.find("${", index)
        if start < 0:
            return spans
        depth = 0
        quote: str | None = None
        end = -1
        for position in range(start + 1, len(text)):
            char = text[position]
            if quote:
                if char == quote:
                    quote = None
                continue
            if char in "'\"" and depth > 0 and text[position - 1] in " ,(":
                quote = char
            elif char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    end = position + 1
                    break
        if end < 0:
            return spans  # unbalanced: leave the rest as text
        spans.append((start, end))
        index = end


def _split_top(text: str, separator: str) -> list[str]:
    """Split on ``separator`` outside quotes, parentheses and nested ``${}``."""
    parts: list[str] = []
    depth = 0
    quote: str | None = None
    current: list[str] = []
    for char in text:
        if quote:
            current.append(char)
            if char == quote:
                quote = None
            continue
        if char in "'\"":
            quote = char
        elif char in "({[":
            depth += 1
        elif char in ")}]":
            depth -= 1
        elif char == separator and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _literal(part: str) -> Any:
    """A fallback literal: quoted string, number, boolean or null; else MISSING."""
    if len(part) >= 2 and part[0] == part[-1] and part[0] in "'\"":
        return part[1:-1]
    if _NUMBER.match(part):
        return float(part) if "." in part else int(part)
    if part in ("true", "false"):
        return part == "true"
    if part == "null":
        return None
    return MISSING


def _str_to_bool(value: Any) -> Any:
    text = str(value).strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0", ""):
        return False
    return MISSING


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, default=str)
