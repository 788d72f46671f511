"""Turn an attacker's encoding tricks back into the text the application will eventually see.

Attackers hide payloads behind encodings the handler (or a library below it) undoes later:
percent-encoding (twice or three times, ``%uXXXX``, overlong UTF-8), HTML entities, JavaScript
``\\uXXXX``/``\\xNN`` escapes, full-width characters (NFKC), NUL bytes. Each step runs only when
its marker character is present, so plain values cost almost nothing, and the total output is
capped so a crafted value cannot make decoding expensive.
"""

from __future__ import annotations

import html
import re
import unicodedata

DECODE_ROUNDS = 3
MAX_TRANSFORMED = 256 * 1024

_PCT_RUN = re.compile(r"(?:%[0-9a-fA-F]{2})+")
_PCT_U = re.compile(r"%u([0-9a-fA-F]{4})")
_OVERLONG2 = re.compile(rb"[\xc0\xc1][\x80-\xff]")
# "%%35%%63" decodes to "%5%c": a percent sign split across hex digits, rejoined before the next round
_SPLIT_PCT = re.compile(r"%([0-9a-fA-F])%([0-9a-fA-F])")
# Look-alikes that best-fit code pages and some decoders turn into path separators
_LOOKALIKES = {0x2215: "/", 0x2044: "/", 0x2216: "\\", 0xEFC8: "/", 0xF025: "\\", 0xFF0E: ".", 0x2024: "."}
_OVERLONG3 = re.compile(rb"\xe0[\x80-\x9f][\x80-\xbf]")
_OVERLONG_LONG = re.compile(rb"(?:\xf0\x80\x80|\xf8\x80\x80\x80|\xfc\x80\x80\x80\x80)[\x80-\xbf]")
_STRAY_LEAD = re.compile(rb"[\xc0\xc1](?![\x80-\xbf])")
_JS_ESCAPE = re.compile(r"\\(?:u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2}))")
_SQL_COMMENT = re.compile(r"/\*.{0,2000}?\*/", re.S)
_SPACES = re.compile(r"\s+")
_LOOSE = {"tab": "\t", "newline": "\n", "colon": ":", "lpar": "(", "rpar": ")", "lt": "<", "gt": ">",
          "quot": '"', "apos": "'", "sol": "/", "bsol": "\\", "period": ".", "excl": "!", "grave": "`"}
_LOOSE_ENTITIES = re.compile(r"&(tab|newline|colon|lpar|rpar|lt|gt|quot|apos|sol|bsol|period|excl|grave);", re.I)


def _overlong2(match: re.Match[bytes]) -> bytes:
    b0, b1 = match.group()
    low = b1 & 0x3F
    code = ((b0 & 0x1F) << 6) | low
    # IIS-era decoders dropped the high bits: %c1%af and %c0%ee reached the file system as "/", "."
    if code not in (0x2E, 0x2F, 0x5C) and low in (0x2E, 0x2F):
        code = low
    return bytes([code])


def _overlong3(match: re.Match[bytes]) -> bytes:
    b0, b1, b2 = match.group()
    code = ((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F)
    return bytes([code]) if code < 0x80 else match.group()


def _overlong_long(match: re.Match[bytes]) -> bytes:
    return bytes([match.group()[-1] & 0x3F | 0x20]) if match.group()[-1] & 0x3F < 0x20 else bytes([match.group()[-1] & 0x3F])


def _pct_run(match: re.Match[str]) -> str:
    raw = bytes.fromhex(match.group().replace("%", ""))
    if any(b >= 0xC0 for b in raw):
        raw = _OVERLONG3.sub(_overlong3, _OVERLONG2.sub(_overlong2, raw))
        # 4- to 6-byte overlong forms (%f0%80%80%af, %fc%80%80%80%80%ae) and stray lead bytes
        # IIS-era decoders skipped: keep the ASCII character they smuggle
        raw = _OVERLONG_LONG.sub(_overlong_long, raw)
        raw = _STRAY_LEAD.sub(b"", raw)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def url_decode(text: str, plus: bool = False) -> str:
    """One round of percent-decoding, including ``%uXXXX`` and overlong UTF-8 forms."""
    if "%" not in text:
        return text.replace("+", " ") if plus else text
    if "%u" in text or "%U" in text:
        text = _PCT_U.sub(lambda m: chr(int(m.group(1), 16)), text)
    text = _PCT_RUN.sub(_pct_run, text)
    return text.replace("+", " ") if plus else text


def _js_escape(match: re.Match[str]) -> str:
    code = int(match.group(1) or match.group(2) or match.group(3), 16)
    return chr(code) if code <= 0x10FFFF else match.group()


def js_unescape(text: str) -> str:
    """Undo ``\\uXXXX``, ``\\u{X}`` and ``\\xNN`` escapes (JSON strings, JavaScript, Python)."""
    if "\\" not in text:
        return text
    return _JS_ESCAPE.sub(_js_escape, text)


def html_decode(text: str) -> str:
    """Undo HTML character references, named and numeric (``&#x3c;``, ``&lt``, ``&colon;``)."""
    if "&" not in text:
        return text
    text = html.unescape(text)
    if "&" in text and ";" in text:  # browsers are case-sensitive, filters that fold case are not
        text = _LOOSE_ENTITIES.sub(lambda m: _LOOSE[m.group(1).lower()], text)
    return text


def decode(text: str, rounds: int = DECODE_ROUNDS) -> str:
    """Repeatedly undo every encoding until the text stops changing (at most ``rounds``)."""
    for _ in range(rounds):
        before = text
        if "%" in text:
            text = _SPLIT_PCT.sub(r"%\1\2", text)
        text = url_decode(text)
        text = html_decode(text)
        text = js_unescape(text)
        if len(text) > MAX_TRANSFORMED:
            text = text[:MAX_TRANSFORMED]
        if text == before:
            break
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text.translate(_LOOKALIKES))
    return text


def strip_sql_comments(text: str) -> str:
    """Replace ``/* ... */`` comments by a space: ``UN/**/ION`` tricks split keywords."""
    if "/*" not in text:
        return text
    return _SQL_COMMENT.sub(" ", text)


def squeeze_spaces(text: str) -> str:
    """Collapse whitespace runs (tabs, newlines, vertical tabs) to one space."""
    return _SPACES.sub(" ", text)
