"""Normalisation undoes the encodings attackers use to slip past pattern matching."""

from __future__ import annotations

from fnguard.guard.waf.normalize import decode, html_decode, js_unescape, strip_sql_comments, url_decode


def test_repeated_url_decoding() -> None:
    assert url_decode("%3Cscript%3E") == "<script>"
    assert decode("%253Cscript%253E") == "<script>"  # double
    assert decode("%25252e%25252e%25252f") == "../"  # triple


def test_percent_u_and_overlong_utf8() -> None:
    assert url_decode("%u003cb%u003e") == "<b>"
    assert url_decode("%c0%ae%c0%ae%c0%af") == "../"  # two-byte overlong
    assert url_decode("%e0%80%ae") == "."  # three-byte overlong


def test_html_entities() -> None:
    assert html_decode("&lt;img src=x&gt;") == "<img src=x>"
    assert html_decode("&#x6a;&#97;vascript&colon;") == "javascript:"
    assert html_decode("ja&Tab;vascript") == "ja\tvascript"
    assert html_decode("plain") == "plain"


def test_js_and_python_escapes() -> None:
    assert js_unescape("\\u003cscript\\u003e") == "<script>"
    assert js_unescape("\\x3csvg\\x3e") == "<svg>"
    assert js_unescape("\\u{61}lert") == "alert"


def test_nul_removal_and_nfkc() -> None:
    assert decode("jav\x00ascript") == "javascript"
    assert decode("\uff1cscript\uff1e") == "<script>"  # full-width
    assert decode("\u2460\u2461\u2466.0.0.1") == "127.0.0.1"  # circled digits


def test_mixed_layers() -> None:
    assert decode("%26lt%3Bscript%26gt%3B") == "<script>"
    assert decode("\\u0025\\u0033\\u0063") == "<"


def test_sql_comments() -> None:
    assert strip_sql_comments("UN/**/ION/*x*/SELECT") == "UN ION SELECT"
    assert strip_sql_comments("no comment") == "no comment"


def test_decoding_is_bounded() -> None:
    huge = "%25" * 200_000
    assert len(decode(huge)) <= 256 * 1024
