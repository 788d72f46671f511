"""Where security events go: a JSON line on stdout (CloudWatch keeps it), and ``fnguard serve``.

Delivery to serve must never hurt the function: events wait in a bounded buffer, a background
thread posts them in batches, and the end of an invocation waits for it at most ``flush_ms``.
Whatever is not delivered by then stays buffered for the next invocation; nothing here raises.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from fnguard.guard.config import EventsConfig, ServeConfig

EVENTS_PATH = "/api/v1/events"
_MAX_BACKOFF_S = 60.0


class HttpSink:
    """Batched, bounded, non-blocking delivery of events to ``<url>/api/v1/events``."""

    def __init__(self, config: ServeConfig) -> None:
        # Imported here, once, during the cold start: urllib.request costs more to import than
        # the rest of the guard, and only functions that send to serve need it.
        import gzip
        import urllib.request

        self._gzip = gzip
        self._urllib = urllib.request
        self.config = config
        self._buffer: deque[dict[str, Any]] = deque()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._retry_at = 0.0
        self._backoff = 0.5
        self.sent = 0
        self.dropped = 0
        self.failures = 0

    def add(self, event: dict[str, Any]) -> None:
        with self._lock:
            if len(self._buffer) >= self.config.buffer_size:
                self._buffer.popleft()  # the oldest goes: the newest attack matters most
                self.dropped += 1
            self._buffer.append(event)

    def pending(self) -> int:
        with self._lock:
            return len(self._buffer)

    def flush(self, wait_ms: float | None = None) -> None:
        """Start delivery if needed and wait for it at most ``wait_ms`` (default flush_ms)."""
        try:
            with self._lock:
                if not self._buffer or time.monotonic() < self._retry_at:
                    return
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._run, name="fnguard-sink", daemon=True)
                    self._thread.start()
                thread = self._thread
            thread.join((self.config.flush_ms if wait_ms is None else wait_ms) / 1000.0)
        except Exception:  # noqa: BLE001 - delivery must never break the function
            self.failures += 1

    def _run(self) -> None:
        while True:
            with self._lock:
                batch = [self._buffer.popleft() for _ in range(min(self.config.batch_size, len(self._buffer)))]
            if not batch:
                return
            outcome = self._post(batch)
            with self._lock:
                if outcome == "sent":
                    self.sent += len(batch)
                    self._backoff = 0.5
                elif outcome == "rejected":
                    self.dropped += len(batch)  # the server will never take it (bad token, bad shape)
                else:
                    self.failures += 1
                    room = self.config.buffer_size - len(self._buffer)
                    keep = batch[-room:] if room > 0 else []
                    self.dropped += len(batch) - len(keep)
                    self._buffer.extendleft(reversed(keep))
                    self._retry_at = time.monotonic() + self._backoff
                    self._backoff = min(self._backoff * 2, _MAX_BACKOFF_S)
                    return

    def _post(self, batch: list[dict[str, Any]]) -> str:
        """``sent``, ``rejected`` (4xx other than 408/429) or ``failed`` (retry later)."""
        try:
            body = json.dumps({"events": batch}, separators=(",", ":")).encode("utf-8")
            headers = {"Content-Type": "application/json", "User-Agent": "fnguard-guard"}
            if self.config.gzip:
                body = self._gzip.compress(body, compresslevel=5)
                headers["Content-Encoding"] = "gzip"
            if self.config.token:
                headers["Authorization"] = f"Bearer {self.config.token}"
            request = self._urllib.Request(f"{self.config.url}{EVENTS_PATH}", data=body, headers=headers, method="POST")
            with self._urllib.urlopen(request, timeout=self.config.timeout_s) as response:  # noqa: S310 - configured URL
                return "sent" if 200 <= response.status < 300 else "failed"
        except Exception as exc:  # noqa: BLE001 - network errors of every kind mean "later"
            code = getattr(exc, "code", None)
            if isinstance(code, int) and 400 <= code < 500 and code not in (408, 429):
                return "rejected"
            return "failed"


def _stdout_write(line: str) -> None:
    sys.stdout.write(line)
    sys.stdout.flush()


class Telemetry:
    """Fans each security event out to stdout and, when configured, to serve."""

    def __init__(self, config: EventsConfig, write: Callable[[str], None] | None = None) -> None:
        self.config = config
        self.write = write or _stdout_write
        self.http = HttpSink(config.serve) if config.serve.url else None
        # Per thread: a runtime serving concurrent invocations runs each in its own thread.
        self._counts = threading.local()
        self.suppressed = 0

    def emit(self, event: dict[str, Any]) -> None:
        try:
            emitted = getattr(self._counts, "emitted", 0)
            if emitted >= self.config.max_per_invocation:
                self.suppressed += 1  # one hostile event must not flood the logs
                return
            self._counts.emitted = emitted + 1
            if self.config.stdout:
                self.write(json.dumps({"fnguard_event": event}, separators=(",", ":"), default=str) + "\n")
            if self.http is not None:
                self.http.add(event)
        except Exception:  # noqa: BLE001 - a closed stdout must not break the function
            pass

    def end_invocation(self) -> None:
        self._counts.emitted = 0
        if self.http is not None:
            self.http.flush()
