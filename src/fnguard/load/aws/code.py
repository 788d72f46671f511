"""Deployed code: the package behind ``GetFunction``'s presigned location, unpacked for analysis.

Functions deployed from one package (every function of a Serverless service) share a
``CodeSha256``: the package is fetched and unpacked once. Archives are unpacked defensively —
no path may leave the directory, and the unpacked size is capped at Lambda's own limit.
"""

from __future__ import annotations

import io
import re
import threading
import urllib.request
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fnguard.load.aws.client import Account

MAX_UNPACKED = 262_144_000
"""Lambda's limit for an unzipped deployment package (250 MB)."""
_S3_HOST = re.compile(r"^https?://(?P<bucket>[a-z0-9][a-z0-9.-]*?)\.s3[.-](?:[a-z0-9-]+\.)?amazonaws\.com(?::\d+)?/"
                      r"(?P<key>[^?]+)")


class CodeStore:
    """Unpacks each distinct package once under ``root``; thread-safe."""

    def __init__(self, account: Account, root: Path) -> None:
        self.account = account
        self.root = root
        self._dirs: dict[str, Path | None] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def fetch(self, sha: str, location: str, region: str, function: str) -> Path | None:
        """The directory holding the package at ``location``; ``None`` (and a warning) if unreadable."""
        with self._lock:
            lock = self._locks.setdefault(sha, threading.Lock())
        with lock:
            if sha not in self._dirs:
                self._dirs[sha] = self._download(sha, location, region, function)
            return self._dirs[sha]

    def _download(self, sha: str, location: str, region: str, function: str) -> Path | None:
        url = self._emulator_url(location, region) or location
        try:
            with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 - the URL AWS handed us
                data = response.read(MAX_UNPACKED + 1)
        except OSError as exc:
            self.account.warn(f"{function}: code not downloaded ({exc}): code and dependencies not analysed")
            return None
        target = self.root / re.sub(r"[^A-Za-z0-9]", "", sha)[:40]
        try:
            _unpack(data, target)
        except (zipfile.BadZipFile, ValueError) as exc:
            self.account.warn(f"{function}: deployment package not readable ({exc}): code not analysed")
            return None
        return target

    def _emulator_url(self, location: str, region: str) -> str | None:
        """With ``--endpoint-url``, the package lives in the emulator's S3: presign it there.

        AWS hands out a presigned URL of its own bucket; emulators name an ``amazonaws.com`` host
        they do not serve, so the same object is asked of the emulator (signing is local, no call).
        """
        if not self.account.options.endpoint_url:
            return None
        match = _S3_HOST.match(location)
        if not match:
            return None
        s3 = self.account.client("s3", region)
        return s3.generate_presigned_url("get_object", Params={"Bucket": match["bucket"], "Key": match["key"]},
                                         ExpiresIn=600)


def _unpack(data: bytes, target: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        total = 0
        root = target.resolve()
        for info in archive.infolist():
            total += info.file_size
            if total > MAX_UNPACKED:
                raise ValueError("larger than Lambda's 250 MB limit once unpacked")
            destination = (target / info.filename).resolve()
            if destination != root and root not in destination.parents:
                raise ValueError(f"entry {info.filename!r} points outside the package")
        target.mkdir(parents=True, exist_ok=True)
        archive.extractall(target)
