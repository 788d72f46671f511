"""A tokenising SQL injection detector.

Regular expressions over SQL text either miss (``1 oR 1=1``, ``'/**/||/**/pg_sleep(5)``) or fire
on English (``select x from y where``). Instead the value is cut into SQL tokens, each reduced to
a one-letter type, and the resulting *fingerprint* is matched against the shapes an injection
must take. The value is read three ways, as the application may splice it: as-is (a number or an
identifier context), after an opening single quote and after an opening double quote. In a quote
context an injection must first close the string, so the fingerprint starts with ``s`` followed
by SQL; English text with apostrophes rarely does.

Token types: ``s`` string, ``n`` number/literal, ``v`` variable, ``b`` bare word, ``k`` keyword,
``E`` statement verb (select, insert, drop...), ``U`` union/intersect/except, ``B`` order/group
by, ``&`` and/or/xor, ``=`` comparison, ``o`` other operator, ``f`` function call, ``c``
comment, ``(`` ``)`` ``,`` ``;`` ``.`` themselves, ``X`` anything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from fnguard.guard.waf.rules.base import lazy

MAX_TOKENS = 60
_DOTTED = lazy(r"[bk](?:\.[bk])+")

_STATEMENTS = frozenset(
    "select insert update delete drop create alter truncate exec execute declare shutdown grant revoke "
    "merge handler rename waitfor backup restore dbcc call".split()
)
_UNIONS = frozenset(("union", "intersect", "except"))
_LOGIC = frozenset(("and", "or", "xor"))
_COMPARE_WORDS = frozenset("like rlike regexp ilike is in between sounds glob similar".split())
_ARITH_WORDS = frozenset(("div", "mod", "not", "collate", "escape", "binary"))
_KEYWORDS = frozenset(
    "from where limit offset into as by values table all distinct top having join inner outer left "
    "right cross on case when then else end asc desc procedure outfile dumpfile order group if exists "
    "with set begin declare fetch next rows only returning using database schema column columns "
    "tables procedure function cast convert char varchar nvarchar int integer use".split()
)
_LITERALS = frozenset(("null", "true", "false", "unknown", "current_user", "session_user", "system_user",
                       "current_date", "current_time", "current_timestamp", "localtime", "sysdate"))
# Functions and objects that only reconnaissance, blind or out-of-band injection touches.
DANGEROUS = frozenset(
    "sleep pg_sleep benchmark load_file extractvalue updatexml xp_cmdshell xp_dirtree xp_regread "
    "sp_executesql sp_oacreate openrowset opendatasource utl_inaddr utl_http dbms_pipe dbms_lock "
    "randomblob get_host_address receive_message ctxsys drithsx make_set elt exp floor rand "
    "name_const geometrycollection multipoint polygon linestring json_keys gtid_subset "
    "information_schema sysobjects syscolumns sysdatabases msysobjects sqlite_master pg_catalog "
    "pg_shadow pg_user all_tables all_tab_columns user_tables mysql.user sys.user$ dual "
    "version database user schema_name table_name column_name group_concat concat_ws concat char chr "
    "ascii substring substr mid ord hex unhex cast convert count if ifnull isnull nullif iif "
    "waitfor delay md5 sha1 current_user system_user load_extension pg_read_file lo_import "
    "dbms_xmlgen xmltype to_char instr length len len char_length @@version compress uncompress coercibility "
    "collation charset row_count found_rows last_insert_id connection_id current_setting json_extract "
    "json_keys json_object extract xmltype dbms_utility".split()
)
# Of those, the ones that are strong on their own (outside a break-out context).
STRONG_FUNCTIONS = frozenset(
    "sleep pg_sleep benchmark load_file extractvalue updatexml xp_cmdshell xp_dirtree xp_regread "
    "sp_executesql sp_oacreate openrowset opendatasource utl_inaddr utl_http dbms_pipe dbms_lock "
    "randomblob get_host_address receive_message load_extension pg_read_file lo_import name_const "
    "gtid_subset dbms_xmlgen".split()
)
STRONG_OBJECTS = frozenset(
    "information_schema sysobjects syscolumns sysdatabases msysobjects sqlite_master pg_catalog "
    "pg_shadow all_tables all_tab_columns user_tables xp_cmdshell sysusers sysibm outfile dumpfile".split()
)

_COMPARE_OPS = frozenset(("=", "<", ">", "<=", ">=", "!=", "<>", "<=>", "!<", "!>", "!<>"))


class Token(NamedTuple):
    """One SQL token: its type letter and its (lower-cased) text (a tuple: thousands are made)."""

    kind: str
    text: str


_TOKEN = lazy(
    r"(?P<ws>[\s\xa0]+)"
    r"|(?P<s>'(?:[^'\\]|\\.|'')*'?|\"(?:[^\"\\]|\\.|\"\")*\"?)"
    r"|(?P<bt>`[^`]*`?)"
    r"|(?P<c>(?:--|#)[^\n]*|/\*(?!!).*?(?:\*/|$))"
    r"|(?P<exec>/\*!\d*|\*/)"
    r"|(?P<n>0x[0-9a-f]*|0b[01]+|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)"
    r"|(?P<v>@@?[\w.$@]*|\$\d+)"
    r"|(?P<br>\[[^\]]{0,62}\])"
    r"|(?P<w>[^\W\d][\w$]*)"
    r"|(?P<o><=>|->>|!<>|<>|!=|<=|>=|\|\||&&|::|:=|->|<<|>>|!<|!>|\^=|\|=|&=|[=<>!+\-*/%^|&~:])"
    r"|(?P<p>[(),;.])"
    r"|(?P<x>.)",
    re.S,
)
_PAREN = lazy(r"[\s\xa0]*\(")
_NEVER_CALLS = frozenset(("in", "values", "from", "as", "on", "into", "where", "then", "when", "else", "is", "not",
                          "having", "using", "like", "rlike", "regexp", "by", "between", "limit", "procedure"))
_GLUED = lazy(r"(?<=[0-9])(or|and|xor|union|div|like|having)(?=[-+\d\s(]|$)")
_STRING_PREFIXES = frozenset(("x", "b", "n", "e", "q", "nq", "_utf8", "_utf8mb4", "_latin1", "_binary"))


def tokenize(text: str, quote: str = "") -> list[Token]:
    """Tokens of ``text`` as if it followed an opening ``quote`` ("" for none)."""
    tokens: list[Token] = []
    pos = 0
    if quote:
        end = _string_end(text, 0, quote)
        tokens.append(Token("s", text[:end]))
        pos = end + 1
    append = tokens.append
    for found in _TOKEN.finditer(text, pos):
        kind = found.lastgroup
        if kind == "ws" or kind == "exec":
            continue
        if len(tokens) >= MAX_TOKENS:
            break
        value = found.group()
        if kind == "w":
            end = found.end()
            if value in _STRING_PREFIXES and text[end: end + 1] == "'":
                continue  # x'41', n'abc': the string token follows
            append(_word_token(value, _PAREN.match(text, end) is not None))
        elif kind == "s":
            append(Token("s", value))  # with its quotes: which quote opened it matters
        elif kind == "bt" or kind == "br":
            append(Token("b", value[1:-1]))
        elif kind == "o":
            append(Token(_operator_kind(value), value))
        elif kind == "p":
            append(Token(value, value))
        elif kind == "x":
            append(Token("X", value))
        else:  # c, n, v
            append(Token(kind, value))  # type: ignore[arg-type]
    return tokens


def _string_end(text: str, start: int, quote: str) -> int:
    """Index of the closing quote (doubled quotes and backslash escapes skipped), or len(text)."""
    i = start
    n = len(text)
    while i < n:
        i = text.find(quote, i)
        if i < 0:
            return n
        backslashes = 0
        j = i - 1
        while j >= start and text[j] == "\\":
            backslashes += 1
            j -= 1
        if backslashes % 2:
            i += 1
            continue
        if i + 1 < n and text[i + 1] == quote:
            i += 2
            continue
        return i
    return n


def _word_token(word: str, call: bool) -> Token:
    if call and word not in _LOGIC and word not in _UNIONS and word not in _STATEMENTS \
            and word not in _NEVER_CALLS:
        return Token("f", word)
    if word in _STATEMENTS:
        return Token("S" if word == "select" else "E", word)
    if word in _UNIONS:
        return Token("U", word)
    if word in _LOGIC:
        return Token("&", word)
    if word in _COMPARE_WORDS:
        return Token("=", word)
    if word in _ARITH_WORDS:
        return Token("o", word)
    if word in _LITERALS:
        return Token("n", word)
    if word in _KEYWORDS:
        return Token("k", word)
    return Token("b", word)


def _operator_kind(op: str) -> str:
    if op in _COMPARE_OPS:
        return "="
    if op in ("||", "&&"):
        return "&"
    return "o"


def fingerprint(tokens: list[Token]) -> str:
    """Type letters, with ``order by``/``group by`` folded into ``B`` and ``union all`` into ``U``."""
    out: list[str] = []
    prev: Token | None = None
    for tok in tokens:
        if prev is not None and tok.text == "by" and prev.text in ("order", "group", "partition"):
            out[-1] = "B"
        elif prev is not None and tok.text in ("all", "distinct", "distinctrow") and prev.kind == "U":
            pass
        elif tok.kind == "k" and tok.text == "having":
            out.append("B")
        else:
            out.append(tok.kind)
        prev = tok
    return "".join(out)


# -- the decision ---------------------------------------------------------------------------------

# ``S`` is select (the only verb a UNION or a sub-query can start with), ``E`` every other verb.
_STMT = r"(?:S(?:[onvf(]|b[,k]|k[bo(])|E(?:$|c|;|o|k[bn]|b[snv(,;c.]|bk[b(]|b$|v|n|\(|f\())"
# An operand followed by something that makes it an expression, a call, a sub-query or a variable.
_EXPR = rf"(?:o*\(*o*(?:(?:[nsvb]\)*o+)*[nsvb]\)*o*(?:=|o+\(*(?:f\(|[nsvb]\)*=))|[nsv]\)*c|f\(|{_STMT}|v)|\(+[nsvb])"
_ANYWHERE = lazy(rf"U\(*S|[=o,&]\(+S$|&o*\(*n\)*(?:on)*=o*\(*n|B\(+[nvs]\)*[&=o]|\)+S[nvf(o]|;(?:{_STMT}|E[kXc;]|Eb$|kv|k{{1,2}}E)|[=o,&n]\(+S(?:[onvf(]|b[,ok])|Bn(?:\)*c|\)*$|,n|=n)|B[nb]c")
_AFTER_BREAKOUT = lazy(
    rf"^\)*(?:&{_EXPR}|;(?:c|$|k{{0,2}}(?:{_STMT}|E))|B[nbf]|{_STMT}|c|\(+S|[=o](?:\(*(?:f\(|v|[ES]|\())"
    rf"|,\(*(?:f\(|[ES]|v)|f\([^)]{{0,20}}\)+[=o&c]|E[bkvn,=o(]{{0,12}}(?:;|c$)|;[^;]{{0,10}}(?:[ES]|c$))"
)
# A comment between a logic operator / keyword and what follows: ``or/**/1``, ``union#\nselect``.
_COMMENT_AS_SPACE = lazy(r"[&USEB]c+[nsvfbkUSE(&]|[nsv)]c+[&USEB]|[bf]c+\(")
_LOGIC_AFTER_BREAKOUT = lazy(r"^\)*&o*\(*[nsvbf(]")
_SYMBOL_COMPARE = lazy(r"^\)*=+o*[nsv]")
_NUMERIC_START = lazy(
    rf"^(?:o?n(?:on)*|\)+|o?v)\)*(?:&{_EXPR}|;{_STMT}|B[nbf]|c$|U)|^&{_EXPR}|^&[nv]c?$|^o?E(?:v|k[bnf]|b[(.v]|;)|^o?n\)*{_STMT}|^[nvb]\)+k[bkn]|^[nvb]\)+(?:&{_EXPR}|c$|;)"
    rf"|^o?n=n&|^\)+c$|^Bn(?:$|c|,|=)|^b(?:on)?&o*\(*o*[nv]\)*o*=|^\)+kbk"
)
_STATEMENT = lazy(r"^\(*Sv|^\(*S[^;k]{0,40}k[^;]{0,40}=[nsvbf(]|^\(*S[^;]{0,30}B[nbf]|^\(*S[^k]{0,30}?[fnvo][^k]{0,30}k[bf(]|^\(*S\(|^\(*Sf\(|^S[bo,]{1,6}k[b]{1,3};")
# Nothing but SQL: operands, operators, calls, parentheses (and a trailing comment).
_ALL_SQL = lazy(r"^[nsvfSo&=(),;kU.]{3,}c?$")


@dataclass(frozen=True)
class SqlMatch:
    """Why the tokenizer judged a value to be SQL injection."""

    context: str
    fingerprint: str
    reason: str


def _strong_token(tokens: list[Token]) -> str | None:
    tok_texts = {tok.text for tok in tokens}
    for tok in tokens:
        if tok.kind == "f" and tok.text in STRONG_FUNCTIONS:
            return f"function {tok.text}()"
        if tok.kind in ("b", "k", "f") and (tok.text in STRONG_OBJECTS or tok.text.split(".")[0] in STRONG_OBJECTS):
            return f"system object {tok.text}"
        if tok.kind == "v" and tok.text.startswith("@@") and len(tok.text) > 3:
            return f"system variable {tok.text}"
        if tok.kind == "E" and tok.text == "waitfor" and "delay" in tok_texts:
            return "waitfor"
    if "case" in tok_texts and "when" in tok_texts and "then" in tok_texts:
        return "case when ... then expression"
    if sum(1 for tok in tokens if tok.kind == "f" and tok.text in DANGEROUS) >= 2 \
            and sum(1 for tok in tokens if tok.kind == "(") >= 2:
        return "nested SQL function calls"
    return None


def detect(text: str) -> SqlMatch | None:
    """The first reason ``text`` (decoded, lower-cased) reads as SQL injection, or None."""
    found = _detect(text)
    if found is None and _GLUED.search(text) is not None:
        found = _detect(_GLUED.sub(r" \1 ", text))  # 1or1=1: MySQL splits digits from keywords
    return found


def _detect(text: str) -> SqlMatch | None:
    contexts = [""]
    if "'" in text:
        contexts.append("'")
    if '"' in text:
        contexts.append('"')
    for quote in contexts:
        tokens = tokenize(text, quote)
        if quote and (len(tokens) < 2 or len(tokens[0].text) >= len(text)):
            continue
        fp = _DOTTED.sub("b", fingerprint(tokens))
        if "c" in fp[:-1] and _COMMENT_AS_SPACE.search(fp):
            return SqlMatch(quote, fp, "comment used as whitespace between SQL tokens")
        if "c" in fp[:-1]:
            fp = fp[:-1].replace("c", "") + fp[-1]
        strong = _strong_token(tokens)
        if strong is not None and (quote or "(" in fp or "k" in fp or "&" in fp or "E" in fp or "S" in fp
                                   or strong.startswith(("system variable", "case", "nested"))):
            return SqlMatch(quote, fp, strong)
        found = _ANYWHERE.search(fp)
        if found is None and "=" in fp:
            tautology = _tautology(tokens)
            if tautology is not None:
                return SqlMatch(quote, fp, tautology)
        if found is None and _ALL_SQL.match(fp) and (any(c in fp for c in "&=S") or fp.endswith("c") and len(fp) >= 4) \
                and any(c in fp for c in "fv("):
            return SqlMatch(quote, fp, "SQL expression")
        if found is not None:
            return SqlMatch(quote, fp, f"shape {found.group()}")
        if quote:
            rest = fp[1:]
            found = _AFTER_BREAKOUT.search(rest)
            if found is None and _LOGIC_AFTER_BREAKOUT.match(rest) and len(rest) <= 9 \
                    and any(c in rest[2:] for c in "on;c=(fvs") and len(tokens[0].text.strip().split()) <= 1:
                return SqlMatch(quote, fp, "break-out into a boolean condition")
            if found is None and _valid_tail(tokens, quote):
                return SqlMatch(quote, fp, "break-out into an expression")
            if found is None and _SYMBOL_COMPARE.match(rest):
                op = next(t for t in tokens[1:] if t.kind in "=o")
                if not op.text.isalpha():
                    found = _SYMBOL_COMPARE.match(rest)
            if found is not None and _plausible_breakout(tokens, rest):
                return SqlMatch(quote, fp, f"break-out {found.group()}")
        else:
            found = _NUMERIC_START.search(fp) or _STATEMENT.search(fp)
            if found is not None and found.group().endswith("c") and not _plain_comment_tail(tokens):
                found = None
            if found is not None:
                return SqlMatch(quote, fp, f"start {found.group()}")
    return None


def _plausible_breakout(tokens: list[Token], rest: str) -> bool:
    """Reject break-outs that read as English: a quoted phrase followed by a comment-like text,
    or a sentence that quotes a statement word (``He said: "drop it"``)."""
    words = tokens[0].text.split()
    if len(words) >= 2 and rest.lstrip(")")[:1] in ("E", "S", "k", "B") and len(rest) <= 4:
        return False
    if rest.startswith("c") or rest.startswith(")c") and rest.strip(")") == "c":
        head = tokens[0].text
        comment = next(t.text for t in tokens if t.kind == "c")
        body = comment.lstrip("-#/*").rstrip("*/").strip()
        if any(ch.isspace() for ch in head.strip()) or len(head) > 40:
            return False
        if sum(ch.isalpha() for ch in body) > 2:
            return False
    return True


def _plain_comment_tail(tokens: list[Token]) -> bool:
    """``1--`` or ``1) #``: a numeric value cut short by a comment with (almost) nothing in it."""
    first = tokens[0]
    if first.kind == "n" and not first.text[:1].isdigit() and first.text[:1] != ".":
        return False
    body = tokens[-1].text.lstrip("-#/*").rstrip("*/").strip()
    return sum(ch.isalpha() for ch in body) <= 2


