"""The normalised forms of one value, computed lazily and at most once.

Most rules look at the decoded, lower-cased text; a few need the raw value (base64 markers that
decoding would damage) or SQL without comments. Computing a form only when a rule asks for it keeps
values that reach few rules cheap.
"""

from __future__ import annotations

import re

from fnguard.guard.waf.detection import EXCERPT_MAX
from fnguard.guard.waf.normalize import decode, squeeze_spaces, strip_sql_comments

_SLASHES = re.compile(r"/{2,}")


class Forms:
    """Lazily computed views of one value (see :data:`fnguard.guard.waf.rules.base.FORMS`)."""

    __slots__ = ("value", "_decoded", "_cache")

    def __init__(self, value: str) -> None:
        self.value = value
        self._decoded: str | None = None
        self._cache: dict[str, str] = {}

    @classmethod
    def undecodable(cls, value: str, low: str) -> Forms:
        """Forms of a value decoding leaves as it is (ASCII without ``%``, ``&``, backslash or NUL),
        given its lower-cased text already made: ``raw`` and ``text`` are that text."""
        forms = cls(value)
        forms._decoded = value
        forms._cache["raw"] = forms._cache["text"] = low
        return forms

    @property
    def decoded(self) -> str:
        """The value with every encoding undone, case preserved."""
        if self._decoded is None:
            self._decoded = decode(self.value)
        return self._decoded

    def get(self, name: str) -> str:
        """The form called ``name`` (raw, text, sql, path)."""
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        if name == "raw":
            form = self.value.lower()
        elif name == "text":
            form = self.decoded.lower()
        elif name == "sql":
            form = squeeze_spaces(strip_sql_comments(self.get("text")))
        elif name == "path":
            # one separator, runs collapsed: what the file system resolves (and no slash runs for
            # patterns to backtrack over)
            form = self.get("text").replace("\\", "/")
            if "//" in form:
                form = _SLASHES.sub("/", form)
        else:
            raise KeyError(name)
        self._cache[name] = form
        return form

    def excerpt(self, name: str, start: int, end: int) -> str:
        """The matched span in original case when the form keeps offsets, else as matched."""
        if end - start > EXCERPT_MAX:
            end = start + EXCERPT_MAX
        source = self.value if name == "raw" else self.decoded if name in ("text", "path") else None
        form = self.get(name)
        if source is not None and len(source) == len(form):
            return source[start:end]
        return form[start:end]
