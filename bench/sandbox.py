"""Cost of the sandbox's audit hook per audited operation, and of hygiene per invocation.

Measured in one process: first with no hook installed (the baseline), then with the hook
installed but no invocation running, then while a policy is active (the operations are allowed,
so this is the price every legitimate call pays). Hygiene: the after-invocation check with 100
files in the tmp directory, as a ratio to the time of listing that directory once.

    python bench/sandbox.py [--repeat 20000]
"""

from __future__ import annotations

import argparse
import os
import socket
import tempfile
import threading
import time


def per_call(function, repeat: int) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeat):
            function()
        best = min(best, (time.perf_counter() - start) / repeat)
    return best * 1e6


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20000)
    args = parser.parse_args()
    work = tempfile.mkdtemp()
    path = os.path.join(work, "data.txt")
    with open(path, "w") as handle:
        handle.write("x")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1024)
    port = server.getsockname()[1]

    def accept() -> None:
        while True:
            try:
                server.accept()[0].close()
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()

    def do_open() -> None:
        with open(path) as handle:
            handle.read(1)

    def do_connect() -> None:
        client = socket.socket()
        client.connect(("127.0.0.1", port))
        client.close()

    connects = max(200, args.repeat // 20)
    base_open = per_call(do_open, args.repeat)
    base_connect = per_call(do_connect, connects)

    from fnguard.guard import sandbox

    policy = sandbox.build_policy({"egress": {"allow": [f"127.0.0.1:{port}"]},
                                   "files": {"write_allow": [f"{work}/**"]}}, "block", ())
    sandbox.install()
    idle_open = per_call(do_open, args.repeat)
    sandbox.activate(policy, lambda violation: None)
    active_open = per_call(do_open, args.repeat)
    active_connect = per_call(do_connect, connects)
    # The hook itself, called directly: steadier than timing syscalls on a shared machine.
    open_args = (path, "r", os.O_RDONLY)
    connect_args = (None, ("127.0.0.1", port))
    hook_open = per_call(lambda: sandbox._hook("open", open_args), args.repeat)
    hook_connect = per_call(lambda: sandbox._hook("socket.connect", connect_args), args.repeat)
    hook_other = per_call(lambda: sandbox._hook("object.__getattr__", open_args), args.repeat)
    empty = per_call(lambda: None, args.repeat)
    sandbox.deactivate()
    print(f"hook per audited event (policy active): open {hook_open - empty:.2f} µs, connect "
          f"{hook_connect - empty:.2f} µs, unwatched event {hook_other - empty:.2f} µs "
          f"(an empty call is {empty:.2f} µs); open()+read itself is {base_open:.2f} µs without a hook")
    print(f"open()+read: no hook {base_open:6.2f} µs | hook idle {idle_open:6.2f} µs "
          f"({idle_open / base_open:.2f}x) | policy active {active_open:6.2f} µs ({active_open / base_open:.2f}x)"
          f" | +{active_open - base_open:.2f} µs per open")
    print(f"socket.connect: no hook {base_connect:6.2f} µs | policy active {active_connect:6.2f} µs "
          f"({active_connect / base_connect:.2f}x) | +{active_connect - base_connect:.2f} µs per connect")

    from fnguard.guard.hygiene import Hygiene, HygieneConfig

    tmp_root = tempfile.mkdtemp()
    for index in range(100):
        with open(os.path.join(tmp_root, f"cache-{index}.bin"), "w") as handle:
            handle.write("x" * 100)
    hygiene = Hygiene(HygieneConfig(tmp_root=tmp_root, flush=False))
    hygiene.take_baseline()
    check = per_call(hygiene.after_invocation, 200)
    listing = per_call(lambda: os.listdir(tmp_root), 2000)
    print(f"hygiene check per invocation (100 files in tmp): {check:8.1f} µs "
          f"({check / listing:.1f}x one os.listdir of that directory, {listing:.1f} µs)")
    server.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
