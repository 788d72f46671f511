"""Resolve CloudFormation intrinsic functions as far as a template allows, offline.

The scanner has no stack: it knows parameter defaults, mappings, conditions and pseudo
parameters, but not the physical names or ARNs of the resources the stack will create. So
values that depend on a resource stay intrinsic dicts (``{"Ref": "OrdersTable"}``,
``{"Fn::GetAtt": ["OrdersTable", "Arn"]}``, ``{"Fn::Sub": "${OrdersTable.Arn}/*"}``): later
analyses can still tell which resource a permission or an environment variable points at.
Anything that cannot be resolved is kept, never dropped; problems become warnings, never
exceptions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fnguard.load.yamlsource import LineDict, line_of

DEFAULT_ACCOUNT_ID = "123456789012"
_MAX_DEPTH = 100
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_CONDITION_FUNCTIONS = ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Condition")
# Intrinsics we know and deliberately leave as they are (they need the deployed stack).
_KEPT = ("Fn::Cidr", "Fn::Transform", "Fn::ForEach", "Fn::GetParam")


class _NoValue:
    """``Ref: AWS::NoValue``: the property is removed, as CloudFormation removes it."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()


def pseudo_parameters(region: str, account_id: str, stack_name: str) -> dict[str, Any]:
    """Values of the pseudo parameters for a stack deployed in ``region``."""
    partition = "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov") else "aws"
    return {
        "AWS::Region": region,
        "AWS::AccountId": account_id,
        "AWS::StackName": stack_name,
        "AWS::StackId": f"arn:{partition}:cloudformation:{region}:{account_id}:stack/{stack_name}/00000000",
        "AWS::Partition": partition,
        "AWS::URLSuffix": "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com",
        "AWS::NotificationARNs": [],
    }


def parameter_defaults(template: Mapping[str, Any], *, include_ssm: bool = False) -> dict[str, Any]:
    """Parameter values a deploy without overrides would use (list types split on commas).

    ``AWS::SSM::Parameter::Value<...>`` parameters default to the *name* of an SSM parameter,
    not its value, so they are left out unless ``include_ssm``: their Refs stay unresolved
    instead of pretending an AMI id is ``/aws/service/ami-...``.
    """
    values: dict[str, Any] = {}
    parameters = template.get("Parameters")
    if not isinstance(parameters, Mapping):
        return values
    for name, spec in parameters.items():
        if not isinstance(spec, Mapping) or "Default" not in spec:
            continue
        default = spec["Default"]
        kind = str(spec.get("Type", "String"))
        if kind.startswith("AWS::SSM::Parameter::Value") and not include_ssm:
            continue
        if isinstance(default, str) and (kind.startswith("List<") or kind == "CommaDelimitedList"):
            default = [part.strip() for part in default.split(",")] if default else []
        elif isinstance(default, bool):
            default = "true" if default else "false"
        elif isinstance(default, (int, float)):
            default = str(default)
        values[str(name)] = default
    return values


