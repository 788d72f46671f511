"""The behaviour sandbox: a PEP 578 audit hook enforcing egress, process and file policy.

Audit hooks cannot be removed, so exactly one hook is installed per process, the first time a
sandboxed handler is set up; it does nothing (two dictionary lookups) unless an invocation of a
sandboxed handler is running on that thread. While one runs, each network connection, process
spawn, file open, removal or rename, native library load and string compilation is checked
against the policy: recorded (``learn``), reported (``alert``) or refused with a
:class:`PermissionError` that names fnguard and the rule (``block``).
"""

from __future__ import annotations

import fnmatch
import functools
import ipaddress
import os
import re
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fnguard.guard.errors import ConfigError

WATCHED = frozenset({
    "socket.connect", "socket.getaddrinfo", "socket.sendto", "socket.sendmsg",
    "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
    "open", "os.remove", "os.rename", "os.rmdir", "shutil.rmtree", "shutil.move", "os.truncate",
    "ctypes.dlopen", "compile",
})
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
DEFAULT_READ_DENY = ("/proc/self/environ", "/proc/*/environ", "/var/runtime/**", "~/.aws/**",
                     "/proc/self/mem", "/proc/*/mem")
DEFAULT_WRITE_ALLOW = ("/tmp/**", "/dev/null", "/dev/stdout", "/dev/stderr")
_IMPORT_SUFFIXES = (".py", ".pyc", ".so", ".pth", ".json", ".typed")

RULES = {
    "egress": "FGS-EGRESS",
    "process": "FGS-PROCESS",
    "file_read": "FGS-FILE-READ",
    "file_write": "FGS-FILE-WRITE",
    "source_read": "FGS-SOURCE-READ",
    "native": "FGS-NATIVE",
    "code_from_event": "FGS-CODE-FROM-EVENT",
    "decoy": "FGS-DECOY",
}


def _expand(pattern: str) -> str:
    return os.path.expanduser(pattern) if pattern.startswith("~") else pattern


