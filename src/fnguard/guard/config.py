"""Guard configuration: fnguard.yml / fnguard.json beside the handler, FNGUARD_* overrides.

Precedence, lowest first: defaults, the file (``FNGUARD_CONFIG`` or beside the handler), the
``config`` dict given to ``protect()``, its ``mode`` argument, then the environment, because
operators flip a deployed function to ``learn`` or ``block`` without a code change.
Validation is strict: a typo in a security setting must be an error, not a silent default.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fnguard.guard.errors import ConfigError

MODES = ("learn", "alert", "block")
FILE_NAMES = ("fnguard.yml", "fnguard.yaml", "fnguard.json")
# Sections owned by guard parts that read their own config: accepted here and handed over
# untouched in GuardConfig.sections (limits; the behaviour stages' egress ... learn; scan's own).
PART_SECTIONS = (
    "limits", "sandbox", "egress", "processes", "files", "native", "tmp", "lifetime", "hygiene", "decoys",
    "learn", "scan",
)


@dataclass(frozen=True)
class Exclusion:
    """Where the WAF must not look (or must ignore some rules): a field, a route, or both."""

    field: str | None = None
    """Location pattern, ``*`` wildcards; ``body.html`` also covers what lies below it."""
    route: str | None = None
    """``METHOD /path`` pattern, ``*`` wildcards, e.g. ``POST /admin/*``."""
    rules: tuple[str, ...] = ()
    """Rule id patterns; empty means every rule."""


@dataclass(frozen=True)
class WafConfig:
    enabled: bool = True
    paranoia: int = 1
    classes: tuple[str, ...] | None = None
    """Attack classes to check; None means all."""
    disable_rules: tuple[str, ...] = ()
    exclude: tuple[Exclusion, ...] = ()
    sqs_partial_batch: bool = False
    """Report offending SQS records in ``batchItemFailures`` instead of failing the batch."""
    on_budget: str = "allow"
    """What to do when the inspection budget runs out: ``allow`` or ``block``."""
    max_value_bytes: int | None = None
    max_event_bytes: int = 1_048_576
    max_time_ms: float = 50.0
    max_depth: int | None = None

    def engine_config(self) -> dict[str, Any]:
        """The engine's own keys, the ones left unset omitted so its defaults apply."""
        config: dict[str, Any] = {
            "paranoia": self.paranoia,
            "disable_rules": list(self.disable_rules),
            "max_event_bytes": self.max_event_bytes,
            "max_time_ms": self.max_time_ms,
        }
        if self.classes is not None:
            config["classes"] = list(self.classes)
        if self.max_value_bytes is not None:
            config["max_value_bytes"] = self.max_value_bytes
        if self.max_depth is not None:
            config["max_depth"] = self.max_depth
        return config


@dataclass(frozen=True)
class ServeConfig:
    """Where ``fnguard serve`` listens; no URL means no HTTP delivery."""

    url: str | None = None
    token: str | None = None
    flush_ms: float = 10.0
    """Longest the end of an invocation waits for delivery; the rest is sent later."""
    timeout_s: float = 2.0
    """Socket timeout of one POST, in the background sender."""
    batch_size: int = 100
    buffer_size: int = 1000
    gzip: bool = True


@dataclass(frozen=True)
class EventsConfig:
    stdout: bool = True
    max_per_invocation: int = 50
    serve: ServeConfig = field(default_factory=ServeConfig)
    invocations_every_s: float = 60.0
    """How often a container reports how many invocations it served (0: never); serve charts rates from it."""


@dataclass(frozen=True)
class GuardConfig:
    mode: str = "alert"
    fail: str = "open"
    function: str | None = None
    """Name in security events; defaults to AWS_LAMBDA_FUNCTION_NAME."""
    trigger: str | None = None
    """Forces a trigger type for sources with no recognisable event shape (``iot``)."""
    waf: WafConfig = field(default_factory=WafConfig)
    events: EventsConfig = field(default_factory=EventsConfig)
    sections: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    """Raw sections of the other guard parts (sandbox, limits, hygiene, decoys, learn)."""
    source: str = "defaults"
    """Where the configuration came from, for guard_error reports."""


# -- reading ---------------------------------------------------------------------------------


def read_file(path: str) -> dict[str, Any]:
    """A config file as a mapping; JSON by extension, else the YAML subset."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if path.endswith(".json"):
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise ConfigError(f"{path}: invalid JSON: {exc}") from exc
    else:
        from fnguard.guard.miniyaml import MiniYamlError, loads

        try:
            doc = loads(text, path)
        except MiniYamlError as exc:
            raise ConfigError(str(exc)) from exc
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: the top level must be a mapping")
    return doc


def find_file(directory: str | None) -> str | None:
    """``FNGUARD_CONFIG``, else the first fnguard.yml|yaml|json in ``directory``."""
    explicit = os.environ.get("FNGUARD_CONFIG")
    if explicit:
        return explicit
    for base in (directory, os.environ.get("LAMBDA_TASK_ROOT")):
        if not base:
            continue
        for name in FILE_NAMES:
            candidate = os.path.join(base, name)
            if os.path.isfile(candidate):
                return candidate
    return None


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge of mappings; lists and scalars of ``override`` replace."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def raw_document(directory: str | None, config: Mapping[str, Any] | None, mode: str | None) -> tuple[dict[str, Any], str]:
    """The merged raw document before validation, and a description of its sources."""
    sources = []
    doc: dict[str, Any] = {}
    path = find_file(directory)
    if path:
        doc = read_file(path)
        sources.append(path)
    if config:
        if not isinstance(config, Mapping):
            raise ConfigError("protect(config=...) must be a mapping")
        doc = merge(doc, config)
        sources.append("protect(config=...)")
    if mode is not None:
        doc["mode"] = mode
    env_mode = os.environ.get("FNGUARD_MODE")
    if env_mode:
        doc["mode"] = env_mode.strip().lower()
        sources.append("FNGUARD_MODE")
    serve = {
        key: os.environ[var]
        for key, var in (("url", "FNGUARD_SERVE_URL"), ("token", "FNGUARD_SERVE_TOKEN"))
        if os.environ.get(var)
    }
    if serve:
        doc = merge(doc, {"events": {"serve": serve}})
    return doc, " + ".join(sources) or "defaults"


def load(directory: str | None = None, config: Mapping[str, Any] | None = None, mode: str | None = None) -> GuardConfig:
    """Read, merge and validate the guard configuration for a handler living in ``directory``."""
    doc, source = raw_document(directory, config, mode)
    return parse(doc, source)


# -- validation ------------------------------------------------------------------------------


def parse(doc: Mapping[str, Any], source: str = "config") -> GuardConfig:
    """Validate a raw document into a :class:`GuardConfig`."""
    reader = _Reader(doc, "")
    top_keys = {"mode", "fail", "function", "trigger", "waf", "events", *PART_SECTIONS}
    reader.only(top_keys)
    waf = _Reader(reader.mapping("waf"), "waf.")
    waf.only({
        "enabled", "paranoia", "classes", "disable_rules", "exclude", "sqs_partial_batch", "on_budget",
        "max_value_bytes", "max_event_bytes", "max_time_ms", "max_depth",
    })
    events = _Reader(reader.mapping("events"), "events.")
    events.only({"stdout", "max_per_invocation", "serve", "invocations_every_s"})
    serve = _Reader(events.mapping("serve"), "events.serve.")
    serve.only({"url", "token", "flush_ms", "timeout_s", "batch_size", "buffer_size", "gzip"})
    defaults_waf, defaults_serve, defaults_events = WafConfig(), ServeConfig(), EventsConfig()
    url = serve.string("url")
    if url is not None and not url.startswith(("http://", "https://")):
        raise ConfigError(f"events.serve.url must be an http(s) URL, not {url!r}")
    trigger = reader.string("trigger")
    if trigger is not None:
        from fnguard.guard.envelopes import TRIGGERS

        if trigger not in TRIGGERS:
            raise ConfigError(f"trigger must be one of {', '.join(TRIGGERS)}, not {trigger!r}")
    return GuardConfig(
        mode=reader.choice("mode", MODES, "alert"),
        fail=reader.choice("fail", ("open", "closed"), "open"),
        function=reader.string("function"),
        trigger=trigger,
        waf=WafConfig(
            enabled=waf.boolean("enabled", defaults_waf.enabled),
            paranoia=waf.integer("paranoia", defaults_waf.paranoia, 1, 4),
            classes=waf.strings("classes") if waf.has("classes") else None,
            disable_rules=waf.strings("disable_rules"),
            exclude=tuple(_exclusion(item, i) for i, item in enumerate(waf.sequence("exclude"))),
            sqs_partial_batch=waf.boolean("sqs_partial_batch", defaults_waf.sqs_partial_batch),
            on_budget=waf.choice("on_budget", ("allow", "block"), defaults_waf.on_budget),
            max_value_bytes=waf.integer("max_value_bytes", None, 1),
            max_event_bytes=waf.integer("max_event_bytes", defaults_waf.max_event_bytes, 1),
            max_time_ms=waf.number("max_time_ms", defaults_waf.max_time_ms),
            max_depth=waf.integer("max_depth", None, 1),
        ),
        events=EventsConfig(
            stdout=events.boolean("stdout", defaults_events.stdout),
            max_per_invocation=events.integer("max_per_invocation", defaults_events.max_per_invocation, 1),
            invocations_every_s=events.number("invocations_every_s", defaults_events.invocations_every_s),
            serve=ServeConfig(
                url=url.rstrip("/") if url else None,
                token=serve.string("token"),
                flush_ms=serve.number("flush_ms", defaults_serve.flush_ms),
                timeout_s=serve.number("timeout_s", defaults_serve.timeout_s),
                batch_size=serve.integer("batch_size", defaults_serve.batch_size, 1),
                buffer_size=serve.integer("buffer_size", defaults_serve.buffer_size, 1),
                gzip=serve.boolean("gzip", defaults_serve.gzip),
            ),
        ),
        sections={name: doc[name] for name in PART_SECTIONS if name in doc},
        source=source,
    )


def _exclusion(item: Any, index: int) -> Exclusion:
    where = f"waf.exclude[{index}]"
    if not isinstance(item, Mapping):
        raise ConfigError(f"{where} must be a mapping with 'field' and/or 'route'")
    reader = _Reader(item, where + ".")
    reader.only({"field", "route", "rules"})
    exclusion = Exclusion(field=reader.string("field"), route=reader.string("route"), rules=reader.strings("rules"))
    if exclusion.field is None and exclusion.route is None:
        raise ConfigError(f"{where} needs 'field' or 'route'")
    return exclusion


class _Reader:
    """Typed access to one mapping of the document, errors naming the full key."""

    def __init__(self, doc: Any, prefix: str) -> None:
        if doc is None:
            doc = {}
        if not isinstance(doc, Mapping):
            raise ConfigError(f"{prefix.rstrip('.') or 'config'} must be a mapping")
        self.doc = doc
        self.prefix = prefix

    def has(self, key: str) -> bool:
        return self.doc.get(key) is not None

    def only(self, allowed: set[str]) -> None:
        unknown = sorted(set(self.doc) - allowed)
        if unknown:
            raise ConfigError(f"unknown setting {self.prefix}{unknown[0]} (allowed: {', '.join(sorted(allowed))})")

    def mapping(self, key: str) -> Any:
        return self.doc.get(key)

    def sequence(self, key: str) -> list[Any]:
        value = self.doc.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise ConfigError(f"{self.prefix}{key} must be a list")
        return value

    def string(self, key: str) -> str | None:
        value = self.doc.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{self.prefix}{key} must be a non-empty string")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        """A list of strings; a single string stands for a list of one."""
        value = self.doc.get(key)
        items = [value] if isinstance(value, str) else self.sequence(key)
        if not all(isinstance(v, str) and v for v in items):
            raise ConfigError(f"{self.prefix}{key} must be a list of strings")
        return tuple(items)

    def choice(self, key: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.doc.get(key, default)
        if value is None:
            return default
        if value not in allowed:
            raise ConfigError(f"{self.prefix}{key} must be one of {', '.join(allowed)}, not {value!r}")
        return str(value)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.doc.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise ConfigError(f"{self.prefix}{key} must be true or false, not {value!r}")
        return value

    def integer(self, key: str, default: Any, low: int | None = None, high: int | None = None) -> Any:
        value = self.doc.get(key, default)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{self.prefix}{key} must be an integer, not {value!r}")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ConfigError(f"{self.prefix}{key} must be between {low} and {high if high is not None else 'any'}")
        return value

    def number(self, key: str, default: float) -> float:
        value = self.doc.get(key, default)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"{self.prefix}{key} must be a non-negative number, not {value!r}")
        return float(value)
