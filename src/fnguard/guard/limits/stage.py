"""The guard pipeline stage that applies payload limits, rate limits, spend budgets and spikes.

Configured under ``limits:`` in fnguard.yml::

    limits:
      payload: {max_body_bytes: 262144, max_json_depth: 32, max_json_keys: 2000, max_batch: 100}
      rate:
        - {key: source_ip, limit: 100, window_s: 60, route: "POST /orders", backend: "redis://127.0.0.1:6379/0"}
      spend: {hourly_usd: 5, daily_usd: 50, backend: "redis://...", cap_concurrency: 5}
      spike: {interval_s: 10, sigma: 4, min_rate: 5, backend: "redis://..."}

In ``block`` mode a breach answers HTTP 429 with ``Retry-After`` (HTTP triggers) or raises
:class:`fnguard.Blocked`; in ``alert``/``learn`` mode it is reported and the handler runs.
"""

from __future__ import annotations

import fnmatch
import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fnguard.guard.errors import Blocked, ConfigError
from fnguard.guard.events import ACTIONS, new_id, now
from fnguard.guard.limits import Decision
from fnguard.guard.limits.keys import caller_key
from fnguard.guard.limits.payload import PayloadLimits, check_event
from fnguard.guard.limits.spend import SpendMeter, cap_concurrency
from fnguard.guard.limits.spike import SpikeDetector
from fnguard.guard.limits.window import SlidingWindow

_BACKENDS: dict[str, Any] = {}


def backend_for(url: str | None, timeout_ms: float = 5.0) -> Any:
    """One Redis backend per URL per process, shared by every limit that names it."""
    if not url:
        return None
    if url not in _BACKENDS:
        from fnguard.guard.limits.redis_backend import RedisBackend

        _BACKENDS[url] = RedisBackend(url, timeout_ms=timeout_ms)
    return _BACKENDS[url]


@dataclass(frozen=True)
class RateRule:
    key: str
    limit: int
    window_s: float
    route: str | None
    backend_url: str | None
    timeout_ms: float


def _number(section: Mapping[str, Any], key: str, where: str, default: Any = None, low: float = 0) -> Any:
    value = section.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low:
        raise ConfigError(f"{where}.{key} must be a number >= {low}")
    return value


def parse_rate_rules(raw: Any) -> list[RateRule]:
    items = [raw] if isinstance(raw, Mapping) else (raw or [])
    if not isinstance(items, list):
        raise ConfigError("limits.rate must be a mapping or a list of them")
    rules = []
    for index, item in enumerate(items):
        where = f"limits.rate[{index}]"
        if not isinstance(item, Mapping):
            raise ConfigError(f"{where} must be a mapping")
        unknown = set(item) - {"key", "limit", "window_s", "route", "backend", "timeout_ms"}
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        key = str(item.get("key", "source_ip"))
        try:
            caller_key(key, None, {})  # validates the kind
        except ValueError as exc:
            raise ConfigError(f"{where}.key: {exc}") from None
        limit = _number(item, "limit", where)
        if limit is None:
            raise ConfigError(f"{where}.limit is required")
        rules.append(RateRule(key, int(limit), float(_number(item, "window_s", where, 60, 0.001)),
                              item.get("route"), item.get("backend"),
                              float(_number(item, "timeout_ms", where, 5.0, 0.1))))
    return rules


