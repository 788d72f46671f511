"""A strict reader for the small YAML subset an fnguard.yml uses; the guard cannot ship PyYAML.

Supported: block mappings and sequences (``- key: value`` items included), plain, single- and
double-quoted scalars, flow lists and flow mappings on one line, comments, one ``---`` document.
Anything else (anchors, aliases, tags, block strings, multi-line flow collections, tabs,
duplicate keys) is refused with the line number, never guessed, so a config never means
something other than what its author read.
"""

from __future__ import annotations

import re
from typing import Any


class MiniYamlError(ValueError):
    """The document is outside the supported subset, or malformed."""


_KEY = re.compile(r"([^:#]*?[^\s:]):(?:\s+(.*))?$")
_INT = re.compile(r"[-+]?(0|[1-9][0-9_]*)$")
_FLOAT = re.compile(r"[-+]?([0-9][0-9_]*)?\.[0-9]+([eE][-+]?[0-9]+)?$")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "/": "/", "0": "\0", "b": "\b", "f": "\f"}


class _Line:
    __slots__ = ("indent", "text", "number")

    def __init__(self, indent: int, text: str, number: int) -> None:
        self.indent = indent
        self.text = text
        self.number = number


def loads(source: str, name: str = "<config>") -> Any:
    """Parse ``source``; errors say ``name:line: reason``."""
    return _Parser(source, name).document()


def _strip_comment(text: str) -> str:
    """Drop a ``#`` comment that starts at the line start or after a space, outside quotes."""
    quote = ""
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
            elif ch == "\\" and quote == '"':
                continue
        elif ch in ("'", '"') and (i == 0 or text[i - 1] in " [{,:-"):
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1] in " \t"):
            return text[:i].rstrip()
    return text.rstrip()