class Resolver:
    """Resolves intrinsics of one template; collects warnings naming the file and line."""

    def __init__(
        self,
        template: Mapping[str, Any],
        path: Path | str,
        *,
        parameters: Mapping[str, Any] | None = None,
        region: str = "us-east-1",
        account_id: str = DEFAULT_ACCOUNT_ID,
        stack_name: str | None = None,
        resource_ids: set[str] | None = None,
    ) -> None:
        self.path = str(path)
        self.region = region
        self.parameters: dict[str, Any] = parameter_defaults(template)
        if parameters:
            self.parameters.update(parameters)
        declared = template.get("Parameters")
        self.declared_parameters = set(declared) if isinstance(declared, Mapping) else set()
        self.declared_parameters |= set(parameters or ())
        stack = stack_name or Path(self.path).parent.name or "stack"
        self.pseudo = pseudo_parameters(region, account_id, stack)
        mappings = template.get("Mappings")
        self.mappings: Mapping[str, Any] = mappings if isinstance(mappings, Mapping) else {}
        conditions = template.get("Conditions")
        self.condition_definitions: Mapping[str, Any] = conditions if isinstance(conditions, Mapping) else {}
        resources = template.get("Resources")
        if resource_ids is not None:
            self.resource_ids = set(resource_ids)
        else:
            self.resource_ids = set(resources) if isinstance(resources, Mapping) else set()
        self.warnings: list[str] = []
        self._conditions: dict[str, bool | None] = {}
        self._evaluating: list[str] = []
        self._warned: set[str] = set()

    # -- warnings ---------------------------------------------------------------------------

    def warn(self, message: str, line: int | None) -> None:
        text = f"{self.path}:{line}: {message}" if line else f"{self.path}: {message}"
        if text not in self._warned:
            self._warned.add(text)
            self.warnings.append(text)

    # -- values -----------------------------------------------------------------------------

    def resolve(self, value: Any, line: int | None = None) -> Any:
        """The value with every intrinsic resolved that can be; plain dicts and lists out."""
        result = self._resolve(value, line, 0)
        return None if result is NO_VALUE else result

    def _resolve(self, value: Any, line: int | None, depth: int) -> Any:
        """Walk a value; intrinsics are resolved where they are, ``AWS::NoValue`` removes its key."""
        if depth > _MAX_DEPTH:
            self.warn("value nested too deeply to resolve", line)
            return value
        here = line_of(value) or line
        if isinstance(value, Mapping):
            if len(value) == 1:
                key = next(iter(value))
                if key == "Ref" or (isinstance(key, str) and key.startswith("Fn::")) or (
                    key == "Condition" and isinstance(value[key], str)
                ):
                    return self._intrinsic(key, value[key], here, depth)
            result: dict[str, Any] = {}
            for key, child in value.items():
                resolved = self._resolve(child, line_of(value, key) or here, depth + 1)
                if resolved is not NO_VALUE:
                    result[key] = resolved
            return result
        if isinstance(value, list):
            items = [self._resolve(child, here, depth + 1) for child in value]
            return [item for item in items if item is not NO_VALUE]
        if hasattr(value, "isoformat"):  # YAML reads 2010-09-09 as a date
            return value.isoformat()
        return value

    def _intrinsic(self, name: str, argument: Any, line: int | None, depth: int) -> Any:
        handler = _HANDLERS.get(name)
        if handler is not None:
            return handler(self, argument, line, depth)
        if name in _CONDITION_FUNCTIONS:
            outcome = self._condition_value(name, argument, line, depth)
            return outcome if outcome is not None else {name: self._resolve(argument, line, depth + 1)}
        if name not in _KEPT:
            self.warn(f"unknown intrinsic function {name}: kept unresolved", line)
        return {name: self._resolve(argument, line, depth + 1)}

    def _ref(self, argument: Any, line: int | None, depth: int) -> Any:
        target = self._resolve(argument, line, depth + 1)
        if not isinstance(target, str):
            self.warn(f"Ref to a non-name {target!r}", line)
            return {"Ref": target}
        if target == "AWS::NoValue":
            return NO_VALUE
        if target in self.pseudo:
            return self.pseudo[target]
        if target in self.parameters:
            return self.parameters[target]
        if target not in self.resource_ids and target not in self.declared_parameters:
            self.warn(f"Ref to {target}, which is no parameter nor resource of the template", line)
        return {"Ref": target}

    def _get_att(self, argument: Any, line: int | None, depth: int) -> Any:
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        resolved = self._resolve(argument, line, depth + 1)
        if not isinstance(resolved, list) or len(resolved) < 2:
            self.warn(f"Fn::GetAtt needs [resource, attribute], got {resolved!r}", line)
            return {"Fn::GetAtt": resolved}
        if isinstance(resolved[0], str) and resolved[0] not in self.resource_ids:
            self.warn(f"Fn::GetAtt of {resolved[0]}, which is no resource of the template", line)
        return {"Fn::GetAtt": [resolved[0], ".".join(str(part) for part in resolved[1:])]}

    def _sub(self, argument: Any, line: int | None, depth: int) -> Any:
        """``Fn::Sub``: parameters and pseudo parameters filled in; resource attributes stay ``${Name.Attr}``."""
        variables: dict[str, Any] = {}
        if isinstance(argument, list) and argument:
            text = argument[0]
            if len(argument) > 1 and isinstance(argument[1], Mapping):
                variables = {k: self._resolve(v, line, depth + 1) for k, v in argument[1].items()}
        else:
            text = argument
        if not isinstance(text, str):
            self.warn("Fn::Sub needs a string", line)
            return {"Fn::Sub": self._resolve(argument, line, depth + 1)}
        unresolved = False

        def replace(match: re.Match[str]) -> str:
            nonlocal unresolved
            name = match.group(1)
            if name.startswith("!"):
                return match.group(0)
            if name in variables:
                value = variables[name]
            elif name in self.pseudo:
                value = self.pseudo[name]
            elif name in self.parameters:
                value = self.parameters[name]
            else:
                base = name.split(".", 1)[0]
                if base not in self.resource_ids and base not in self.declared_parameters:
                    self.warn(f"Fn::Sub names ${{{name}}}, which is no parameter nor resource", line)
                unresolved = True
                return match.group(0)
            if isinstance(value, list):
                value = ",".join(str(v) for v in value)
            if not isinstance(value, (str, int, float)):
                unresolved = True
                return "${" + to_text(value) + "}" if not isinstance(value, Mapping) else to_text(value)
            return str(value)

        result = _SUB_VARIABLE.sub(replace, text)
        if unresolved:
            return {"Fn::Sub": result}
        return _SUB_VARIABLE.sub(lambda m: "${" + m.group(1)[1:] + "}" if m.group(1).startswith("!") else m.group(0), result)

    def _join(self, argument: Any, line: int | None, depth: int) -> Any:
        resolved = self._resolve(argument, line, depth + 1)
        if not (isinstance(resolved, list) and len(resolved) == 2 and isinstance(resolved[0], str)):
            self.warn("Fn::Join needs [delimiter, [values]]", line)
            return {"Fn::Join": resolved}
        delimiter, parts = resolved
        if isinstance(parts, list) and all(isinstance(p, (str, int, float)) for p in parts):
            return delimiter.join(str(p) for p in parts)
        return {"Fn::Join": [delimiter, parts]}

    def _select(self, argument: Any, line: int | None, depth: int) -> Any:
        resolved = self._resolve(argument, line, depth + 1)
        if isinstance(resolved, list) and len(resolved) == 2 and isinstance(resolved[1], list):
            try:
                index = int(resolved[0])
            except (TypeError, ValueError):
                return {"Fn::Select": resolved}
            if 0 <= index < len(resolved[1]):
                return resolved[1][index]
            self.warn(f"Fn::Select index {index} out of range", line)
        return {"Fn::Select": resolved}

    def _split(self, argument: Any, line: int | None, depth: int) -> Any:
        resolved = self._resolve(argument, line, depth + 1)
        if isinstance(resolved, list) and len(resolved) == 2 and all(isinstance(p, str) for p in resolved):
            return resolved[1].split(resolved[0]) if resolved[0] else [resolved[1]]
        return {"Fn::Split": resolved}

    def _find_in_map(self, argument: Any, line: int | None, depth: int) -> Any:
        """``Fn::FindInMap`` with the optional ``DefaultValue`` of the language extensions."""
        resolved = self._resolve(argument, line, depth + 1)
        if not isinstance(resolved, list) or len(resolved) < 3:
            self.warn("Fn::FindInMap needs [map, key, key]", line)
            return {"Fn::FindInMap": resolved}
        name, first, second = resolved[:3]
        default = resolved[3].get("DefaultValue") if len(resolved) > 3 and isinstance(resolved[3], Mapping) else None
        if not all(isinstance(part, (str, int)) for part in (name, first, second)):
            return {"Fn::FindInMap": resolved}
        table = self.mappings.get(str(name))
        if not isinstance(table, Mapping):
            self.warn(f"Fn::FindInMap: no mapping {name}", line)
            return {"Fn::FindInMap": resolved}
        row = table.get(str(first))
        if isinstance(row, Mapping) and str(second) in row:
            return self._resolve(row[str(second)], line, depth + 1)
        if default is not None:
            return default
        self.warn(f"Fn::FindInMap: {name} has no {first}/{second}", line)
        return {"Fn::FindInMap": resolved}

    def _if(self, argument: Any, line: int | None, depth: int) -> Any:
        """``Fn::If``: the branch of a known condition, else both branches kept."""
        if not isinstance(argument, list) or len(argument) != 3 or not isinstance(argument[0], str):
            self.warn("Fn::If needs [condition, value if true, value if false]", line)
            return {"Fn::If": self._resolve(argument, line, depth + 1)}
        outcome = self.condition(argument[0], line)
        if outcome is True:
            return self._resolve(argument[1], line, depth + 1)
        if outcome is False:
            return self._resolve(argument[2], line, depth + 1)
        branches = [self._resolve(branch, line, depth + 1) for branch in argument[1:]]
        return {"Fn::If": [argument[0]] + [None if b is NO_VALUE else b for b in branches]}

    def _base64(self, argument: Any, line: int | None, depth: int) -> Any:
        """The text before encoding: what an analysis of user data or inline code wants to read."""
        return self._resolve(argument, line, depth + 1)

    def _import_value(self, argument: Any, line: int | None, depth: int) -> Any:
        """Another stack's export: unknowable offline, kept as a visible placeholder."""
        return {"Fn::ImportValue": self._resolve(argument, line, depth + 1)}

    def _get_azs(self, argument: Any, line: int | None, depth: int) -> Any:
        region = self._resolve(argument, line, depth + 1)
        region = region if isinstance(region, str) and region else self.region
        return [f"{region}{zone}" for zone in "abc"]

    def _length(self, argument: Any, line: int | None, depth: int) -> Any:
        resolved = self._resolve(argument, line, depth + 1)
        return len(resolved) if isinstance(resolved, list) else {"Fn::Length": resolved}

    def _to_json_string(self, argument: Any, line: int | None, depth: int) -> Any:
        resolved = self._resolve(argument, line, depth + 1)
        return resolved if _has_intrinsic(resolved) else json.dumps(resolved, separators=(",", ":"))

    # -- conditions -------------------------------------------------------------------------

    def condition(self, name: str, line: int | None = None) -> bool | None:
        """The value of a named condition; ``None`` when it depends on what we cannot know."""
        if name in self._conditions:
            return self._conditions[name]
        if name in self._evaluating:
            cycle = " -> ".join(self._evaluating[self._evaluating.index(name):] + [name])
            self.warn(f"circular condition {cycle}: treated as unknown", line)
            return None
        definition = self.condition_definitions.get(name)
        if definition is None:
            self.warn(f"condition {name} is not defined", line)
            self._conditions[name] = None
            return None
        self._evaluating.append(name)
        try:
            outcome = self._evaluate(definition, line_of(self.condition_definitions, name) or line, 0)
        finally:
            self._evaluating.pop()
        self._conditions[name] = outcome
        return outcome

    def _evaluate(self, node: Any, line: int | None, depth: int) -> bool | None:
        if depth > _MAX_DEPTH:
            self.warn("condition nested too deeply", line)
            return None
        if isinstance(node, bool):
            return node
        if isinstance(node, str) and node.lower() in ("true", "false"):
            return node.lower() == "true"
        if isinstance(node, Mapping) and len(node) == 1:
            key, argument = next(iter(node.items()))
            return self._condition_value(key, argument, line_of(node) or line, depth)
        self.warn(f"cannot evaluate condition {node!r}", line)
        return None

    def _condition_value(self, name: str, argument: Any, line: int | None, depth: int) -> bool | None:
        if name == "Condition":
            return self.condition(argument, line) if isinstance(argument, str) else None
        if name == "Fn::Equals":
            if not isinstance(argument, list) or len(argument) != 2:
                self.warn("Fn::Equals needs two values", line)
                return None
            left, right = (self._resolve(side, line, depth + 1) for side in argument)
            if _has_intrinsic(left) or _has_intrinsic(right):
                return None
            return _scalar_text(left) == _scalar_text(right)
        if not isinstance(argument, list):
            self.warn(f"{name} needs a list of conditions", line)
            return None
        values = [self._evaluate(item, line, depth + 1) for item in argument]
        if name == "Fn::Not":
            return None if not values or values[0] is None else not values[0]
        if name == "Fn::And":
            return False if False in values else (None if None in values else True)
        if name == "Fn::Or":
            return True if True in values else (None if None in values else False)
        return None


