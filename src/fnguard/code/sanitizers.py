"""What makes event data safe, as tables: converting calls, escaping calls and guards.

Correct code must not be flagged, so the analysis recognises the ways people really clean
input: converting it to a number or a UUID, quoting it for the shell, reducing a path to its
base name, and validating it with a full-match regex or an allow-list before going on. A
sanitiser clears only the kinds of sink it protects against: ``shlex.quote`` makes a value safe
in a command, not in a path.
"""

from __future__ import annotations

ALL_KINDS = frozenset({"command", "code", "sql", "nosql", "path", "ssrf", "deserialization", "yaml",
                       "xxe", "template", "redirect", "header", "log"})

CLEAN_CALLS = frozenset({
    # conversions whose result cannot carry a payload
    "int", "float", "bool", "complex", "len", "hash", "id", "ord", "abs", "round", "isinstance",
    "issubclass", "callable", "type", "decimal.Decimal", "uuid.UUID", "uuid.uuid4", "uuid.uuid1",
    "datetime.datetime.fromtimestamp", "datetime.datetime.utcfromtimestamp", "datetime.date.fromisoformat",
    "datetime.datetime.fromisoformat", "datetime.datetime.strptime", "time.time", "math.floor", "math.ceil",
    "hmac.compare_digest", "hmac.new", "secrets.compare_digest", "ipaddress.ip_address",
    "ipaddress.ip_network", "os.path.exists", "os.path.isfile", "os.path.isdir", "os.getenv",
    "os.environ.get", "sum", "any", "all",
    # output returns nothing
    "print",
})
"""Qualified callees whose result is clean whatever their arguments."""

CLEAN_PREFIXES = ("hashlib.", "random.", "secrets.token_", "uuid.", "time.", "math.", "logging.",
                  "aws_lambda_powertools.Logger", "aws_lambda_powertools.Metrics",
                  # DynamoDB condition builders bind values as parameters, never as expression text
                  "boto3.dynamodb.conditions.")

CLEAN_METHODS = frozenset({
    "isdigit", "isnumeric", "isdecimal", "isalpha", "isalnum", "isidentifier", "isspace", "islower",
    "isupper", "istitle", "isascii", "startswith", "endswith", "count", "find", "rfind", "index",
    "rindex", "hexdigest", "digest", "__len__", "total_seconds", "timestamp", "is_file", "is_dir",
    "exists", "close", "commit", "rollback",
    # Logger methods return None
    "debug", "info", "warning", "error", "exception", "critical",
})
"""Methods whose result is a bool, an int or a digest, whatever the receiver."""

STORE_READ_METHODS = frozenset({"get_item", "batch_get_item", "query", "scan", "fetchone", "fetchall",
                                "fetchmany", "find_one"})
"""Reads of a database by an event-chosen key: the record may hold what an attacker stored earlier
(second-order injection), so the result is tainted as *stored*, reported a step lower."""

CLEAN_RESULT_METHODS = frozenset({
    "get_parameter", "get_parameters", "get_parameters_by_path", "get_secret_value", "get_caller_identity", "put_item", "update_item", "delete_item", "send_message",
    "send_message_batch", "publish", "put_object", "put_events", "start_execution", "invoke",
    "head_object", "get_object_attributes", "create_multipart_upload", "upload_part",
    "complete_multipart_upload", "list_objects", "list_objects_v2", "describe_table", "put_record",
    "put_records", "send_email", "send_raw_email", "upload_file", "upload_fileobj", "download_file",
    "paginate", "get_paginator",
})
"""Calls that answer with our own configuration or an acknowledgement, not the caller's bytes.
``get_object``/``Object().get()`` are not here: their body is whatever the caller uploaded."""

PARTIAL_SANITIZERS: dict[str, frozenset[str]] = {
    "shlex.quote": frozenset({"command"}),
    "pipes.quote": frozenset({"command"}),
    "os.path.basename": frozenset({"path"}),
    "ntpath.basename": frozenset({"path"}),
    "posixpath.basename": frozenset({"path"}),
    "werkzeug.utils.secure_filename": frozenset({"path", "command"}),
    "html.escape": frozenset({"template", "header", "log"}),
    "markupsafe.escape": frozenset({"template"}),
    "bleach.clean": frozenset({"template"}),
    "psycopg2.sql.Identifier": frozenset({"sql"}),
    "psycopg2.sql.Literal": frozenset({"sql"}),
    "psycopg.sql.Identifier": frozenset({"sql"}),
    "psycopg.sql.Literal": frozenset({"sql"}),
    "pymysql.converters.escape_string": frozenset({"sql"}),
    "urllib.parse.quote": frozenset({"header", "log", "command"}),
    "urllib.parse.quote_plus": frozenset({"header", "log", "command", "path"}),
    "re.escape": frozenset(),
    "json.dumps": frozenset({"log", "header"}),
    "defusedxml.ElementTree.fromstring": ALL_KINDS,
}
"""Qualified callee → kinds of sink its result is safe for."""

AWS_BODY_METHODS = frozenset({"get_object", "get", "download_fileobj", "select_object_content", "read",
                              "get_object_torrent", "receive_message", "get_records"})
"""Calls on boto3 clients/resources whose answer carries bytes a caller may have put there."""

ARGUMENT_PROPAGATION: dict[str, tuple[int | str, ...]] = {
    "urllib.request.Request": (0, "url"),
    "urllib2.Request": (0, "url"),
    "requests.Request": (1, "url"),
}
"""Constructors whose result carries the taint of some arguments only: a ``Request`` built
with event data in its body is not a request to an event-chosen URL."""

PATH_SEPARATOR_LITERALS = ("/", "..", "\\")
NEWLINE_LITERALS = ("\n", "\r")

VALIDATOR_CALLS = frozenset({"re.fullmatch", "regex.fullmatch"})
"""Calls that, used as a condition, prove the argument matches a whole pattern."""
ANCHORABLE_CALLS = frozenset({"re.match", "re.search", "regex.match", "regex.search"})
"""Calls that validate only when the pattern is anchored (``^...$`` / ``\\Z``)."""
VALIDATOR_METHODS = frozenset({"isdigit", "isnumeric", "isdecimal", "isalpha", "isalnum", "isidentifier",
                               "fullmatch"})
"""Methods of the value (or of a compiled pattern, for ``fullmatch``) that validate it."""
REALPATH_CALLS = frozenset({"os.path.realpath", "os.path.abspath", "os.path.normpath"})
SAFE_TYPES = frozenset({"int", "float", "bool", "uuid.UUID", "UUID", "decimal.Decimal", "datetime.date",
                        "datetime.datetime"})
"""Annotations of route parameters that frameworks convert before the handler sees them."""


def is_anchored(pattern: str) -> bool:
    """A regex that must match the whole string: validation, not a search."""
    return pattern.startswith(("^", "\\A")) and pattern.endswith(("$", "\\Z", "\\z"))
