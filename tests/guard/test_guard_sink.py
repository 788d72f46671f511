"""The HTTP sink to fnguard serve: batched, gzip, bearer token, bounded, never raising."""

from __future__ import annotations

import gzip
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import pytest
from guard_helpers import ScriptedEngine

from fnguard.guard import protect
from fnguard.guard.config import ServeConfig
from fnguard.guard.sink import EVENTS_PATH, HttpSink


class Collector(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.release = threading.Event()
        self.release.set()
        self.arrived = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: Collector

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"),
                                     "gzip": self.headers.get("Content-Encoding") == "gzip", "doc": json.loads(body)})
        self.server.arrived.set()
        self.server.release.wait(10)
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


def events(n: int) -> list[dict[str, Any]]:
    return [{"id": f"e{i}", "type": "waf"} for i in range(n)]


def test_batches_gzip_and_bearer(collector: Collector) -> None:
    sink = HttpSink(ServeConfig(url=collector.url, token="secret-token", batch_size=3))
    for event in events(7):
        sink.add(event)
    sink.flush(wait_ms=5000)
    assert [len(r["doc"]["events"]) for r in collector.requests] == [3, 3, 1]
    assert all(r["path"] == EVENTS_PATH and r["auth"] == "Bearer secret-token" and r["gzip"] for r in collector.requests)
    assert [e["id"] for r in collector.requests for e in r["doc"]["events"]] == [f"e{i}" for i in range(7)]
    assert sink.sent == 7 and sink.pending() == 0


def test_plain_json_when_gzip_is_off(collector: Collector) -> None:
    sink = HttpSink(ServeConfig(url=collector.url, gzip=False))
    sink.add({"id": "x"})
    sink.flush(wait_ms=5000)
    assert collector.requests[0]["gzip"] is False and collector.requests[0]["auth"] is None


def test_flush_does_not_wait_for_a_slow_server(collector: Collector) -> None:
    collector.release.clear()  # the server holds its answer until released
    sink = HttpSink(ServeConfig(url=collector.url, flush_ms=1))
    sink.add({"id": "slow"})
    sink.flush()
    assert collector.arrived.wait(10)
    assert sink.sent == 0  # flush returned while the POST was still unanswered
    collector.release.set()
    sink._thread.join(10)  # type: ignore[union-attr]
    assert sink.sent == 1


def test_server_down_never_raises_and_keeps_events_bounded() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = HttpSink(ServeConfig(url=f"http://127.0.0.1:{port}", buffer_size=5, timeout_s=1))
    for event in events(8):
        sink.add(event)
    assert sink.dropped == 3 and sink.pending() == 5
    sink.flush(wait_ms=5000)
    assert sink.failures == 1 and sink.pending() == 5 and sink.sent == 0
    sink.flush(wait_ms=5000)  # backing off: no new attempt yet
    assert sink.failures == 1


def test_rejected_batches_are_dropped_not_retried(collector: Collector) -> None:
    collector.status = 401
    sink = HttpSink(ServeConfig(url=collector.url))
    sink.add({"id": "x"})
    sink.flush(wait_ms=5000)
    assert sink.dropped == 1 and sink.pending() == 0 and len(collector.requests) == 1


def test_guard_delivers_its_events_at_the_end_of_the_invocation(
    collector: Collector, monkeypatch: pytest.MonkeyPatch, event_lines: Any
) -> None:
    monkeypatch.setenv("FNGUARD_SERVE_URL", collector.url)
    monkeypatch.setenv("FNGUARD_SERVE_TOKEN", "tok")
    guarded = protect(config={"events": {"serve": {"flush_ms": 5000}}}, engine=ScriptedEngine())(lambda e, c: "ok")
    assert guarded({"a": "EVIL", "b": "EVIL too"}, SimpleNamespace(aws_request_id="r")) == "ok"
    (request,) = collector.requests
    sent = request["doc"]["events"]
    assert [e["location"] for e in sent] == ["a", "b"] and request["auth"] == "Bearer tok"
    assert [e["id"] for e in sent] == [e["id"] for e in event_lines]


def test_guard_with_unreachable_serve_still_answers(monkeypatch: pytest.MonkeyPatch, event_lines: Any) -> None:
    monkeypatch.setenv("FNGUARD_SERVE_URL", "http://127.0.0.1:9")
    guarded = protect(engine=ScriptedEngine())(lambda e, c: "ok")
    assert guarded({"a": "EVIL"}, None) == "ok"
    assert len(event_lines) == 1
