"""Warm-container hygiene: what an invocation leaves behind must not reach the next one.

A baseline of the container is taken before the first invocation (after the handler's module
was imported). After every invocation the guard compares: files left in /tmp (flushed, except
the keep list), child processes still running (ended), threads it started, modules replaced in
``sys.modules``, builtins and common library functions monkey-patched, files changed under the
code directory and layers, environment variables changed, new ``.pth``/``sitecustomize`` start-up
hooks. Each is reported. When the lifetime limits are reached or a compromise was seen, the
container is recycled: after the response has been handed to the Lambda runtime, the process
exits, and the platform starts a fresh execution environment for the next invocation.
"""

from __future__ import annotations

import fnmatch
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fnguard.guard.errors import ConfigError

# (module, dotted attribute) pairs whose identity must not change while the container lives.
WATCHED_CALLABLES = (
    ("builtins", "open"), ("builtins", "eval"), ("builtins", "exec"), ("builtins", "__import__"),
    ("builtins", "compile"), ("os", "system"), ("os", "popen"), ("os", "getenv"),
    ("subprocess", "Popen"), ("subprocess", "run"), ("socket", "socket.connect"),
    ("socket", "create_connection"), ("socket", "getaddrinfo"), ("json", "loads"), ("json", "dumps"),
    ("ssl", "SSLContext.wrap_socket"), ("http.client", "HTTPConnection.request"),
    ("urllib.request", "urlopen"), ("hashlib", "sha256"), ("hmac", "compare_digest"),
    ("botocore.client", "BaseClient._make_api_call"), ("requests", "Session.request"),
)
MAX_TMP_ENTRIES = 20_000
MAX_CODE_FILES = 5_000
COMPROMISE = frozenset({"function_patched", "module_replaced", "code_changed", "startup_hook"})


@dataclass(frozen=True)
class HygieneConfig:
    flush: bool = True
    keep: tuple[str, ...] = ()
    tmp_root: str = "/tmp"
    kill_children: bool = True
    max_invocations: int | None = None
    max_age_s: float | None = None
    recycle_on_compromise: bool = True
    code_dirs: tuple[str, ...] = ()


def parse_config(sections: Mapping[str, Any], code_dirs: Iterable[str]) -> HygieneConfig:
    tmp = sections.get("tmp") or {}
    lifetime = sections.get("lifetime") or {}
    hygiene = sections.get("hygiene") or {}
    for name, section in (("tmp", tmp), ("lifetime", lifetime), ("hygiene", hygiene)):
        if not isinstance(section, Mapping):
            raise ConfigError(f"{name} must be a mapping")

    def positive(section: Mapping[str, Any], key: str, where: str) -> Any:
        value = section.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ConfigError(f"{where}.{key} must be a positive number")
        return value

    layers = [d for d in ("/opt",) if os.path.isdir(d)] if os.environ.get("LAMBDA_TASK_ROOT") else []
    return HygieneConfig(
        flush=tmp.get("flush", True) is not False,
        keep=tuple(str(p) for p in tmp.get("keep") or ()),
        tmp_root=str(tmp.get("root", "/tmp")),
        kill_children=hygiene.get("kill_children", True) is not False,
        max_invocations=positive(lifetime, "max_invocations", "lifetime"),
        max_age_s=positive(lifetime, "max_age_s", "lifetime"),
        recycle_on_compromise=lifetime.get("recycle_on_compromise", True) is not False,
        code_dirs=tuple(os.path.realpath(d) for d in [*code_dirs, *layers] if d),
    )


@dataclass(frozen=True)
class Leftover:
    """One thing an invocation left behind."""

    kind: str
    target: str
    action: str
    severity: str


@dataclass
class Snapshot:
    tmp: dict[str, tuple[int, int]] = field(default_factory=dict)
    threads: set[int] = field(default_factory=set)
    modules: dict[str, int] = field(default_factory=dict)
    callables: dict[str, int] = field(default_factory=dict)
    code: dict[str, tuple[int, int]] = field(default_factory=dict)
    environ: dict[bytes, bytes] = field(default_factory=dict)
    startup_hooks: set[str] = field(default_factory=set)


def _scan_tree(root: str, limit: int) -> dict[str, tuple[int, int]]:
    found: dict[str, tuple[int, int]] = {}
    stack = [root]
    while stack and len(found) < limit:
        directory = stack.pop()
        try:
            entries = os.scandir(directory)
        except OSError:
            continue
        with entries:
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                        found[entry.path + os.sep] = (0, 0)
                    else:
                        info = entry.stat(follow_symlinks=False)
                        found[entry.path] = (info.st_size, info.st_mtime_ns)
                except OSError:
                    continue
                if len(found) >= limit:
                    break
    return found


