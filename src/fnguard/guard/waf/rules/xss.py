"""Cross-site scripting: script-capable tags, event-handler attributes, script URLs, attribute
break-outs and CSS expressions, after entity/percent/escape decoding."""

from __future__ import annotations

import re

from fnguard.guard.waf.forms import Forms
from fnguard.guard.waf.rules.base import Check, ClassRules, Rule, lazy, rx

_EVENT = r"on(?:[a-z]{3,40})"
_SCRIPT_URL = lazy(r"(?:j[\s\x00-\x1f]*a[\s\x00-\x1f]*v[\s\x00-\x1f]*a|v[\s\x00-\x1f]*b|l[\s\x00-\x1f]*i[\s\x00-\x1f]*v[\s\x00-\x1f]*e)[\s\x00-\x1f]*s[\s\x00-\x1f]*c[\s\x00-\x1f]*r[\s\x00-\x1f]*i[\s\x00-\x1f]*p[\s\x00-\x1f]*t[\s\x00-\x1f]*:")
_JS_CALLISH = lazy(
    r"(?:alert|prompt|confirm|eval|settimeout|setinterval|fetch|atob|print|write(?:ln)?|open|import|\[|\(|`|document\.|window\.|location|top\[|self\[|this\[|parent\[|/\*|void\b|\{|\$|string\.fromcharcode|[a-z_]{1,20}\s*\()"
)


def _script_url(forms: Forms) -> str | None:
    """A javascript:/vbscript: URL whose body does something, in an attribute or on its own."""
    text = forms.get("text")
    if "script" not in text and ":" not in text:
        return None
    for found in _SCRIPT_URL.finditer(text):
        rest = text[found.end(): found.end() + 200]
        if _JS_CALLISH.search(rest) or found.start() == 0 or text[found.start() - 1] in "\"'=`(":
            return text[found.start(): found.end() + 40]
    return None


# Tags that carry script, load resources or change parsing: markup no text field needs.
_ACTIVE_TAGS = (
    "html|head|body|style|math|svg|iframe|frame|frameset|meta|link|base|form|object|embed|applet|xml|"
    "template|set|animate|animatetransform|animatemotion|handler|listener|xss|marquee|video|audio|"
    "isindex|layer|ilayer|bgsound|keygen|plaintext|xmp|listing|noscript|noembed|noframes|title|"
    "foreignobject|portal|script|x|v:[a-z]+|svg:[a-z]+|xsl:[a-z]+|html:[a-z]+|xml:[a-z]+|image|details|"
    "dialog|textarea|button|input|select|option|source|track|canvas|picture|slot|feimage|use|textpath"
)
_TAGS = (
    "div|span|a|img|table|td|tr|th|"
    "h[1-6]|p|b|i|u|s|br|hr|ul|ol|li|pre|code|font|center|blink|"
    "ilayer|plaintext|xmp|listing|noscript|noembed|noframes|title|textpath|foreignobject|use|feimage|"
    "picture|canvas|dialog|menu|menuitem|command|output|label|fieldset|legend|nav|section|article|"
    "header|footer|aside|main|figure|figcaption|q|blockquote|cite|abbr|acronym|address|dfn|kbd|samp|"
    "var|sub|sup|small|big|tt|strike|del|ins|mark|ruby|rt|rp|bdi|bdo|wbr|area|map|param|slot|portal|"
    "script|x|v:[a-z]+|svg:[a-z]+|xsl:[a-z]+|html:[a-z]+|xml:[a-z]+"
)
_ACTIVE_TAG = lazy(rf"<\s*/?\s*(?:{_ACTIVE_TAGS})(?=[\s/>]|$)")
_TAG = lazy(rf"<\s*/?\s*(?:{_ACTIVE_TAGS}|{_TAGS})(?=[\s/>]|$)")


def _tag_check(pattern: re.Pattern[str]) -> Check:
    def check(forms: Forms) -> str | None:
        """Markup in a value meant to be text; XML documents (prolog first) are left alone."""
        text = forms.get("text")
        if "<" not in text or text.lstrip().startswith("<?xml"):
            return None
        found = pattern.search(text)
        return None if found is None else text[found.start(): found.end() + 40]
    return check


