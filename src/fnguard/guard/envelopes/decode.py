"""Decoding as the sources encode: base64, gzip, JSON, form and multipart bodies.

Attack strings hide behind encodings; the WAF must see what the handler will see. Every decoder
falls back to the raw text on bad input, because a malformed payload is still inspected.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

_BOUNDARY = re.compile(r'boundary="?([^";,]+)"?', re.IGNORECASE)
_DISPOSITION_PARAM = re.compile(r'(\w+)="([^"]*)"')


def b64_bytes(value: str) -> bytes | None:
    """Base64 (standard or URL-safe, padding optional) to bytes, None if it is not base64."""
    try:
        padded = value + "=" * (-len(value) % 4)
        if "-" in value or "_" in value:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


def gunzip(data: bytes) -> bytes:
    """Gzip- or zlib-compressed bytes inflated (CloudWatch Logs subscriptions), else unchanged."""
    if data[:2] == b"\x1f\x8b" or (data[:1] == b"\x78" and data[1:2] in (b"\x01", b"\x5e", b"\x9c", b"\xda")):
        try:
            return zlib.decompress(data, 32 + zlib.MAX_WBITS)
        except zlib.error:
            return data
    return data


def as_text(data: bytes) -> str:
    """Bytes as text; undecodable bytes become U+FFFD so the rest is still inspected."""
    return data.decode("utf-8", errors="replace")


def maybe_json(value: str) -> Any:
    """Parsed JSON when the text is a JSON object or array, else the text itself."""
    stripped = value.lstrip()
    if stripped[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def b64_payload(value: Any) -> Any:
    """A base64 record payload (Kinesis, Firehose, Kafka) decoded, gunzipped and JSON-parsed."""
    if not isinstance(value, str):
        return value
    raw = b64_bytes(value)
    if raw is None:
        return value
    return maybe_json(as_text(gunzip(raw)))


def form(value: str) -> dict[str, Any]:
    """application/x-www-form-urlencoded to a mapping; repeated names become lists."""
    fields: dict[str, Any] = {}
    for name, item in parse_qsl(value, keep_blank_values=True):
        add(fields, name, item)
    return fields


def add(fields: dict[str, Any], name: str, value: Any) -> None:
    """Insert keeping repeated names, as query strings and headers repeat them."""
    if name not in fields:
        fields[name] = value
    elif isinstance(fields[name], list):
        fields[name].append(value)
    else:
        fields[name] = [fields[name], value]


def multipart(body: bytes, content_type: str) -> dict[str, Any] | None:
    """multipart/form-data fields (and file names); None when the body is not what it claims."""
    match = _BOUNDARY.search(content_type)
    if not match:
        return None
    delimiter = b"--" + match.group(1).encode("latin-1")
    fields: dict[str, Any] = {}
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:
            head, sep, content = chunk.partition(b"\n\n")
        if not sep:
            continue
        params: dict[str, str] = {}
        for line in as_text(head).splitlines():
            if line.lower().startswith("content-disposition:"):
                params = dict(_DISPOSITION_PARAM.findall(line))
        name = params.get("name", "")
        value = as_text(content.removesuffix(b"\r\n").removesuffix(b"\n"))
        if "filename" in params:
            add(fields, name, {"filename": params["filename"], "content": value})
        else:
            add(fields, name, value)
    return fields


def http_body(body: Any, is_base64: bool, content_type: str) -> Any:
    """An HTTP body decoded as its request says: base64 first, then by content type."""
    if not isinstance(body, str) or not body:
        return None
    raw: bytes | None = None
    if is_base64:
        raw = b64_bytes(body)
        if raw is None:
            return body
    ctype = content_type.lower()
    if "multipart/form-data" in ctype:
        fields = multipart(raw if raw is not None else body.encode("utf-8", "surrogateescape"), content_type)
        if fields is not None:
            return fields
    textual = as_text(raw) if raw is not None else body
    if "json" in ctype:
        try:
            return json.loads(textual)
        except ValueError:
            return textual
    if "x-www-form-urlencoded" in ctype:
        return form(textual)
    return maybe_json(textual)


def cookies(values: list[str]) -> dict[str, Any]:
    """Cookie header values (or HTTP API's ``cookies`` list) to name -> value."""
    jar: dict[str, Any] = {}
    for header in values:
        for item in header.split(";"):
            name, sep, value = item.strip().partition("=")
            if not name and not value:
                continue
            add(jar, name if sep else "", value if sep else name)
    return jar


def unquote_key(key: str) -> str:
    """S3 notification keys are URL-encoded with ``+`` for space."""
    return unquote_plus(key)