def _resolve(module_name: str, dotted: str) -> Any:
    module = sys.modules.get(module_name)
    if module is None:
        return None
    value: Any = module
    for part in dotted.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def callables_snapshot() -> dict[str, int]:
    snapshot = {}
    for module_name, dotted in WATCHED_CALLABLES:
        value = _resolve(module_name, dotted)
        if value is not None:
            snapshot[f"{module_name}.{dotted}"] = id(value)
    return snapshot


_HOOK_CACHE: dict[str, tuple[int, frozenset[str]]] = {}


def startup_hooks() -> set[str]:
    """``.pth`` and ``*customize.py`` files on ``sys.path``; a directory is re-listed only when
    its modification time changed (site-packages holds thousands of entries)."""
    hooks: set[str] = set()
    for directory in sys.path:
        if not directory:
            continue
        try:
            mtime = os.stat(directory).st_mtime_ns
        except OSError:
            continue
        cached = _HOOK_CACHE.get(directory)
        if cached is None or cached[0] != mtime:
            try:
                names = os.listdir(directory)
            except OSError:
                continue
            found = frozenset(os.path.join(directory, n) for n in names
                              if n.endswith(".pth") or n in ("sitecustomize.py", "usercustomize.py"))
            cached = (mtime, found)
            _HOOK_CACHE[directory] = cached
        hooks.update(cached[1])
    return hooks


def child_pids() -> list[int]:
    """Children of this process still alive (Linux /proc; empty elsewhere)."""
    pids: set[int] = set()
    try:
        for tid in os.listdir("/proc/self/task"):
            try:
                with open(f"/proc/self/task/{tid}/children", encoding="ascii") as handle:
                    pids.update(int(p) for p in handle.read().split())
            except OSError:
                continue
    except OSError:
        return []
    alive = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
                state = handle.read().rsplit(")", 1)[-1].split()[0]
            if state != "Z":
                alive.append(pid)
        except OSError:
            continue
    return sorted(alive)


