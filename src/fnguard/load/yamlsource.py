"""Read YAML and JSON templates keeping the line of every mapping key.

Findings must point at the template line that causes them, so the loaders read documents into
:class:`LineDict` / :class:`LineList` (plain ``dict``/``list`` subclasses that also know their
lines). CloudFormation short tags (``!Ref``, ``!Sub``, ``!GetAtt a.b``...) become their long form
(``{"Ref": ...}``) so the rest of fnguard sees one shape.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

from fnguard.model import InputError

MAX_TEMPLATE_BYTES = 20 * 1024 * 1024


class LineDict(dict):
    """A dict that remembers its own line and the line of each key (1-based)."""

    line: int | None = None
    key_lines: dict[str, int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines = {}

    def line_of(self, key: str) -> int | None:
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A list that remembers its line."""

    line: int | None = None


def line_of(node: Any, key: str | None = None) -> int | None:
    """Line of ``node`` (or of ``node[key]``) when the document carried lines."""
    if isinstance(node, LineDict):
        return node.line_of(key) if key is not None else node.line
    return getattr(node, "line", None)


_INTRINSICS_SCALAR_LIST = {
    "Ref": "Ref",
    "Condition": "Condition",
}
_FN_TAGS = (
    "And", "Base64", "Cidr", "Equals", "FindInMap", "GetAZs", "If", "ImportValue", "Join",
    "Not", "Or", "Select", "Split", "Sub", "Transform", "Length", "ToJsonString", "ForEach",
)


class TemplateLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader (libyaml's parser where installed) plus line tracking and CloudFormation short tags."""


def _construct_mapping(loader: TemplateLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "found an unhashable mapping key", key_node.start_mark
            )
        if isinstance(key, bool) and isinstance(key_node, yaml.ScalarNode):
            key = key_node.value  # YAML 1.1 reads keys such as On/Off/Yes/No as booleans; keep the text
        if isinstance(key, (int, float, bool)) or key is None:
            key = str(key) if key is not None else "null"
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: TemplateLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    return result


def _construct_tagged(loader: TemplateLoader, tag_suffix: str, node: yaml.Node) -> LineDict:
    name = tag_suffix
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if name == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = _construct_sequence(loader, node)
    else:
        value = _construct_mapping(loader, node)
    key = name if name in _INTRINSICS_SCALAR_LIST else f"Fn::{name}"
    result = LineDict({key: value})
    result.line = node.start_mark.line + 1
    result.key_lines[key] = result.line
    return result


TemplateLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
TemplateLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
TemplateLoader.add_multi_constructor("!", lambda loader, suffix, node: _construct_tagged(loader, suffix, node))


def read_text(path: Path) -> str:
    """Read a template as text, refusing what cannot be one (binary, huge, not UTF-8)."""
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if size > MAX_TEMPLATE_BYTES:
        raise InputError(
            f"{path}: file is {size // (1024 * 1024)} MB, larger than the "
            f"{MAX_TEMPLATE_BYTES // (1024 * 1024)} MB a template may be"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if b"\x00" in data[:8192]:
        raise InputError(f"{path}: binary file, not a YAML or JSON template")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from None


def parse_document(text: str, path: Path) -> Any:
    """Parse YAML or JSON text into LineDict/LineList values, with a one-line error."""
    stripped = text.lstrip()
    if path.suffix == ".json" or stripped.startswith("{"):
        try:
            return _with_json_lines(json.loads(text), text)
        except json.JSONDecodeError as exc:
            if path.suffix == ".json":
                raise InputError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    try:
        return yaml.load(text, Loader=TemplateLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(f"{where}: invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: invalid YAML: {exc}") from None
    except RecursionError:
        raise InputError(f"{path}: document nested too deeply") from None


def load_document(path: Path) -> Any:
    """Read and parse one template file."""
    return parse_document(read_text(path), path)


def _with_json_lines(value: Any, text: str) -> Any:
    """Convert parsed JSON into LineDict/LineList, finding key lines by a forward text scan.

    JSON keys appear in document order, so scanning forward for ``"key"`` from the previous hit
    recovers each key's line in linear time without a second parser.
    """
    line_starts = [0]
    for index, char in enumerate(text):
        if char == "\n":
            line_starts.append(index + 1)
    cursor = [0]

    def line_at(offset: int) -> int:
        low, high = 0, len(line_starts) - 1
        while low < high:
            mid = (low + high + 1) // 2
            if line_starts[mid] <= offset:
                low = mid
            else:
                high = mid - 1
        return low + 1

    def convert(node: Any) -> Any:
        if isinstance(node, dict):
            result = LineDict()
            result.line = line_at(cursor[0])
            for key, child in node.items():
                found = text.find(json.dumps(key), cursor[0])
                if found >= 0:
                    cursor[0] = found + 1
                    result.key_lines[key] = line_at(found)
                result[key] = convert(child)
            return result
        if isinstance(node, list):
            result_list = LineList(convert(child) for child in node)
            result_list.line = line_at(cursor[0])
            return result_list
        return node

    return convert(value)