def _tautology(tokens: list[Token]) -> str | None:
    """``or 1=1``, ``and 'a'='a'``, ``or x=x``: a logic operator then a comparison of equal operands."""
    for i in range(len(tokens) - 3):
        logic, left, op, right = tokens[i: i + 4]
        if (logic.kind == "&" or logic.text in ("where", "having", "when")) and op.kind == "=" \
                and op.text in ("=", "<=>", "like", "is", ">=", "<=") \
                and left.kind in "nsbv" and left.kind == right.kind and left.text.strip("'\"") == right.text.strip("'\""):
            return f"tautology {left.text}{op.text}{right.text}"
    return None


_OPERANDS = frozenset("nsvbk")


def _valid_tail(tokens: list[Token], quote: str) -> bool:
    """After a closed string: operator, expression, and an end the application's quote completes.

    ``aa' / current_date != '1`` reads as string, operator, operand, comparison, and a string the
    application's own closing quote terminates: valid SQL that changes the query. English with an
    apostrophe rarely alternates operators and operands like this and ends in a short open string.
    """
    if len(tokens[0].text.strip().split()) > 1:
        return False  # the closed string is a phrase, not a value an attacker pads
    rest = tokens[1:]
    while rest and rest[0].kind == ")":
        rest = rest[1:]
    if len(rest) == 2 and rest[0].kind in "=o&" and rest[1].kind == "s" and 1 <= len(tokens[0].text.strip()) <= 2 \
            and rest[1].text.startswith(quote) and len(rest[1].text.strip(quote + " ")) <= 2 \
            and not (len(rest[1].text.rstrip()) > 1 and rest[1].text.rstrip().endswith(quote)):
        return True  # A '+' B, a 'xor' b: two short operands around an operator
    if len(rest) < 2 or rest[0].kind not in "=o&":
        return False
    last = rest[-1]
    if last.kind == "c":
        body = last.text.lstrip("-#/*").rstrip("*/").strip()
        if sum(ch.isalpha() for ch in body) > 2:
            return False
        rest = rest[:-1]
    elif last.kind == ";":
        rest = rest[:-1]
    elif last.kind == "s":
        open_text = last.text.rstrip()
        if not open_text.startswith(quote) or (len(open_text) > 1 and open_text.endswith(quote)):
            return False  # closed by the payload itself, or opened by the other quote
        if len(open_text) > 5 or " " in open_text:
            return False
    else:
        return False
    previous = ""
    for tok in rest:
        kind = tok.kind
        if kind not in "=o&nsvbkf(),":
            return False
        if kind in _OPERANDS and previous in _OPERANDS:
            return False
        previous = kind
    return any(tok.kind in "=&" for tok in rest) or rest[0].kind == "o" and len(rest) >= 2