class Hygiene:
    """Baseline, compare and clean; one per protected handler."""

    def __init__(self, config: HygieneConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.clock = clock
        self.started = clock()
        self.invocations = 0
        self.baseline: Snapshot | None = None
        self.compromised = False

    def take_baseline(self) -> None:
        self.baseline = Snapshot(
            tmp=_scan_tree(self.config.tmp_root, MAX_TMP_ENTRIES),
            threads={t.ident for t in threading.enumerate() if t.ident is not None},
            modules={name: id(module) for name, module in list(sys.modules.items())},
            callables=callables_snapshot(),
            code={path: stat for directory in self.config.code_dirs
                  for path, stat in _scan_tree(directory, MAX_CODE_FILES).items()},
            environ=dict(getattr(os.environ, "_data", {})),
            startup_hooks=startup_hooks(),
        )

    def _kept(self, path: str) -> bool:
        plain = path.rstrip(os.sep)
        return any(fnmatch.fnmatchcase(plain, p) or (p.endswith("/**") and plain.startswith(p[:-2]))
                   or (p.endswith("/**") and plain == p[:-3]) for p in self.config.keep)

    def after_invocation(self) -> list[Leftover]:
        """What this invocation left behind, cleaned where it can be."""
        if self.baseline is None:
            self.take_baseline()
            return []
        self.invocations += 1
        base = self.baseline
        found: list[Leftover] = []
        found.extend(self._tmp(base))
        found.extend(self._children())
        alive = {t.ident: t for t in threading.enumerate() if t.ident is not None}
        for ident, thread in alive.items():
            if ident not in base.threads and thread.is_alive() and not thread.name.startswith("fnguard"):
                found.append(Leftover("thread_left", f"{thread.name} (daemon={thread.daemon})", "reported", "medium"))
                base.threads.add(ident)
        for name, module in list(sys.modules.items()):
            previous = base.modules.get(name)
            if previous is None:
                base.modules[name] = id(module)
                origin = getattr(module, "__file__", None) or ""
                if origin.startswith(self.config.tmp_root + os.sep):
                    found.append(Leftover("module_from_tmp", f"{name} from {origin}", "reported", "high"))
            elif previous != id(module):
                found.append(Leftover("module_replaced", name, "reported", "high"))
                base.modules[name] = id(module)
        current = callables_snapshot()
        for name, identity in current.items():
            if name in base.callables and base.callables[name] != identity and not _ours(name):
                found.append(Leftover("function_patched", name, "reported", "critical"))
            base.callables[name] = identity
        if base.code:
            now = {path: stat for directory in self.config.code_dirs
                   for path, stat in _scan_tree(directory, MAX_CODE_FILES).items()}
            for path in sorted(set(now) ^ set(base.code) | {p for p in now if p in base.code and now[p] != base.code[p]}):
                found.append(Leftover("code_changed", path, "reported", "critical"))
            base.code = now
        environ = dict(getattr(os.environ, "_data", {}))
        for key in sorted(set(environ) | set(base.environ)):
            if environ.get(key) != base.environ.get(key):
                found.append(Leftover("env_changed", os.fsdecode(key), "reported", "medium"))
        base.environ = environ
        hooks = startup_hooks()
        for hook in sorted(hooks - base.startup_hooks):
            found.append(Leftover("startup_hook", hook, "reported", "critical"))
        base.startup_hooks = hooks
        if any(item.kind in COMPROMISE for item in found):
            self.compromised = True
        return found

    def _tmp(self, base: Snapshot) -> list[Leftover]:
        found = []
        now = _scan_tree(self.config.tmp_root, MAX_TMP_ENTRIES)
        changed = [p for p, stat in now.items() if base.tmp.get(p) != stat and not self._kept(p)]
        files = sorted((p for p in changed if not p.endswith(os.sep)), reverse=True)
        directories = sorted((p for p in changed if p.endswith(os.sep)), key=len, reverse=True)
        for path in files:
            action = "reported"
            if self.config.flush:
                try:
                    os.unlink(path)
                    action = "flushed"
                except OSError:
                    action = "flush_failed"
            found.append(Leftover("tmp_file_left", path, action, "medium"))
        for path in directories:
            if self.config.flush:
                try:
                    os.rmdir(path)
                except OSError:
                    continue
        if self.config.flush and changed:
            # Only a flush changes the tree again; an invocation that left nothing costs one scan.
            base.tmp = _scan_tree(self.config.tmp_root, MAX_TMP_ENTRIES)
        else:
            base.tmp = now
        return found

    def _children(self) -> list[Leftover]:
        found = []
        for pid in child_pids():
            action = "reported"
            if self.config.kill_children:
                try:
                    os.kill(pid, signal.SIGKILL)
                    action = "killed"
                    _reap(pid)
                except (OSError, ChildProcessError):
                    action = "kill_failed"
            found.append(Leftover("child_process", _cmdline(pid), action, "high"))
        return found

    def recycle_reason(self) -> str | None:
        if self.compromised and self.config.recycle_on_compromise:
            return "compromise seen"
        if self.config.max_invocations and self.invocations >= self.config.max_invocations:
            return f"{self.invocations} invocations"
        if self.config.max_age_s and self.clock() - self.started >= self.config.max_age_s:
            return f"container older than {self.config.max_age_s:g}s"
        return None


def _reap(pid: int, timeout_s: float = 0.2) -> None:
    """Collect a killed child so it is not seen again (SIGKILL lands when the child is scheduled)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return
        if done:
            return
        time.sleep(0.002)


def _ours(qualified: str) -> bool:
    """A wrapper fnguard itself installed (learn mode's botocore recorder) is not a compromise."""
    module_name, _, dotted = next(((m, "", d) for m, d in WATCHED_CALLABLES if qualified == f"{m}.{d}"),
                                  ("", "", ""))
    value = _resolve(module_name, dotted) if module_name else None
    return str(getattr(value, "__module__", "")).startswith("fnguard.")


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return f"pid {pid}: " + handle.read().replace(b"\0", b" ").decode(errors="replace").strip()[:200]
    except OSError:
        return f"pid {pid}"


RUNTIME_WAIT_FUNCTIONS = frozenset({"wait_next_invocation", "next_invocation"})


def runtime_is_waiting(main_ident: int) -> bool:
    """True when the main thread is back in the Lambda runtime client, waiting for the next event:
    the response has been posted, so exiting now loses nothing."""
    frame = sys._current_frames().get(main_ident)
    depth = 0
    while frame is not None and depth < 30:
        if frame.f_code.co_name in RUNTIME_WAIT_FUNCTIONS:
            return True
        frame = frame.f_back
        depth += 1
    return False


def recycle_after_response(invocation_counter: Callable[[], int], *, timeout_s: float = 5.0,
                           exit_function: Callable[[int], Any] = os._exit) -> threading.Thread:
    """Exit the process once the runtime has posted this invocation's response.

    A watcher thread waits until the main thread is back in the runtime's wait for the next
    event, then exits; the platform starts a fresh execution environment for the next invocation.
    If a new invocation started meanwhile (the environment was frozen and thawed), it gives up
    and the stage tries again after that invocation.
    """
    main_ident = threading.main_thread().ident or 0
    started_at = invocation_counter()

    def watch() -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if invocation_counter() != started_at:
                return
            if runtime_is_waiting(main_ident):
                sys.stdout.flush()
                exit_function(0)
                return
            time.sleep(0.002)

    thread = threading.Thread(target=watch, name="fnguard-recycle", daemon=True)
    thread.start()
    return thread


__all__ = ["Hygiene", "HygieneConfig", "Leftover", "parse_config", "recycle_after_response"]
