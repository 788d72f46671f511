"""``protect()``: the guard around one handler, as a pipeline of stages.

Each invocation runs ``before`` of every stage (a stage may stop the invocation with a
:class:`Stop`), then the handler, then ``after`` of every stage in reverse order, then ``finish``
of every stage whatever happened. Limits run before the WAF; the sandbox, hygiene, decoys and
learn recorder (``behaviour``) after it, each enabled by its config section. Any error of the
guard's own is reported as a ``guard_error`` event and the handler runs (``fail: open``) or
does not (``fail: closed``).
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from fnguard.guard import config as config_module
from fnguard.guard import envelopes, events, firewall
from fnguard.guard.config import GuardConfig
from fnguard.guard.envelopes import Envelope
from fnguard.guard.errors import Blocked, ConfigError, GuardUnavailable
from fnguard.guard.exclusions import Exclusions
from fnguard.guard.sink import Telemetry

Handler = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class Stop:
    """An invocation ends here: return ``response``, or raise ``error`` into the platform."""

    response: Any = None
    error: BaseException | None = None

    def deliver(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.response


class Invocation:
    """What the stages of one invocation share; mutable, it lives for one call only."""

    __slots__ = ("event", "context", "handler_event", "batch_failures", "_envelope", "_trigger_hint")

    def __init__(self, event: Any, context: Any, trigger_hint: str | None = None) -> None:
        self.event = event
        self.context = context
        self.handler_event = event
        """The event the handler will get (the WAF may drop offending SQS records)."""
        self.batch_failures: list[str] = []
        """Record ids the guard reports in ``batchItemFailures``."""
        self._envelope: Envelope | None = None
        self._trigger_hint = trigger_hint

    @property
    def envelope(self) -> Envelope:
        """The event opened by its source's envelope, once, for every stage."""
        if self._envelope is None:
            self._envelope = envelopes.open_event(self.event, self._trigger_hint)
        return self._envelope

    @property
    def opened(self) -> bool:
        return self._envelope is not None

    def _safe_envelope(self) -> Envelope | None:
        """The envelope for reporting; None when opening it is what failed."""
        try:
            return self.envelope
        except Exception:  # noqa: BLE001 - reports must work even on events no envelope reads
            return None

    @property
    def request_id(self) -> str | None:
        envelope = self._safe_envelope()
        rid = envelope.request_id if envelope is not None else None
        return rid or getattr(self.context, "aws_request_id", None)

    @property
    def trigger(self) -> str | None:
        envelope = self._safe_envelope()
        return envelope.trigger if envelope is not None else None


class Stage(Protocol):
    """One part of the guard's pipeline."""

    name: str

    def before(self, inv: Invocation) -> Stop | None: ...

    def after(self, inv: Invocation, result: Any) -> Any: ...

    def finish(self, inv: Invocation) -> None: ...


