"""A small AWS Lambda Runtime API emulator, to run handlers under the real runtime client.

``RuntimeApi`` serves the 2018-06-01 Runtime API on 127.0.0.1 (``invocation/next``,
``invocation/{id}/response``, ``invocation/{id}/error``, ``init/error``); ``LambdaProcess`` starts
``python -m awslambdaric module.handler`` against it in a code directory, as Lambda does, and
keeps its stdout lines. Each invocation is a call of :meth:`LambdaProcess.invoke`; one process
serves them all, so state kept between them is a warm container's. Everything has a timeout
and ``with`` blocks stop the process and the server whatever happens.

Reusable by any test that needs a real Lambda runtime (the sandbox and hygiene tests).
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

API = "/2018-06-01/runtime"
FUNCTION_NAME = "fnguard-emulated"


@dataclass(frozen=True)
class Result:
    """What the runtime posted back for one invocation."""

    request_id: str
    kind: str
    """``response`` or ``error``."""
    payload: Any
    """The decoded JSON body (the handler's return value, or the error document)."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class RuntimeApi:
    """The Runtime API side of Lambda: hands out queued events, collects results."""

    def __init__(self) -> None:
        self.pending: queue.Queue[tuple[str, bytes]] = queue.Queue()
        self.results: dict[str, queue.Queue[Result]] = {}
        self.init_errors: list[Any] = []
        self.stopping = threading.Event()
        self.server = _Server(("127.0.0.1", 0), self._handler_class())
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, name="runtime-api", daemon=True
        )

    @property
    def address(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"

    def __enter__(self) -> RuntimeApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def submit(self, event: Any) -> str:
        request_id = str(uuid.uuid4())
        self.results[request_id] = queue.Queue(maxsize=1)
        self.pending.put((request_id, json.dumps(event).encode()))
        return request_id

    def result(self, request_id: str, timeout: float) -> Result:
        try:
            return self.results[request_id].get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no result for invocation {request_id} within {timeout}s") from None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                if self.path != f"{API}/invocation/next":
                    self._reply(404)
                    return
                while not api.stopping.is_set():  # long poll, as the real API does
                    try:
                        request_id, body = api.pending.get(timeout=0.2)
                        break
                    except queue.Empty:
                        continue
                else:
                    self._reply(500)
                    return
                self._reply(200, body, {
                    "Lambda-Runtime-Aws-Request-Id": request_id,
                    "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 30_000),
                    "Lambda-Runtime-Invoked-Function-Arn": f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION_NAME}",
                    "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000;Sampled=0",
                })

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                payload = json.loads(raw) if raw else None
                parts = self.path[len(API) + 1 :].split("/")
                if parts == ["init", "error"]:
                    api.init_errors.append(payload)
                    self._reply(202, b"{}")
                elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                    box = api.results.get(parts[1])
                    if box is None:
                        self._reply(400, b'{"errorMessage": "unknown request id"}')
                        return
                    box.put(Result(parts[1], parts[2], payload))
                    self._reply(202, b"{}")
                else:
                    self._reply(404)

        return Handler


class LambdaProcess:
    """``python -m awslambdaric HANDLER`` in ``code_dir``, talking to ``api``."""

    def __init__(self, api: RuntimeApi, code_dir: Path, handler: str, env: dict[str, str] | None = None) -> None:
        self.api = api
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("FNGUARD_", "AWS_", "LAMBDA_", "_"))}
        environment.update({
            "AWS_LAMBDA_RUNTIME_API": api.address,
            "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{FUNCTION_NAME}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "emulated",
            "AWS_REGION": "us-east-1",
            "LAMBDA_TASK_ROOT": str(code_dir),
            "PYTHONUNBUFFERED": "1",
        })
        environment.update(env or {})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "awslambdaric", handler],
            cwd=code_dir, env=environment, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self._readers = [
            threading.Thread(target=self._drain, args=(self.process.stdout, self.stdout), daemon=True),
            threading.Thread(target=self._drain, args=(self.process.stderr, self.stderr), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _drain(stream: Any, sink: list[str]) -> None:
        for line in stream:
            sink.append(line.rstrip("\n"))

    def __enter__(self) -> LambdaProcess:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def invoke(self, event: Any, timeout: float = 30.0) -> Result:
        """One invocation; raises TimeoutError (with the process output) if none comes back."""
        request_id = self.api.submit(event)
        try:
            return self.api.result(request_id, timeout)
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}; exit={self.process.poll()} stderr={self.stderr[-20:]} stdout={self.stdout[-20:]}") from None

    def security_events(self) -> list[dict[str, Any]]:
        """The guard's ``fnguard_event`` lines written so far."""
        found = []
        for line in list(self.stdout):
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if isinstance(doc, dict) and "fnguard_event" in doc:
                found.append(doc["fnguard_event"])
        return found

    def wait_for_events(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Event lines may trail the result by a moment (the pipe); wait until ``count`` arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.security_events()
            if len(found) >= count:
                return found
            time.sleep(0.02)
        return self.security_events()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        for reader in self._readers:
            reader.join(timeout=5)
