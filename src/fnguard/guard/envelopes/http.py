"""What the HTTP-shaped sources share: headers, query, cookies, body, and the 403 answer shape.

API Gateway REST and HTTP API, ALB, function URLs and WebSocket differ only in where they keep
these parts; the modules of each source say where, this one says how to read them.
"""

from __future__ import annotations

from typing import Any

from fnguard.guard.envelopes import decode
from fnguard.guard.envelopes.base import Part

# Headers set by AWS infrastructure that carry no caller payload; inspecting them only costs time.
_INFRA_HEADERS = frozenset(
    {
        "x-amzn-trace-id", "x-amz-cf-id", "x-forwarded-port", "x-forwarded-proto", "via",
        "cloudfront-forwarded-proto", "cloudfront-is-desktop-viewer", "cloudfront-is-mobile-viewer",
        "cloudfront-is-smarttv-viewer", "cloudfront-is-tablet-viewer", "cloudfront-viewer-country",
        "cloudfront-viewer-asn", "x-amzn-tls-version", "x-amzn-tls-cipher-suite", "content-length",
    }
)


def headers(single: Any, multi: Any) -> dict[str, list[str]]:
    """Header name (lower case) -> every value, whichever of the two shapes the event used."""
    merged: dict[str, list[str]] = {}
    if isinstance(multi, dict) and multi:
        for name, values in multi.items():
            if isinstance(values, list):
                merged.setdefault(str(name).lower(), []).extend(str(v) for v in values if v is not None)
    elif isinstance(single, dict):
        for name, value in single.items():
            if value is not None:
                merged.setdefault(str(name).lower(), []).append(str(value))
    return merged


def query(single: Any, multi: Any, *, encoded: bool = False) -> dict[str, Any]:
    """Query parameters; ``encoded`` for ALB, which passes them still percent-encoded."""
    params: dict[str, Any] = {}
    source = multi if isinstance(multi, dict) and multi else single
    if not isinstance(source, dict):
        return params
    for name, values in source.items():
        for value in values if isinstance(values, list) else [values]:
            if value is None:
                continue
            if encoded:
                decode.add(params, decode.unquote_key(str(name)), decode.unquote_key(str(value)))
            else:
                decode.add(params, str(name), value)
    return params


def parts(
    *,
    path: Any,
    query_params: dict[str, Any],
    header_values: dict[str, list[str]],
    cookie_list: list[str] | None = None,
    path_params: Any = None,
    body: Any = None,
    is_base64: bool = False,
) -> tuple[Part, ...]:
    """The caller-controlled parts of one HTTP request, cookies kept under ``headers.cookie``."""
    found: list[Part] = []
    if isinstance(path, str) and path:
        found.append(Part("path", path))
    if query_params:
        found.append(Part("query", query_params))
    if isinstance(path_params, dict) and path_params:
        found.append(Part("pathParameters", path_params))
    raw_cookies = list(cookie_list or []) + header_values.get("cookie", [])
    hdrs: dict[str, Any] = {
        name: values[0] if len(values) == 1 else values
        for name, values in header_values.items()
        if name not in _INFRA_HEADERS and name != "cookie"
    }
    if raw_cookies:
        hdrs["cookie"] = decode.cookies(raw_cookies)
    if hdrs:
        found.append(Part("headers", hdrs))
    content_type = (header_values.get("content-type") or [""])[0]
    decoded = decode.http_body(body, bool(is_base64), content_type)
    if decoded is not None:
        found.append(Part("body", decoded))
    return tuple(found)


def route(method: Any, path: Any) -> str | None:
    """``METHOD /path``, the key of route exclusions and per-route limits."""
    if isinstance(method, str) and isinstance(path, str):
        return f"{method.upper()} {path}"
    return None
