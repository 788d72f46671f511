"""Handler strings to source files, as each runtime resolves them."""

from __future__ import annotations

from pathlib import Path

_NODE_EXTENSIONS = (".js", ".mjs", ".cjs", ".ts")


def handler_file(code_dir: str | Path | None, handler: str | None, runtime: str | None) -> Path | None:
    """The file a handler string names (``handlers/create.handler`` → ``handlers/create.py``).

    Python uses dotted module paths (``pkg.mod.fn`` → ``pkg/mod.py``) as well as slashes; Node
    takes the part before the last dot as a file path with one of its extensions.
    """
    if not code_dir or not handler or "." not in handler:
        return None
    base = Path(code_dir)
    module, _, _function = handler.rpartition(".")
    is_node = bool(runtime and runtime.startswith("nodejs"))
    if is_node:
        candidates = [base / f"{module}{ext}" for ext in _NODE_EXTENSIONS]
    else:
        candidates = [base / f"{module}.py", base / (module.replace(".", "/") + ".py"),
                      base / module.replace(".", "/") / "__init__.py"]
    if runtime is None:
        candidates += [base / f"{module}{ext}" for ext in _NODE_EXTENSIONS]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    return None