class LimitsStage:
    """Self-protection: cheap checks that run before the WAF's deeper inspection."""

    name = "limits"

    def __init__(self, section: Mapping[str, Any], *, mode: str, emit: Callable[[dict[str, Any]], None],
                 function_name: Callable[[Any], str | None], clock: Callable[[], float] = time.monotonic) -> None:
        unknown = set(section) - {"payload", "rate", "spend", "spike"}
        if unknown:
            raise ConfigError(f"limits: unknown key(s) {', '.join(sorted(unknown))}")
        self.mode = mode
        self.emit = emit
        self.function_name = function_name
        payload = section.get("payload") or {}
        self.payload = PayloadLimits(**{k: _number(payload, k, "limits.payload") for k in
                                        ("max_body_bytes", "max_json_depth", "max_json_keys", "max_batch")})
        self.rate_rules = parse_rate_rules(section.get("rate"))
        self.local = [SlidingWindow(rule.limit, rule.window_s, clock=clock) for rule in self.rate_rules]
        self.spend_config = section.get("spend") or {}
        self.spike_config = section.get("spike") or {}
        self._spend: SpendMeter | None = None
        self._spikes: dict[str, SpikeDetector] = {}
        self._started = 0.0
        self._capped = False
        self._alerted: set[str] = set()

    # -- pipeline -------------------------------------------------------------------------------
    def before(self, inv: Any) -> Any:
        self._started = time.perf_counter()
        reason = check_event(inv.event, self.payload)
        if reason:
            stop = self._breach(inv, "payload_limit", reason, retry_after=None)
            if stop is not None:
                return stop
        envelope = inv.envelope
        for rule, window in zip(self.rate_rules, self.local, strict=True):
            if rule.route and not (envelope.route and fnmatch.fnmatchcase(envelope.route, rule.route)):
                continue
            key = caller_key(rule.key, envelope, inv.event)
            if key is None:
                continue
            decision = self._decide(rule, window, key)
            if decision.backend_error:
                self._event(inv, "limits_backend_error", "failed_open", detail=decision.backend_error)
            if not decision.allowed:
                stop = self._breach(inv, "rate_limit", f"{rule.key} over {rule.limit} per {rule.window_s:g}s",
                                    retry_after=decision.retry_after_s, extra={"key": rule.key})
                if stop is not None:
                    return stop
        self._observe_spike(inv)
        meter = self._meter(inv)
        if meter is not None:
            status = meter.current()
            if status.over:
                stop = self._breach(inv, "spend_budget", f"{status.over} budget exceeded "
                                    f"(${status.hour_usd:.4f} this hour, ${status.day_usd:.4f} today)",
                                    retry_after=60.0)
                if stop is not None:
                    return stop
        return None

    def after(self, inv: Any, result: Any) -> Any:
        return result

    def finish(self, inv: Any) -> None:
        meter = self._meter(inv)
        if meter is None:
            return
        memory = float(getattr(inv.context, "memory_limit_in_mb", None) or 128)
        status = meter.record(memory, time.perf_counter() - self._started)
        if status.over and status.over not in self._alerted:
            self._alerted.add(status.over)
            self._event(inv, "spend_budget", ACTIONS[self.mode],
                        detail=f"{status.over} budget exceeded: ${status.hour_usd:.4f}/h, ${status.day_usd:.4f}/day")
            cap = self.spend_config.get("cap_concurrency")
            if cap is not None and not self._capped and self.mode == "block":
                self._capped = True
                name = self.function_name(inv)
                try:
                    cap_concurrency(str(name), int(cap), self.spend_config.get("lambda_endpoint"))
                    self._event(inv, "concurrency_capped", "capped", detail=f"reserved concurrency set to {cap}")
                except Exception as exc:  # noqa: BLE001 - best effort; report and go on
                    self._event(inv, "limits_backend_error", "failed_open", detail=f"cap failed: {exc}")

    # -- parts ----------------------------------------------------------------------------------
    def _decide(self, rule: RateRule, window: SlidingWindow, key: str) -> Decision:
        backend = backend_for(rule.backend_url, rule.timeout_ms)
        if backend is None:
            return window.hit(key)
        decision = backend.hit(f"{rule.route or '*'}:{rule.key}:{key}", rule.limit, rule.window_s)
        if decision.backend_error:  # fail open on the shared limit, but still count in process
            local = window.hit(key)
            return Decision(True, local.remaining, 0.0, backend_error=decision.backend_error)
        return decision

    def _meter(self, inv: Any) -> SpendMeter | None:
        if not self.spend_config:
            return None
        if self._spend is None:
            config = self.spend_config
            self._spend = SpendMeter(str(self.function_name(inv) or "function"),
                                     _number(config, "hourly_usd", "limits.spend"),
                                     _number(config, "daily_usd", "limits.spend"),
                                     backend_for(config.get("backend")))
        return self._spend

    def _observe_spike(self, inv: Any) -> None:
        if not self.spike_config:
            return
        name = f"{self.function_name(inv)}:{inv.envelope.trigger}"
        detector = self._spikes.get(name)
        if detector is None:
            config = self.spike_config
            detector = SpikeDetector(name, interval_s=float(config.get("interval_s", 10)),
                                     sigma=float(config.get("sigma", 4)), min_rate=float(config.get("min_rate", 5)),
                                     backend=backend_for(config.get("backend")))
            self._spikes[name] = detector
        spike = detector.observe()
        if spike is not None:
            self._event(inv, "spike", "alerted", detail=f"{spike.rate:.1f}/s against a baseline of "
                                                        f"{spike.mean:.1f}/s ± {spike.deviation:.1f}")

    def _event(self, inv: Any, kind: str, action: str, *, detail: str, extra: Mapping[str, Any] | None = None) -> None:
        event = {"id": new_id(), "type": kind, "action": action, "function": self.function_name(inv),
                 "trigger": inv.trigger, "detail": detail, "request_id": inv.request_id, "time": now()}
        if extra:
            event.update(extra)
        self.emit(event)

    def _breach(self, inv: Any, kind: str, detail: str, *, retry_after: float | None,
                extra: Mapping[str, Any] | None = None) -> Any:
        from fnguard.guard.wrapper import Stop

        self._event(inv, kind, ACTIONS[self.mode], detail=detail, extra=extra)
        if self.mode != "block":
            return None
        envelope = inv.envelope
        if envelope.http:
            status = 413 if kind == "payload_limit" else 429
            headers = {"content-type": "application/json"}
            if retry_after is not None:
                headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
            body = json.dumps({"error": kind, "request_id": inv.request_id})
            return Stop(response={"statusCode": status, "headers": headers, "body": body})
        return Stop(error=Blocked(f"fnguard {kind}: {detail}", rule_ids=(kind,), request_id=inv.request_id))