class _Parser:
    def __init__(self, source: str, name: str) -> None:
        self.name = name
        self.lines: list[_Line] = []
        started = False
        for number, raw in enumerate(source.splitlines(), start=1):
            body = raw.lstrip(" ")
            if body.startswith("\t") or (body.strip() and "\t" in raw[: len(raw) - len(body) + 1]):
                self.fail(number, "tabs are not allowed for indentation")
            text = _strip_comment(body)
            if not text:
                continue
            if text in ("---", "..."):
                if started or text == "...":
                    self.fail(number, "only one YAML document is supported")
                started = True
                continue
            if text.startswith("%"):
                self.fail(number, "YAML directives are not supported")
            started = True
            self.lines.append(_Line(len(raw) - len(body), text, number))
        self.pos = 0

    def fail(self, number: int, reason: str) -> None:
        raise MiniYamlError(f"{self.name}:{number}: {reason}")

    def document(self) -> Any:
        if not self.lines:
            return None
        value = self.block(self.lines[0].indent)
        if self.pos < len(self.lines):
            line = self.lines[self.pos]
            self.fail(line.number, "unexpected indentation")
        return value

    # -- block structure -------------------------------------------------------------------
    def block(self, indent: int) -> Any:
        line = self.lines[self.pos]
        if line.text == "-" or line.text.startswith("- "):
            return self.sequence(indent)
        if self.split_key(line) is not None:
            return self.mapping(indent)
        self.pos += 1
        return self.scalar_or_flow(line.text, line.number)

    def sequence(self, indent: int) -> list[Any]:
        items: list[Any] = []
        while self.pos < len(self.lines):
            line = self.lines[self.pos]
            if line.indent < indent:
                break
            if line.indent > indent:
                self.fail(line.number, "unexpected indentation")
            if not (line.text == "-" or line.text.startswith("- ")):
                break
            rest = line.text[1:].lstrip(" ")
            if not rest:
                self.pos += 1
                items.append(self.nested(indent, line.number))
                continue
            # "- key: value" / "- - x": the item is a block starting at the item's column.
            column = line.indent + (len(line.text) - len(rest))
            self.lines[self.pos] = _Line(column, rest, line.number)
            items.append(self.block(column))
        return items

    def mapping(self, indent: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        while self.pos < len(self.lines):
            line = self.lines[self.pos]
            if line.indent < indent:
                break
            if line.indent > indent:
                self.fail(line.number, "unexpected indentation")
            split = self.split_key(line)
            if split is None:
                if line.text.startswith("- "):
                    break
                self.fail(line.number, "expected 'key: value'")
                break
            key, rest = split
            if key in result:
                self.fail(line.number, f"duplicate key {key!r}")
            self.pos += 1
            if rest:
                result[key] = self.scalar_or_flow(rest, line.number)
            else:
                result[key] = self.nested(indent, line.number, allow_same_indent_list=True)
        return result

    def nested(self, indent: int, number: int, allow_same_indent_list: bool = False) -> Any:
        """The block value of an empty ``key:`` or ``-``: deeper lines, or null if none."""
        if self.pos >= len(self.lines):
            return None
        line = self.lines[self.pos]
        if line.indent > indent:
            return self.block(line.indent)
        if allow_same_indent_list and line.indent == indent and (line.text == "-" or line.text.startswith("- ")):
            return self.sequence(indent)
        return None

    def split_key(self, line: _Line) -> tuple[str, str] | None:
        """``(key, rest)`` when the line starts a mapping entry."""
        text = line.text
        if text[0] in "'\"":
            end = _quoted_end(text, 0)
            if end is None:
                self.fail(line.number, "unterminated quoted key")
                return None
            after = text[end + 1 :]
            if after == ":" or after.startswith(": "):
                return _unquote(text[: end + 1], line.number, self), after[1:].strip()
            return None
        if text[0] in "[{":
            return None
        if text.startswith("? "):
            self.fail(line.number, "complex keys are not supported")
        match = _KEY.match(text)
        if not match:
            return None
        key = match.group(1)
        if key[0] in "&*!|>%@`":
            self.fail(line.number, f"unsupported YAML syntax at {key[0]!r}")
        return key, (match.group(2) or "").strip()

    # -- scalars and flow collections ------------------------------------------------------
    def scalar_or_flow(self, text: str, number: int) -> Any:
        if text[0] in "[{":
            value, end = self.flow(text, 0, number)
            if text[end:].strip():
                self.fail(number, "unexpected text after a flow collection")
            return value
        return self.scalar(text, number)

    def flow(self, text: str, i: int, number: int) -> tuple[Any, int]:
        closing = "]" if text[i] == "[" else "}"
        is_list = closing == "]"
        items: list[Any] = []
        mapping: dict[str, Any] = {}
        i += 1
        while True:
            while i < len(text) and text[i] == " ":
                i += 1
            if i >= len(text):
                self.fail(number, "flow collections must close on the same line")
            if text[i] == closing:
                return (items if is_list else mapping), i + 1
            if is_list:
                value, i = self.flow_item(text, i, number, closing)
                items.append(value)
            else:
                key, i = self.flow_item(text, i, number, ":")
                if i >= len(text) or text[i] != ":":
                    self.fail(number, "expected ':' in a flow mapping")
                value, i = self.flow_item(text, i + 1, number, closing)
                if not isinstance(key, str):
                    self.fail(number, "flow mapping keys must be strings")
                if key in mapping:
                    self.fail(number, f"duplicate key {key!r}")
                mapping[key] = value
            while i < len(text) and text[i] == " ":
                i += 1
            if i < len(text) and text[i] == ",":
                i += 1
            elif i >= len(text) or text[i] != closing:
                self.fail(number, "expected ',' or the end of the flow collection")

    def flow_item(self, text: str, i: int, number: int, stop: str) -> tuple[Any, int]:
        while i < len(text) and text[i] == " ":
            i += 1
        if i < len(text) and text[i] in "[{":
            return self.flow(text, i, number)
        if i < len(text) and text[i] in "'\"":
            end = _quoted_end(text, i)
            if end is None:
                self.fail(number, "unterminated quoted string")
                raise AssertionError  # unreachable: fail raises
            return _unquote(text[i : end + 1], number, self), end + 1
        start = i
        while i < len(text) and text[i] not in ",]}" and not (text[i] == ":" and stop == ":" and (
            i + 1 >= len(text) or text[i + 1] in " ,]}"
        )):
            i += 1
        return self.scalar(text[start:i].strip(), number), i

    def scalar(self, text: str, number: int) -> Any:
        if not text:
            return None
        if text[0] in "'\"":
            end = _quoted_end(text, 0)
            if end is None or text[end + 1 :].strip():
                self.fail(number, "malformed quoted string")
            return _unquote(text, number, self)
        if text[0] in "&*!|>%@`":
            self.fail(number, f"unsupported YAML syntax {text[0]!r} (quote the value if it is text)")
        if ": " in text or text.endswith(":"):
            self.fail(number, "nested mapping on one line: put it on its own lines or use {...}")
        lowered = text.lower()
        if lowered in ("null", "~"):
            return None
        if lowered == "true":
            return True
        if lowered == "false":
            return False
        if _INT.match(text):
            return int(text.replace("_", ""))
        if _FLOAT.match(text):
            return float(text.replace("_", ""))
        return text


def _quoted_end(text: str, start: int) -> int | None:
    quote = text[start]
    i = start + 1
    while i < len(text):
        if quote == '"' and text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            if quote == "'" and i + 1 < len(text) and text[i + 1] == "'":
                i += 2
                continue
            return i
        i += 1
    return None


def _unquote(token: str, number: int, parser: _Parser) -> str:
    body = token[1:-1]
    if token[0] == "'":
        return body.replace("''", "'")
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1 : i + 2]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt in ("x", "u", "U"):
            width = {"x": 2, "u": 4, "U": 8}[nxt]
            digits = body[i + 2 : i + 2 + width]
            if len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
                parser.fail(number, "bad escape in a double-quoted string")
            out.append(chr(int(digits, 16)))
            i += 2 + width
        else:
            parser.fail(number, f"unknown escape '\\{nxt}' in a double-quoted string")
    return "".join(out)
