"""Decoys: fake but realistic credentials that no legitimate code ever reads.

Environment decoys sit under names a credential-harvesting payload looks for but the function
does not use; canary files sit where such a payload looks on disk. Reading either is a critical
event carrying the stack that read it. Real variables are never replaced: a decoy name that
already exists is skipped.
"""

from __future__ import annotations

import base64
import os
import traceback
from collections.abc import Callable, Mapping
from typing import Any

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _random_key_id() -> str:
    """An AKIA-shaped key id: attackers test the shape before trying it."""
    raw = os.urandom(16)
    return "AKIA" + "".join(_ALPHABET[b % 32] for b in raw)


def _random_secret(length: int = 40) -> str:
    return base64.b64encode(os.urandom(length)).decode()[:length].replace("+", "x").replace("/", "y")


def env_decoys() -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID_DEPLOY": _random_key_id(),
        "AWS_SECRET_ACCESS_KEY_DEPLOY": _random_secret(),
        "DATABASE_ADMIN_PASSWORD": _random_secret(24),
        "STRIPE_LIVE_SECRET_KEY": "sk_live_" + _random_secret(24),
    }


def file_decoys(root: str = "/tmp") -> dict[str, str]:
    key_id, secret = _random_key_id(), _random_secret()
    return {
        os.path.join(root, ".aws", "credentials"):
            f"[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n",
        os.path.join(root, ".env"): f"DB_PASSWORD={_random_secret(20)}\nAPI_TOKEN={_random_secret(32)}\n",
    }


Alarm = Callable[[str, str, str], None]
"""Called with (kind, what, stack) when a decoy is touched."""


class _DecoyEnviron(type(os.environ)):  # type: ignore[misc]
    """``os.environ`` that raises the alarm when a decoy variable is read."""

    _fnguard_decoys: frozenset[str] = frozenset()
    _fnguard_alarm: Alarm | None = None

    def __getitem__(self, key: str) -> str:
        value = super().__getitem__(key)
        if key in self._fnguard_decoys and self._fnguard_alarm is not None:
            alarm = self._fnguard_alarm
            try:
                alarm("decoy_env", key, stack())
            except Exception:  # noqa: BLE001 - an alarm never breaks the reader
                pass
        return value


def stack(limit: int = 8) -> str:
    """Where the read came from, innermost last, without the guard's own frames."""
    frames = [f for f in traceback.extract_stack()[:-2] if "/fnguard/guard/" not in f.filename.replace("\\", "/")]
    return " <- ".join(f"{os.path.basename(f.filename)}:{f.lineno} {f.name}" for f in reversed(frames[-limit:]))


def plant_env(alarm: Alarm, names: Mapping[str, str] | None = None) -> list[str]:
    """Add decoy variables and watch reads of them; returns the names planted."""
    planted = []
    for name, value in (names or env_decoys()).items():
        if name not in os.environ:
            os.environ[name] = value
            planted.append(name)
    environ: Any = os.environ
    if not isinstance(environ, _DecoyEnviron):
        environ.__class__ = _DecoyEnviron
    environ._fnguard_decoys = frozenset(set(environ._fnguard_decoys) | set(planted))
    environ._fnguard_alarm = alarm
    return planted


def plant_files(root: str = "/tmp") -> list[str]:
    """Write canary files (never over a real file); returns their paths."""
    planted = []
    for path, content in file_decoys(root).items():
        if os.path.exists(path):
            if _is_ours(path):
                planted.append(path)
            continue
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(content)
            planted.append(path)
        except OSError:
            continue
    return planted


def _is_ours(path: str) -> bool:
    """A canary planted by an earlier container start in this same sandbox."""
    try:
        with open(path, encoding="utf-8") as handle:
            head = handle.read(200)
    except OSError:
        return False
    return "aws_access_key_id = AKIA" in head or head.startswith("DB_PASSWORD=")