def http_response(envelope: Envelope | None, status: int, payload: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON HTTP response in the shape the event's source expects."""
    response: dict[str, Any] = {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(payload),
    }
    if envelope is not None and envelope.alb:
        response["statusDescription"] = f"{status} {'Forbidden' if status == 403 else 'Service Unavailable'}"
        response["isBase64Encoded"] = False
        if envelope.multi_value_headers:  # the ALB rejects "headers" when multi-value is on
            response["multiValueHeaders"] = {"content-type": ["application/json"]}
            del response["headers"]
    return response


class WafStage:
    """The function-level WAF over every trigger's payload."""

    name = "waf"

    def __init__(self, guard: Guard, engine: firewall.Inspector) -> None:
        self.guard = guard
        self.engine = engine
        self.config = guard.config.waf
        self.exclusions = Exclusions(self.config.exclude)

    def before(self, inv: Invocation) -> Stop | None:
        if not self.config.enabled:
            return None
        envelope = inv.envelope
        outcome = firewall.run(self.engine, envelope, self.config, self.exclusions)
        mode = self.guard.config.mode
        action = events.ACTIONS[mode]
        emit = self.guard.emit
        for finding in outcome.findings:
            emit(events.waf_event(
                finding.detection, action, function=self.guard.function_name(inv), trigger=envelope.trigger,
                request_id=inv.request_id,
            ))
        budget_blocks = outcome.budget_exceeded and self.config.on_budget == "block"
        if outcome.budget_exceeded:
            budget_action = action if (mode != "block" or budget_blocks) else "allowed"
            emit(events.budget_event(
                budget_action, outcome.inspected_bytes, function=self.guard.function_name(inv),
                trigger=envelope.trigger, request_id=inv.request_id,
            ))
        if mode != "block" or not (outcome.findings or budget_blocks):
            return None
        if envelope.http:
            return Stop(response=http_response(envelope, 403, {"blocked": True, "request_id": inv.request_id}))
        if envelope.trigger == "sqs" and self.config.sqs_partial_batch:
            return self._partial_batch(inv, outcome, budget_blocks)
        rule_ids = tuple(dict.fromkeys(f.detection.rule_id for f in outcome.findings))
        where = ", ".join(dict.fromkeys(f.detection.location for f in outcome.findings))
        reason = f"{', '.join(rule_ids)} at {where}" if rule_ids else "inspection budget exceeded"
        return Stop(error=Blocked(f"fnguard blocked the event: {reason}", rule_ids=rule_ids, request_id=inv.request_id))

    def _partial_batch(self, inv: Invocation, outcome: firewall.WafOutcome, budget_blocks: bool) -> Stop | None:
        """Report offending records in batchItemFailures; the handler gets the others."""
        offending = {f.record for f in outcome.findings if f.record is not None}
        if budget_blocks:
            offending.update(record for record, _ in outcome.uninspected if record is not None)
        records = inv.event.get("Records") or []
        if offending and _fifo(records):
            # FIFO order: nothing after a failed message may be processed before it is, so the
            # first offending record and every one after it go back to the queue (as Lambda does).
            offending = set(range(min(offending), len(records)))
        ids = [r.get("messageId") for i, r in enumerate(records) if i in offending and isinstance(r, dict)]
        inv.batch_failures.extend(str(i) for i in ids if i)
        kept = [r for i, r in enumerate(records) if i not in offending]
        if not kept:
            return Stop(response={"batchItemFailures": [{"itemIdentifier": i} for i in inv.batch_failures]})
        inv.handler_event = {**inv.event, "Records": kept}
        return None

    def after(self, inv: Invocation, result: Any) -> Any:
        if not inv.batch_failures:
            return result
        ours = [{"itemIdentifier": i} for i in inv.batch_failures]
        if isinstance(result, dict) and isinstance(result.get("batchItemFailures"), list):
            return {**result, "batchItemFailures": list(result["batchItemFailures"]) + ours}
        return {"batchItemFailures": ours}

    def finish(self, inv: Invocation) -> None:
        return None


# The other guard parts, each configured by its own top-level section and loaded only when the
# section is present: (section, module, factory, runs before the WAF). A factory is called as
# ``factory(section, mode=..., emit=..., function_name=...)`` and returns a :class:`Stage`.
# Cheap self-protection (limits) runs before the WAF's inspection.
PARTS: tuple[tuple[str, str, str, bool], ...] = (
    ("limits", "fnguard.guard.limits.stage", "LimitsStage", True),
)

# The behaviour stages (sandbox, decoys, learn recorder, hygiene) read several sections at once
# and add themselves with ``fnguard.guard.behaviour.attach(guard, sections, handler_dir=...)``.
BEHAVIOUR_MODULE = "fnguard.guard.behaviour"
BEHAVIOUR_SECTIONS = ("sandbox", "egress", "processes", "files", "native", "tmp", "lifetime", "hygiene", "decoys",
                      "learn")


def _attach_behaviour(guard: Guard, handler_dir: str | None) -> None:
    """Attach the behaviour stages when the config has one of their sections."""
    sections = guard.config.sections
    if guard.config.mode != "learn" and not any(sections.get(name) for name in BEHAVIOUR_SECTIONS):
        return  # learn mode always records behaviour; the other modes only when configured
    import importlib

    importlib.import_module(BEHAVIOUR_MODULE).attach(guard, sections, handler_dir=handler_dir)


def _part_stages(guard: Guard, before_waf: bool) -> list[Stage]:
    import importlib

    stages: list[Stage] = []
    for section, module_name, factory_name, early in PARTS:
        raw = guard.config.sections.get(section)
        if early != before_waf or raw in (None, False, {}):
            continue
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{section} must be a mapping")
        factory = getattr(importlib.import_module(module_name), factory_name)
        stages.append(factory(raw, mode=guard.config.mode, emit=guard.emit, function_name=guard.function_name))
    return stages


def _fifo(records: list[Any]) -> bool:
    first = records[0] if records and isinstance(records[0], dict) else {}
    arn = first.get("eventSourceARN")
    return isinstance(arn, str) and arn.endswith(".fifo")


def _load_engine(config: GuardConfig) -> firewall.Inspector:
    """The shared detection engine; imported at setup so its cost lands in the cold start."""
    from fnguard.guard.waf import default_engine

    return default_engine(config.waf.engine_config())


class Guard:
    """A protected handler: config, engine and telemetry are set up once per container."""

    def __init__(
        self,
        handler: Handler,
        mode: str | None = None,
        config: Mapping[str, Any] | None = None,
        engine: firewall.Inspector | None = None,
    ) -> None:
        self.handler = handler
        self.setup_error: BaseException | None = None
        self.stages: list[Stage] = []
        self.config = GuardConfig()
        self.fail_closed = False
        directory = _handler_dir(handler)
        try:
            self.config = config_module.load(directory, config, mode)
        except Exception as exc:  # noqa: BLE001 - a broken config must not break the function
            self.setup_error = exc
            self.fail_closed = _raw_fail_closed(directory, config)
            self.config = _fallback_config()
        self.fail_closed = self.fail_closed or self.config.fail == "closed"
        try:
            self.telemetry = Telemetry(self.config.events)
        except Exception as exc:  # noqa: BLE001
            self.setup_error = self.setup_error or exc
            self.telemetry = Telemetry(config_module.EventsConfig())
        if self.setup_error is None:
            try:
                waf = WafStage(self, engine if engine is not None else _load_engine(self.config))
                self.stages = [*_part_stages(self, True), waf, *_part_stages(self, False)]
                _attach_behaviour(self, directory)
                if self.config.events.invocations_every_s > 0:
                    from fnguard.guard.metrics import InvocationCounter

                    self.stages.append(InvocationCounter(self.config.events.invocations_every_s, emit=self.emit,
                                                         function_name=self.function_name))
            except Exception as exc:  # noqa: BLE001
                self.setup_error = exc
                self.stages = []
        # Name, doc and __wrapped__ only: merging the handler's __dict__ could shadow our state.
        functools.update_wrapper(self, handler, updated=())  # type: ignore[arg-type]
        self.__fnguard__ = True

    def function_name(self, inv: Invocation | None = None) -> str | None:
        return (
            self.config.function
            or os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
            or getattr(getattr(inv, "context", None), "function_name", None)
            or getattr(self.handler, "__qualname__", None)
        )

    def emit(self, event: dict[str, Any]) -> None:
        self.telemetry.emit(event)

    def __call__(self, event: Any, context: Any = None) -> Any:
        inv = Invocation(event, context, self.config.trigger)
        stop: Stop | None = None
        if self.setup_error is not None:
            stop = self._failed(self.setup_error, inv, "setup", None)
        else:
            for stage in self.stages:  # a failing stage is skipped (fail open), the others still run
                try:
                    stop = stage.before(inv)
                except Exception as exc:  # noqa: BLE001 - the guard's fault: fail open or closed
                    stop = self._failed(exc, inv, "before", stage.name)
                if stop is not None:
                    break
        try:
            if stop is not None:
                return stop.deliver()
            result = self.handler(inv.handler_event, context)
            for stage in reversed(self.stages):
                try:
                    result = stage.after(inv, result)
                except Exception as exc:  # noqa: BLE001 - the handler ran; keep its result
                    self._report(exc, inv, "after", "failed_open", stage.name)
            return result
        finally:
            for stage in self.stages:
                try:
                    stage.finish(inv)
                except Exception as exc:  # noqa: BLE001
                    self._report(exc, inv, "finish", "failed_open", stage.name)
            self.telemetry.end_invocation()

    def _report(self, exc: BaseException, inv: Invocation, stage: str, action: str, part: str | None) -> None:
        try:
            self.emit(events.guard_error_event(
                exc, action, stage=stage, part=part, function=self.function_name(inv), trigger=inv.trigger,
                request_id=inv.request_id,
            ))
        except Exception:  # noqa: BLE001 - reporting must not fail the function either
            pass

    def _failed(self, exc: BaseException, inv: Invocation, stage: str, part: str | None) -> Stop | None:
        """Report an internal error; None lets the handler run (fail open)."""
        if not self.fail_closed:
            self._report(exc, inv, stage, "failed_open", part)
            return None
        self._report(exc, inv, stage, "failed_closed", part)
        envelope = inv.envelope if inv.opened else None
        if envelope.http if envelope is not None else _looks_http(inv.event):
            return Stop(response=http_response(envelope, 503, {"error": "guard_unavailable", "request_id": inv.request_id}))
        return Stop(error=GuardUnavailable(f"fnguard failed and is configured to fail closed: {type(exc).__name__}"))


def _handler_dir(handler: Handler) -> str | None:
    """The directory of the handler's module, where its fnguard.yml lives."""
    module = sys.modules.get(getattr(handler, "__module__", None) or "")
    filename = getattr(module, "__file__", None)
    if not filename:
        filename = getattr(getattr(handler, "__code__", None), "co_filename", None)
    return os.path.dirname(os.path.abspath(filename)) if filename and not filename.startswith("<") else None


def _raw_fail_closed(directory: str | None, config: Mapping[str, Any] | None) -> bool:
    """Whether a config that failed validation still asked to fail closed."""
    try:
        doc, _ = config_module.raw_document(directory, config, None)
        return doc.get("fail") == "closed"
    except Exception:  # noqa: BLE001 - unreadable: we cannot know, default open
        return False


def _fallback_config() -> GuardConfig:
    """Defaults plus the environment's serve endpoint, so the error still reaches serve."""
    try:
        serve = config_module.parse({"events": {"serve": {
            k: os.environ[v] for k, v in (("url", "FNGUARD_SERVE_URL"), ("token", "FNGUARD_SERVE_TOKEN"))
            if os.environ.get(v)
        }}}, "defaults")
        return serve
    except ConfigError:
        return GuardConfig()


def _looks_http(event: Any) -> bool:
    if not isinstance(event, dict):
        return False
    ctx = event.get("requestContext")
    return "httpMethod" in event or (isinstance(ctx, dict) and ("http" in ctx or "elb" in ctx))


def protect(
    mode: str | Handler | None = None,
    config: Mapping[str, Any] | None = None,
    *,
    engine: firewall.Inspector | None = None,
) -> Any:
    """Guard a Lambda handler: ``@protect()``, ``@protect(mode="block", config={...})``.

    ``engine`` replaces the WAF engine (tests, custom engines). ``@protect`` without
    parentheses works too.
    """
    if callable(mode):
        return Guard(mode)

    def decorate(handler: Handler) -> Guard:
        if getattr(handler, "__fnguard__", False):
            return handler  # type: ignore[return-value]
        return Guard(handler, mode=mode, config=config, engine=engine)

    return decorate