_HANDLER_WORDS = tuple(
    "on" + name for name in (
        "load error click dblclick mouseover mouseout mousedown mouseup mousemove mouseenter mouseleave focus "
        "focusin focusout blur change submit keydown keyup keypress contextmenu input toggle animationstart "
        "animationend animationiteration transitionend transitionrun transitionstart pageshow hashchange message "
        "resize scroll wheel drag dragstart dragend dragenter dragleave dragover drop copy cut paste beforeunload "
        "unload begin end repeat start finish bounce readystatechange search select show invalid pointerdown "
        "pointerup pointerover pointerenter pointermove touchstart touchend touchmove auxclick afterprint "
        "beforeprint loadstart loadend canplay play playing pause volumechange seeked seeking popstate storage "
        "online offline"
    ).split()
)

RULES = ClassRules(
    "xss",
    None,
    (
        Rule("FGW-XSS-101", "xss", "critical", 1, "script element or script-capable tag",
             pattern=rx(r"[\xbc<]\s*/?\s*script[\s\S]{0,40}?[\xbe>]|<\s*/?\s*(?:script|iframe|frame|frameset|object|embed|applet|isindex|xss|import|portal|handler|layer|ilayer|bgsound)\b[^<]{0,40}?(?:[\s/>]|$)"),
             forms=("text", "raw"), needs=('<', '\xbc')),
        Rule("FGW-XSS-102", "xss", "critical", 1, "HTML tag with an event-handler attribute",
             pattern=rx(rf"<[a-z!?/][^<>]{{0,400}}?[\s/\"'`;]{_EVENT}[\s\x00-\x1f]*="), forms=("text", "raw"), needs=('<',)),
        Rule("FGW-XSS-103", "xss", "critical", 1, "javascript:/vbscript: URL",
             check=_script_url),
        Rule("FGW-XSS-104", "xss", "high", 1, "attribute break-out into an event handler or new tag",
             pattern=rx(rf"[\"'`][^<>\"'`]{{0,40}}?[\s/]{_EVENT}\s*=\s*[\"'`]?[^\s\"'`]{{0,40}}?(?:\(|`|alert|prompt|confirm|eval|location|document|window|this\.)|[\"'`]\s*/?\s*>\s*<\s*[a-z!/]"),
             forms=("text",), needs=('"', "'", '`')),
        Rule("FGW-XSS-105", "xss", "high", 1, "HTML tag with script-bearing attribute (src/href/data/action/formaction with script or data URL)",
             pattern=rx(r"<[a-z][^<>]{0,300}?\b(?:src|href|data|action|formaction|xlink:href|background|dynsrc|lowsrc|poster|srcdoc|code|codebase|value|to|from|values|datasrc|datafld|dataformatas)\s*=\s*[\"'`]?\s*(?:data:\s*(?:text/html|image/svg|application/(?:x-)?(?:javascript|xhtml)|text/javascript)|data:[a-z0-9/+.-]{1,60}[^,\"']{0,40}base64\s*,|&#|[\"']?\s*#|javascript|vbscript)|<[a-z][^<>]{0,300}?\bsrcdoc\s*="),
             forms=("text",), needs=('<',)),
        Rule("FGW-XSS-106", "xss", "high", 1, "CSS expression(), behaviour or binding",
             pattern=rx(r"expression\s*\(|-moz-binding\s*:|behavior\s*:\s*url|@import\s*[\"'(]|url\s*\(\s*[\"']?\s*(?:javascript|vbscript|data:)"),
             forms=("text",), needs=('expression', '-moz-binding', 'behavior', '@import', 'url')),
        Rule("FGW-XSS-107", "xss", "high", 1, "JavaScript sink call (alert/prompt/confirm, document.cookie) in markup or script context",
             pattern=rx(r"(?:^|[\s;(\"'`>=}{\[,:+-])(?:alert|prompt|confirm)\s*(?:\(|`|&#40|\.call|\.apply)|(?<![/\w-])document\s*\.\s*(?:cookie|domain|write(?:ln)?\s*\(|location)|string\s*\.\s*fromcharcode\s*\(|window\s*\[\s*[\"'`]|top\s*\[\s*[\"'`]|\bself\s*\[\s*[\"'`]"),
             forms=("text",), needs=('alert', 'prompt', 'confirm', 'document', 'fromcharcode', 'window', 'top', 'self')),
        Rule("FGW-XSS-109", "xss", "high", 1, "active HTML tag (style, svg, math, meta, form, body...) outside an XML document",
             check=_tag_check(_ACTIVE_TAG)),
        Rule("FGW-XSS-112", "xss", "medium", 2, "any HTML markup tag outside an XML document",
             check=_tag_check(_TAG)),
        Rule("FGW-XSS-110", "xss", "high", 1, "angle bracket hidden behind a numeric entity, JS escape or UTF-7",
             pattern=rx(r"&#0*60\b|&#0*60;|&#x0*3c|\\u003c|\\x3c|\+adw-|%2badw-"), forms=("raw",),
             needs=("&#", "\\u003c", "\\x3c", "adw-")),
        Rule("FGW-XSS-111", "xss", "high", 1, "script function referenced as a value (a=alert, find(alert), ${eval}, .call`...`)",
             pattern=rx(r"(?:[(,=\[{]\s*|\$\{\s*)(?:alert|prompt|confirm|eval|print)\b(?!\s*[(\w])|\.call\s*`|\.apply\.call\b|\bnavigation\.navigate\b|\blocation(?:\.href)?\s*=\s*[\"'`](?:https?:|javascript:|//)|<\?(?:import|xml-stylesheet)\b|\bbinding\s*:\s*url"),
             forms=("text",), needs=("alert", "prompt", "confirm", "eval", "print", ".call", "navigation", "location", "<?", "binding")),
        Rule("FGW-XSS-113", "xss", "high", 1, "script sinks and DOM/browser objects (setTimeout(code), ActiveXObject, /al/.source)",
             pattern=rx(r"\b(?:settimeout|setinterval)\s*\(\s*(?:[a-z_$][\w.$]*\s*[,)]|location|name\b)|\bnew\s+(?:activexobject|function)\b|xsi:schemalocation\s*=|<[a-z][^<>]{0,200}\bstyle\s*=\s*[\"'][^\"']{0,200}(?:url\s*\(|expression|behaviou?r\s*:|binding)|^&(?:lt|gt|#x0*3[ce]|#0*6[02]);?$|\bnavigator\s*\.\s*[a-z]{3,20}\s*\(|\bwindow\s*\.\s*(?:open\s*\(|location\s*=)|\$\(\s*[\"'][^\"']{1,60}[\"']\s*\)\s*\.\s*[a-z]{2,20}\s*\(|.<\?xml\b|<!(?:attlist|element)\b|xmlns(?::\w+)?\s*=\s*[\"']?https?://www\.w3\.org/(?:tr/wd-xsl|1999/xsl|1999/xhtml|1999/xlink|2000/svg)|/\w{1,10}/\s*\.\s*source\b|\balert\s*\\*`|(?:^|[\s\"'/;])on(?:load|error|click|dblclick|mouse(?:over|out|down|up|move|enter|leave)|focus(?:in|out)?|blur|change|submit|key(?:down|up|press)|contextmenu|input|toggle|animation(?:start|end|iteration)|transition(?:end|run|start)|pageshow|hashchange|message|resize|scroll|wheel|drag(?:start|end|enter|leave|over)?|drop|copy|cut|paste|beforeunload|unload|begin|end|repeat|start|finish|bounce|readystatechange|search|select|show|invalid|pointer[a-z]{2,8}|touch[a-z]{3,6}|auxclick|afterprint|beforeprint|loadstart|loadend|canplay|play|playing|pause|volumechange|seeked|seeking|popstate|storage|online|offline)\s*=(?!=)"),
             forms=("text",), needs=("settimeout", "setinterval", "activexobject", "navigator", "window", ".source", "alert", "$(", "<?xml", "<!",
                    "xmlns", "function", "schemalocation", "style", "&lt", "&gt", "&#", *_HANDLER_WORDS)),
        Rule("FGW-XSS-108", "xss", "high", 1, "unclosed or malformed tag opening with an event handler",
             pattern=rx(rf"<[a-z0-9]{{1,20}}[\s/\x00-\x1f][^<]{{0,200}}?{_EVENT}[\s\x00-\x1f]*=|<[a-z0-9:]{{1,20}}[^<>]{{0,200}}?/{_EVENT}="),
             forms=("text",), needs=('<',)),
    ),
    needs=('<', '&#', '&lt', '&gt', 'function', 'schemalocation', 'vascript', '$(', 'xmlns', '\xbc', 'datasrc', 'settimeout', 'setinterval', 'activexobject', 'navigator', '.source', *_HANDLER_WORDS, '\\u003c', '\\x3c', 'adw-', 'eval', 'print', '.call', 'navigation', 'location', 'binding', 'url(', 'script', 'javascript', 'vbscript', 'livescript', 'expression(', 'expression (', '-moz-binding', '@import', 'alert', 'prompt', 'confirm', 'document.', 'fromcharcode', 'srcdoc', 'behavior', 'window[', 'top[', 'self[', '" on', "' on", '"on', "'on", '`on', '/on', ' on'),
)