@functools.lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for a list of globs: ``**`` crosses directories, ``*`` and ``?`` do not, and
    ``dir/**`` also covers ``dir`` itself. Compiled once per policy, matched once per operation."""
    parts = []
    for pattern in patterns:
        regex = ""
        index = 0
        while index < len(pattern):
            if pattern.startswith("/**", index) and index + 3 == len(pattern):
                regex += "(?:/.*)?"
                index += 3
            elif pattern.startswith("**", index):
                regex += ".*"
                index += 2
            elif pattern[index] == "*":
                regex += "[^/]*"
                index += 1
            elif pattern[index] == "?":
                regex += "[^/]"
                index += 1
            else:
                regex += re.escape(pattern[index])
                index += 1
        parts.append(regex)
    return re.compile("(?:" + "|".join(parts) + r")\Z" if parts else r"(?!)")


def _glob_match(path: str, patterns: tuple[str, ...]) -> bool:
    return _compiled(patterns).match(path) is not None


@dataclass(frozen=True)
class EgressRule:
    host: str | None
    """Hostname pattern (``*.amazonaws.com``) or None for a network rule."""
    network: Any
    """An ``ip_network`` for address rules."""
    port: int | None

    def matches(self, host: str, port: int | None) -> bool:
        if self.port is not None and port is not None and port != self.port:
            return False
        if self.network is not None:
            try:
                return ipaddress.ip_address(host.split("%")[0]) in self.network
            except ValueError:
                return False
        return self.host is not None and fnmatch.fnmatchcase(host.lower(), self.host)


def parse_egress(entry: str) -> EgressRule:
    text = entry.strip()
    port: int | None = None
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest.startswith(":"):
            port = int(rest[1:])
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        port = int(port_text) if port_text not in ("", "*") else None
    else:
        host = text
    try:
        return EgressRule(None, ipaddress.ip_network(host, strict=False), port)
    except ValueError:
        return EgressRule(host.lower(), None, port)


@dataclass(frozen=True)
class SandboxPolicy:
    """What a handler may do while it runs."""

    mode: str = "alert"
    egress: tuple[EgressRule, ...] = ()
    processes: tuple[str, ...] = ()
    read_deny: tuple[str, ...] = DEFAULT_READ_DENY
    write_allow: tuple[str, ...] = DEFAULT_WRITE_ALLOW
    source_read: str = "deny"
    code_dirs: tuple[str, ...] = ()
    native_allow: tuple[str, ...] = ()
    decoy_files: frozenset[str] = field(default_factory=frozenset)
    enforce_egress: bool = True


def default_egress() -> list[str]:
    """AWS endpoints of the region, the Lambda Runtime API, and loopback DNS are always allowed."""
    allowed = ["*.amazonaws.com:443", "*.amazonaws.com.cn:443", "*.api.aws:443"]
    runtime_api = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if runtime_api:
        allowed.append(runtime_api)
    for name in ("FNGUARD_SERVE_URL",):
        url = os.environ.get(name, "")
        if "://" in url:
            hostport = url.split("://", 1)[1].split("/", 1)[0]
            allowed.append(hostport if ":" in hostport else f"{hostport}:{443 if url.startswith('https') else 80}")
    return allowed


def build_policy(sections: Mapping[str, Any], mode: str, code_dirs: Iterable[str]) -> SandboxPolicy:
    """The policy from the ``egress``/``processes``/``files`` sections of fnguard.yml."""
    egress = sections.get("egress") or {}
    processes = sections.get("processes") or {}
    files = sections.get("files") or {}
    native = sections.get("native") or {}
    for name, section in (("egress", egress), ("processes", processes), ("files", files), ("native", native)):
        if not isinstance(section, Mapping):
            raise ConfigError(f"{name} must be a mapping")
    try:
        rules = tuple(parse_egress(str(e)) for e in list(egress.get("allow") or []) + default_egress())
    except ValueError as exc:
        raise ConfigError(f"egress.allow: {exc}") from None
    source_read = str(files.get("source_read", "deny"))
    if source_read not in ("deny", "allow"):
        raise ConfigError("files.source_read must be deny or allow")
    return SandboxPolicy(
        mode=mode,
        egress=rules,
        processes=tuple(str(p) for p in processes.get("allow") or ()),
        read_deny=tuple(_expand(str(p)) for p in (files.get("read_deny") or DEFAULT_READ_DENY)),
        write_allow=tuple(_expand(str(p)) for p in (files.get("write_allow") or DEFAULT_WRITE_ALLOW)),
        source_read=source_read,
        code_dirs=tuple(os.path.realpath(d) for d in code_dirs if d),
        native_allow=tuple(str(p) for p in native.get("allow") or ()),
        enforce_egress=egress.get("enforce", True) is not False,
    )


@dataclass
class Violation:
    kind: str
    operation: str
    target: str
    blocked: bool


Reporter = Callable[[Violation], None]


class _Active(threading.local):
    """Per-thread hook state: re-entrancy guard and the port a vetted name lookup allows."""

    allow_next_port: int | None = None
    busy: bool = False


_ACTIVE = _Active()
_GLOBAL: dict[str, Any] = {"policy": None, "reporter": None, "recorder": None, "event_strings": None}
_INSTALLED = [False]


def install() -> None:
    """Install the process-wide hook once; later calls do nothing (hooks cannot be removed)."""
    if not _INSTALLED[0]:
        sys.addaudithook(_hook)
        _INSTALLED[0] = True


def activate(policy: SandboxPolicy, reporter: Reporter, recorder: Any = None,
             event_strings: Callable[[], Iterable[str]] | None = None) -> None:
    """Start enforcing for the invocation about to run (and threads it starts)."""
    _GLOBAL.update(policy=policy, reporter=reporter, recorder=recorder, event_strings=event_strings)


def deactivate() -> None:
    _GLOBAL.update(policy=None, reporter=None, recorder=None, event_strings=None)


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event not in WATCHED:
        return
    policy = _GLOBAL["policy"]
    if policy is None or _ACTIVE.busy:
        return
    _ACTIVE.busy = True
    try:
        _check(event, args, policy)
    finally:
        _ACTIVE.busy = False


def _deny(kind: str, operation: str, target: str, policy: SandboxPolicy) -> None:
    """Report (not in learn mode, except for decoys: those are always an alarm) and refuse in block mode."""
    blocked = policy.mode == "block"
    reporter = _GLOBAL["reporter"]
    if reporter is not None and (policy.mode != "learn" or kind == "decoy"):
        try:
            reporter(Violation(kind, operation, target[:300], blocked))
        except Exception:  # noqa: BLE001 - reporting never breaks the handler
            pass
    if blocked:
        raise PermissionError(f"fnguard sandbox: {RULES[kind]} refused {operation} {target[:200]}")


def _record(kind: str, value: Any) -> None:
    recorder = _GLOBAL["recorder"]
    if recorder is not None:
        try:
            recorder.record(kind, value)
        except Exception:  # noqa: BLE001
            pass


def _fspath(value: Any) -> str | None:
    """The absolute, normalised path an operation names (``..`` tricks resolved); None for fds."""
    if isinstance(value, str):
        path = value
    elif isinstance(value, int):
        return None
    else:
        try:
            path = os.fsdecode(os.fspath(value))
        except TypeError:
            return None
    if path.startswith("/") and "/." not in path and "//" not in path:
        return path
    return os.path.abspath(path)


def _check(event: str, args: tuple[Any, ...], policy: SandboxPolicy) -> None:
    if event == "open":  # by far the most frequent: first
        path = _fspath(args[0])
        if path is None:
            return
        mode = args[1] if len(args) > 1 else None
        flags = args[2] if len(args) > 2 else 0
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                  (mode is None and isinstance(flags, int) and bool(flags & _WRITE_FLAGS))
        _check_file(path, writing, policy)
        return
    if event == "socket.getaddrinfo":
        host, port = args[0], args[1]
        if host is None:
            return
        host_text = os.fsdecode(host) if isinstance(host, (bytes, bytearray)) else str(host)
        port_number = _port(port)
        _record("egress", f"{host_text}:{port_number}")
        if policy.enforce_egress and not _egress_allowed(policy, host_text, port_number):
            _deny("egress", "connect to", f"{host_text}:{port_number}", policy)
        # The connect that follows this lookup goes to the address just vetted (or reported).
        _ACTIVE.allow_next_port = port_number
        return
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        address = args[1] if len(args) > 1 else None
        if not isinstance(address, tuple) or len(address) < 2:
            return  # AF_UNIX and friends
        host, port = str(address[0]), _port(address[1])
        if _ACTIVE.allow_next_port is not None and _ACTIVE.allow_next_port in (port, None):
            _ACTIVE.allow_next_port = None
            return
        _record("egress", f"{host}:{port}")
        if policy.enforce_egress and not _egress_allowed(policy, host, port):
            _deny("egress", "connect to", f"{host}:{port}", policy)
        return
    if event in ("subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.system"):
        if event == "os.system":
            command = os.fsdecode(args[0]) if args and args[0] is not None else ""
            executable = "/bin/sh"
            shown = f"sh -c {command}"
        elif event == "os.spawn":
            executable, argv = _text(args[1]), args[2] if len(args) > 2 else ()
            shown = " ".join(_text(a) for a in (argv or ())) or executable
        else:
            executable, argv = _text(args[0]), args[1] if len(args) > 1 else ()
            shown = " ".join(_text(a) for a in (argv or ())) or executable
        if not executable and isinstance(argv, (list, tuple)) and argv:
            executable = _text(argv[0])
        _record("process", executable)
        if not _process_allowed(policy, executable):
            _deny("process", "spawn", shown or executable, policy)
        return
    if event in ("os.fork", "os.forkpty"):
        _record("process", "fork")
        if not _process_allowed(policy, "fork"):
            _deny("process", "spawn", "fork()", policy)
        return
    if event in ("os.remove", "os.rmdir", "shutil.rmtree", "os.truncate"):
        path = _fspath(args[0])
        if path is not None:
            _check_file(path, True, policy)
        return
    if event in ("os.rename", "shutil.move"):
        for value in args[:2]:
            path = _fspath(value)
            if path is not None:
                _check_file(path, True, policy)
        return
    if event == "ctypes.dlopen":
        name = _text(args[0]) if args else ""
        _record("native", name)
        if name and not any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(os.path.basename(name), p)
                            for p in policy.native_allow):
            _deny("native", "load native library", name, policy)
        return
    if event == "compile":
        source = args[0] if args else None
        if isinstance(source, bytes):
            try:
                source = source.decode("utf-8", "replace")
            except Exception:  # noqa: BLE001
                return
        if isinstance(source, str) and len(source) >= 4:
            strings = _GLOBAL["event_strings"]
            if strings is not None:
                snippet = source.strip()[:200]
                if snippet and any(snippet in value for value in strings()):
                    _deny("code_from_event", "compile code from the event:", snippet, policy)


def _check_file(path: str, writing: bool, policy: SandboxPolicy) -> None:
    if path in policy.decoy_files:
        _deny("decoy", "read decoy" if not writing else "touch decoy", path, policy)
        return
    if writing:
        _record("file_write", path)
        if not _glob_match(path, policy.write_allow):
            _deny("file_write", "write", path, policy)
        return
    if path.endswith(_IMPORT_SUFFIXES) and _importing():
        return
    _record("file_read", path)
    if _glob_match(path, policy.read_deny):
        _deny("file_read", "read", path, policy)
        return
    if policy.source_read == "deny" and policy.code_dirs:
        for directory in policy.code_dirs:
            if path == directory or path.startswith(directory + os.sep):
                if not _importing():
                    _deny("source_read", "read function code", path, policy)
                return


def _importing() -> bool:
    """True when the open comes from the import system (module loading is not a code read)."""
    frame = sys._getframe(3)
    depth = 0
    while frame is not None and depth < 25:
        name = frame.f_code.co_filename
        if name.startswith("<frozen importlib") or "importlib" in name and "_bootstrap" in name \
                or name.endswith(("pkgutil.py", "linecache.py", "traceback.py")):
            return True
        frame = frame.f_back
        depth += 1
    return False


def _egress_allowed(policy: SandboxPolicy, host: str, port: int | None) -> bool:
    return any(rule.matches(host, port) for rule in policy.egress)


def _process_allowed(policy: SandboxPolicy, executable: str) -> bool:
    base = os.path.basename(executable)
    return any(fnmatch.fnmatchcase(executable, p) or fnmatch.fnmatchcase(base, p) for p in policy.processes)


def _port(value: Any) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, (str, bytes)):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray)):
        return os.fsdecode(bytes(value))
    try:
        return os.fsdecode(os.fspath(value))
    except TypeError:
        return str(value)
