"""Remote file inclusion: an include-style parameter whose value is a remote URL, usually with a
trailing ``?`` or ``%00`` to cut off the extension the application appends."""

from __future__ import annotations

from fnguard.guard.waf.forms import Forms
from fnguard.guard.waf.rules.base import ClassRules, Rule, lazy, rx

_PARAM = lazy(r"(?:^|[?&;/])([a-z0-9_.\-\[\]\"']{1,80})=\s*(?:https?|ftps?)://")
_TOKEN_SPLIT = lazy(r"[_.\-\[\]\"']+")
_INCLUDE_WORDS = frozenset((
    "path", "root", "dir", "inc", "include", "file", "page", "lib", "template", "tpl", "mod", "module", "conf",
    "config", "lang", "language", "folder", "prefix", "class", "base", "skin", "theme", "mgr", "menu", "cmd",
))
_INCLUDE_ENDS = ("path", "dir", "root", "file", "inc", "include", "lib", "template", "folder", "prefix", "module",
                 "conf", "config")
_INCLUDE_STARTS = ("path", "inc", "include", "lib", "template", "conf", "config", "lang", "file", "root")


def _include_parameter(forms: Forms) -> str | None:
    """A parameter named like an include path (``LIBPATH=``, ``apps_path[plug]=``) given a remote
    URL; ``url=``, ``redirect=`` or ``next=`` with a URL are everyday links, not inclusions."""
    text = forms.get("text")
    if "=" not in text:
        return None  # _PARAM needs one: URLs without a parameter leave without a search
    for found in _PARAM.finditer(text):
        for token in _TOKEN_SPLIT.split(found.group(1)):
            if token in _INCLUDE_WORDS or token.endswith(_INCLUDE_ENDS) or token.startswith(_INCLUDE_STARTS):
                return text[found.start(): found.end() + 60]
    return None


RULES = ClassRules(
    "rfi",
    None,
    (
        Rule("FGW-RFI-101", "rfi", "high", 1, "include-style parameter pointing at a remote URL",
             check=_include_parameter, needs=('://',)),
        Rule("FGW-RFI-102", "rfi", "high", 1, "remote URL ending in ? or NUL to truncate an appended extension",
             pattern=rx(r"(?:https?|ftps?)://[^\s?#]{1,300}\?{1,3}$|(?:https?|ftps?)://[^\s]{1,300}(?:%00|\x00)$|(?:https?|ftps?)://[^\s?]{1,200}\.(?:txt|php|inc|jpg|gif|png)\?{1,3}(?:$|&)"),
             forms=("raw", "text"), needs=('://',)),
        Rule("FGW-RFI-103", "rfi", "high", 1, "remote script include (shell/c99/r57 names, UNC share)",
             pattern=rx(r"(?:https?|ftps?)://[^\s]{1,200}/(?:shell|c99|r57|c100|b374k|wso|cmd|backdoor|evil|rfi)[a-z0-9_.-]{0,20}\.(?:txt|php|gif|jpg)|^\\\\[a-z0-9_.-]{1,100}\\[a-z0-9$_.-]{1,100}"),
             forms=("text",), needs=('://', '\\\\')),
        Rule("FGW-RFI-105", "rfi", "high", 1, "URL hiding its real host behind path-colon userinfo (http://a.example/:x@evil.example/)",
             pattern=rx(r"(?:https?|ftps?)://[^\s/]{1,100}/[^\s@]{0,40}:[^\s/@]{0,40}@[a-z0-9.-]{3,100}|(?:https?|ftps?)://[^\s/]{1,100}/@[a-z0-9-]{1,63}\.[a-z0-9.-]{2,100}/?$"), forms=("text",),
             needs=("@",)),
        Rule("FGW-RFI-106", "rfi", "medium", 1, "host name embedding another registrable domain (example.com.evil.example)",
             pattern=rx(r"(?:https?|ftps?)://(?:[a-z0-9-]{1,63}\.){1,4}(?:com|net|org|edu|gov)\.[a-z0-9-]{1,63}\.[a-z]{2,12}(?:[/:?#]|$)"),
             forms=("text",), needs=("://",)),
        Rule("FGW-RFI-104", "rfi", "medium", 1, "local_file:// or data: URL as a value",
             pattern=rx(r"^(?:local_file|netdoc|jar|mailto|tftp)://|^data:(?!image/|font/|audio/|video/)[a-z/+.-]{0,40}(?:;[a-z0-9=-]{1,40})*(?:;base64)?,"),
             forms=("text",)),
    ),
    needs=('://', '@', '\\\\', 'local_file:', 'data:', 'netdoc:', 'jar:', 'mailto:', 'tftp:'),
)