_HANDLERS = {
    "Ref": Resolver._ref,
    "Fn::GetAtt": Resolver._get_att,
    "Fn::Sub": Resolver._sub,
    "Fn::Join": Resolver._join,
    "Fn::Select": Resolver._select,
    "Fn::Split": Resolver._split,
    "Fn::FindInMap": Resolver._find_in_map,
    "Fn::If": Resolver._if,
    "Fn::Base64": Resolver._base64,
    "Fn::ImportValue": Resolver._import_value,
    "Fn::GetAZs": Resolver._get_azs,
    "Fn::Length": Resolver._length,
    "Fn::ToJsonString": Resolver._to_json_string,
}


def _scalar_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _has_intrinsic(value: Any) -> bool:
    if isinstance(value, Mapping):
        if len(value) == 1:
            key = next(iter(value))
            if key == "Ref" or (isinstance(key, str) and key.startswith("Fn::")):
                return True
        return any(_has_intrinsic(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_intrinsic(v) for v in value)
    return False


def is_intrinsic(value: Any) -> bool:
    """True for a one-key dict such as ``{"Ref": ...}`` or ``{"Fn::GetAtt": ...}``."""
    if isinstance(value, Mapping) and len(value) == 1:
        key = next(iter(value))
        return key == "Ref" or (isinstance(key, str) and key.startswith("Fn::"))
    return False


def to_text(value: Any) -> str:
    """A readable string for a value that may still hold intrinsics, in ``Fn::Sub`` notation.

    IAM statements keep strings only; ``${OrdersTable.Arn}/*`` still says which resource a
    permission targets, which is what least-privilege analyses need.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, Mapping) and len(value) == 1:
        key, argument = next(iter(value.items()))
        if key == "Ref" and isinstance(argument, str):
            return "${" + argument + "}"
        if key == "Fn::GetAtt" and isinstance(argument, list):
            return "${" + ".".join(to_text(part) for part in argument) + "}"
        if key == "Fn::Sub":
            return to_text(argument[0] if isinstance(argument, list) and argument else argument)
        if key == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
            parts = argument[1] if isinstance(argument[1], list) else [argument[1]]
            return to_text(argument[0]).join(to_text(part) for part in parts)
        if key == "Fn::ImportValue":
            return "${ImportValue:" + to_text(argument) + "}"
    return json.dumps(value, sort_keys=True, default=str)


def nested(value: Any, *keys: str) -> Any:
    """``value[k1][k2]...`` or ``None`` when a level is missing or not a mapping (templates are ragged)."""
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def items(value: Any) -> list[Any]:
    """``value`` when it is a list, else an empty list: templates put anything anywhere."""
    return value if isinstance(value, list) else []


def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a mapping, else an empty one."""
    return value if isinstance(value, Mapping) else {}


_FOR_EACH = "Fn::ForEach::"


def expand_for_each(template: Mapping[str, Any], path: Path | str) -> tuple[Mapping[str, Any], list[str]]:
    """Expand ``Fn::ForEach`` loops (the AWS::LanguageExtensions transform) in Resources.

    CloudFormation (and ``sam build``) expand them before anything else reads the template, so
    we do too; each generated resource keeps the line of its loop.
    """
    resources = template.get("Resources")
    if not isinstance(resources, Mapping) or not any(str(k).startswith(_FOR_EACH) for k in resources):
        return template, []
    warnings: list[str] = []
    resolver = Resolver(template, path)
    expanded = LineDict()
    expanded.line = line_of(template, "Resources")
    _expand_into(expanded, resources, resolver, warnings, str(path), 0)
    result = LineDict(template)
    result.line = getattr(template, "line", None)
    result.key_lines = dict(getattr(template, "key_lines", {}))
    result["Resources"] = expanded
    return result, warnings


def _expand_into(
    out: LineDict, fragment: Mapping[str, Any], resolver: Resolver, warnings: list[str], path: str, depth: int
) -> None:
    for key, value in fragment.items():
        line = line_of(fragment, key)
        if not str(key).startswith(_FOR_EACH):
            out[key] = value
            out.key_lines[key] = line or 0
            continue
        if depth > 5 or not (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)
                             and isinstance(value[2], Mapping)):
            warnings.append(f"{path}:{line}: {key} needs [identifier, collection, template]: skipped")
            continue
        identifier, collection, body = value
        values = resolver.resolve(collection, line)
        if not isinstance(values, list):
            warnings.append(f"{path}:{line}: {key}: collection {to_text(values)} is not known: loop skipped")
            continue
        for item in values:
            text = to_text(item)
            generated = _substitute(body, identifier, text)
            inner = LineDict(generated)
            inner.key_lines = {k: line or 0 for k in generated}
            _expand_into(out, inner, resolver, warnings, path, depth + 1)


def _substitute(value: Any, identifier: str, text: str) -> Any:
    """The loop body for one item: ``${id}``/``&{id}`` in keys and strings, ``Ref: id`` in values."""
    if isinstance(value, str):
        alnum = re.sub(r"[^A-Za-z0-9]", "", text)
        return value.replace("${" + identifier + "}", text).replace("&{" + identifier + "}", alnum)
    if isinstance(value, Mapping):
        if len(value) == 1 and value.get("Ref") == identifier:
            return text
        return {_substitute(k, identifier, text): _substitute(v, identifier, text) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(item, identifier, text) for item in value]
    return value


def text_or_none(value: Any) -> str | None:
    """:func:`to_text`, keeping ``None`` as ``None`` (absent is not the string ``"null"``)."""
    return None if value is None else to_text(value)


def nested_text(value: Any, *keys: str) -> str | None:
    """:func:`nested` as text."""
    return text_or_none(nested(value, *keys))


def json_document(value: Any) -> Any:
    """A policy document CloudFormation accepts as an object or as a JSON string, as an object."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value
