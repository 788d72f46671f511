"""SQL injection: the tokenising detector (:mod:`fnguard.guard.waf.sqli`) first, then keyword
rules for calls and objects that only an attack touches (sleep, benchmark, into outfile...)."""

from __future__ import annotations

from fnguard.guard.waf.forms import Forms
from fnguard.guard.waf.rules.base import ClassRules, Rule, lazy, rx
from fnguard.guard.waf.sqli import STRONG_FUNCTIONS, STRONG_OBJECTS, detect

_SQL_PUNCTUATION = lazy(r"[()=;,'\"`#@|&<>*+/%!-]")
_SQL_WORDS = frozenset((
    "union", "select", "from", "where", "or", "and", "xor", "not", "order", "group", "by", "having", "insert", "into",
    "values", "update", "set", "delete", "drop", "table", "exec", "execute", "waitfor", "delay", "like", "case",
    "when", "then", "else", "end", "null", "limit", "offset", "sleep", "benchmark", "declare", "truncate", "shutdown",
))
_WORDS = lazy(r"[a-z_]+")
_LEADING = frozenset(("or", "and", "xor", "having", "union", "select", "exec", "execute", "waitfor", "declare"))
_STRONG = STRONG_OBJECTS | STRONG_FUNCTIONS


def _worth_tokenizing(text: str) -> bool:
    """Plain prose ("Hello from Lambda!") is not tokenized: an injection needs SQL punctuation or at
    least two SQL words (``1 union select 1``)."""
    if _SQL_PUNCTUATION.search(text) is not None:
        return True
    words = _WORDS.findall(text)
    if words and words[0] in _LEADING:
        return True  # "or true", "and 1": a condition appended to a number
    found = set(words)
    return len(_SQL_WORDS.intersection(found)) >= 2 or not found.isdisjoint(_STRONG)


def _tokenizer(forms: Forms) -> str | None:
    text = forms.get("text")
    if not _worth_tokenizing(text):
        return None
    found = detect(text)
    if found is None and "+" in text and " " not in text.strip():
        found = detect(text.replace("+", " "))  # form and query encodings use + for a space
    if found is None and "\\'" in text:
        found = detect(text.replace("\\'", "'"))  # \' left by an escaping layer the attacker works around
    if found is None:
        return None
    # The whole value is the evidence (a shape, not a substring); the reason is in found.reason.
    return forms.decoded[:200]


RULES = ClassRules(
    "sqli",
    None,
    (
        Rule("FGW-SQLI-101", "sqli", "critical", 1,
             "SQL injection shape found by the tokenizer (break-out, tautology, UNION, stacked query)",
             check=_tokenizer),
        Rule("FGW-SQLI-102", "sqli", "critical", 1, "UNION SELECT",
             pattern=rx(r"\bunion(?:\s+(?:all|distinct))?\s*\(?\s*select\b"), forms=("sql",)),
        Rule("FGW-SQLI-103", "sqli", "critical", 1, "time-based blind injection (sleep, benchmark, pg_sleep, waitfor delay)",
             pattern=rx(r"\b(?:sleep|pg_sleep|benchmark|dbms_lock\.sleep|randomblob)\s*\(\s*\d|\bwaitfor\s+(?:delay|time)\s+'"),
             forms=("sql",)),
        Rule("FGW-SQLI-105", "sqli", "high", 1, "PostgreSQL cast or JSON operator on injected expression (::int, ::jsonb)",
             pattern=rx(r"(?:[\w')\]]|^)::(?:int[248]?|integer|bigint|smallint|text|varchar|char|json|jsonb|regclass|oid|bool|boolean|numeric|bytea)\b"),
             forms=("sql",), needs=("::",)),
        Rule("FGW-SQLI-106", "sqli", "high", 1, "SQL comment used to split or space out keywords (UN/**/ION, SELECT/**/x)",
             pattern=rx(r"\b(?:select|union|from|where|and|or|drop|insert|update|delete|order|group|having|limit|into|values|exec|declare)\s*/\*.{0,60}?\*/\s*[a-z0-9@(`'\"]|[a-z0-9)'\"`]\s*/\*.{0,60}?\*/\s*(?:select|union|from|where|and|or|drop|insert|update|delete|order|group|having|limit|into|values|exec)\b|[a-z]/\*\*/[a-z]"),
             forms=("text",), needs=("/*",)),
        Rule("FGW-SQLI-107", "sqli", "medium", 1, "value that is a SQL IN (...) list or a FROM ... GROUP BY tail",
             pattern=rx(r"^\s*(?:not\s+)?in\s*\(\s*(?:-?[\d.]+|'[^']{0,40}')\s*,|^\s*from\s+[`\"\w.]{1,60}\s+(?:group|order)\s+by\b"),
             forms=("sql",), needs=("in (", "in(", "from")),
        Rule("FGW-SQLI-108", "sqli", "medium", 1, "value that is an EXEC of a bare procedure name or an AS alias FROM tail",
             pattern=rx(r"^\s*exec(?:ute)?\s+[a-z_][a-z0-9_.]{1,60}\s*;?\s*$|(?:^|[)`\"\]])\s*as\s+[`\"\[][\w ]{1,60}[`\"\]]\s+from\b|\)\s*as\s+\w{1,60}\s+from\b"),
             forms=("sql",), needs=("exec", "execute", ") as", "` as", '" as', "] as", ")as", "`as")),
        Rule("FGW-SQLI-104", "sqli", "critical", 1, "file read/write through SQL (into outfile, load_file)",
             pattern=rx(r"\binto\s+(?:out|dump)file\s+['\"]|\bload_file\s*\("), forms=("sql",)),
    ),
    needs=("'", '"', '`', ';', '#', '--', '/*', '||', '&&', '@@', ' or ', ' and ', ' xor ', '\tor', '\nor', ')or', 'or(',
           '\tand', '\nand', ')and', 'and(', 'union', 'select', 'having', 'order by', 'group by', 'exec', 'execute', 'pg_sleep', 'drop',
           'insert', 'delete', 'update', 'waitfor', 'sleep', 'benchmark', 'like', 'into', 'declare', 'shutdown',
           'truncate', '::', 'grant', 'revoke', 'from', 'where', 'case', 'in (', 'in(',
           'ascii', 'substring', 'substr', 'concat', 'group_concat', 'concat_ws', 'unhex', 'chr', 'char_length', 'md5',
           'extractvalue', 'updatexml', 'information_schema', 'sysobjects', 'syscolumns', 'sysdatabases', 'pg_catalog',
           'sqlite_master', 'xp_cmdshell', 'load_file', 'outfile', 'dumpfile', 'randomblob', 'utl_inaddr', 'dbms_pipe',
           'json_extract', 'json_keys', 'name_const', 'current_user', 'system_user',
           'xor', '1or', 'or1', '1and', 'and1'),
)
