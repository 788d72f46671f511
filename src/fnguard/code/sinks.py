"""Dangerous calls, one row each, grouped by the kind of harm they do.

A row names the callee (its qualified name through imports, ``Type.method`` for an object
whose constructor we saw, or ``.method`` for any receiver), the arguments that must not carry
attacker data, and a condition (``shell``: only with ``shell=True`` or ``sh -c``). Adding a sink
is adding a row; :data:`KINDS` says which rule each kind reports under.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """A kind of sink: the rule it reports under and what that rule says."""

    name: str
    rule: str
    cwe: str
    severity: str
    """Severity when the source is public; lower exposure lowers it (see analyze.code)."""
    title: str
    remediation: str


KINDS = {k.name: k for k in (
    Kind("command", "FG401", "CWE-78", "critical", "OS command injection",
         "Do not build shell commands from event data: pass an argument list without shell=True, "
         "or quote each value with shlex.quote after validating it against an allow-list."),
    Kind("code", "FG402", "CWE-94", "critical", "code injection",
         "Never eval/exec/compile or import names taken from the event; map allowed values to code."),
    Kind("sql", "FG403", "CWE-89", "high", "SQL injection",
         "Use parameterised queries (cursor.execute(sql, params), SQLAlchemy bound parameters, "
         "PartiQL Parameters) instead of building the statement from event data."),
    Kind("nosql", "FG404", "CWE-943", "high", "NoSQL injection",
         "Do not let the event choose tables, operators or query keys; build filters from constant "
         "keys and validated scalar values."),
    Kind("path", "FG405", "CWE-22", "high", "path traversal",
         "Reduce event-supplied names with os.path.basename (or a strict regex) and check that the "
         "realpath of the result stays under the intended directory."),
    Kind("ssrf", "FG406", "CWE-918", "high", "server-side request forgery",
         "Do not fetch URLs or hosts taken from the event; allow-list the hosts, or fix the host "
         "and pass event data only as validated parameters."),
    Kind("deserialization", "FG407", "CWE-502", "critical", "unsafe deserialization of event data",
         "Parse event data with json or yaml.safe_load; never pickle, marshal, dill or jsonpickle."),
    Kind("yaml", "FG408", "CWE-502", "high", "yaml.load with an unsafe loader",
         "Use yaml.safe_load (or Loader=yaml.SafeLoader): the default and Full/Unsafe loaders build "
         "arbitrary Python objects."),
    Kind("xxe", "FG409", "CWE-611", "high", "XML external entity expansion",
         "Parse untrusted XML with defusedxml, or an lxml XMLParser(resolve_entities=False, "
         "no_network=True)."),
    Kind("template", "FG410", "CWE-1336", "high", "server-side template injection",
         "Load templates from files you ship and pass event data only as render() variables."),
    Kind("redirect", "FG411", "CWE-601", "medium", "open redirect",
         "Redirect only to relative paths or to hosts on an allow-list."),
    Kind("header", "FG412", "CWE-113", "medium", "HTTP response header injection",
         "Validate header values taken from the event (no CR/LF), or leave them out of headers."),
    Kind("log", "FG413", "CWE-117", "low", "log injection",
         "Log event data through logging/Powertools Logger (one record per event) or json.dumps it; "
         "print() of a raw string lets CR/LF forge log lines."),
)}


@dataclass(frozen=True)
class Sink:
    """One dangerous callee."""

    name: str
    """Qualified callee (``os.system``), ``Type.method`` or ``.method`` for any receiver."""
    kind: str
    args: tuple[int | str, ...] = (0,)
    """Dangerous arguments: positions, keyword names, ``self`` (the receiver: a ``Path`` built
    from event data) or ``Params.Bucket`` (a key of a dict literal passed as ``Params``)."""
    when: str = ""
    """Extra condition: ``shell`` (shell=True or an ``sh -c`` argv), ``obj`` (only values that
    can be objects, i.e. carry query operators), ``yaml`` (unsafe loader), ``lxml`` (no safe
    parser), ``formatted`` (the argument is built by formatting)."""
    note: str = ""


_SUBPROCESS = ("subprocess.Popen", "subprocess.run", "subprocess.call", "subprocess.check_call",
               "subprocess.check_output")
_REQUESTS_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")

SINKS: tuple[Sink, ...] = (
    # -- OS command ------------------------------------------------------------------------------
    Sink("os.system", "command"),
    Sink("os.popen", "command"),
    Sink("os.popen2", "command"),
    Sink("commands.getoutput", "command"),
    Sink("subprocess.getoutput", "command"),
    Sink("subprocess.getstatusoutput", "command"),
    Sink("asyncio.create_subprocess_shell", "command"),
    Sink("pty.spawn", "command"),
    *(Sink(name, "command", (0, "args"), "shell") for name in _SUBPROCESS),
    # -- code ------------------------------------------------------------------------------------
    Sink("eval", "code"),
    Sink("exec", "code"),
    Sink("compile", "code"),
    Sink("__import__", "code"),
    Sink("importlib.import_module", "code"),
    # -- SQL (DB-API cursors and connections, SQLAlchemy, PartiQL) ---------------------------------
    Sink(".execute", "sql", (0, "sql", "query", "operation", "statement")),
    Sink(".executemany", "sql", (0,)),
    Sink(".executescript", "sql", (0,)),
    Sink(".mogrify", "sql", (0,)),
    Sink("sqlalchemy.text", "sql"),
    Sink("sqlalchemy.sql.text", "sql"),
    Sink("sqlalchemy.sql.expression.text", "sql"),
    Sink("pandas.read_sql", "sql"),
    Sink("pandas.read_sql_query", "sql"),
    Sink(".execute_statement", "sql", ("Statement",)),
    Sink(".batch_execute_statement", "sql", ("Statements",)),
    Sink(".execute_transaction", "sql", ("TransactStatements",)),
    Sink(".execute_sql", "sql", ("sql", "Sql")),  # RDS Data API
    # -- NoSQL -----------------------------------------------------------------------------------
    Sink(".scan", "nosql", ("TableName", "IndexName", "FilterExpression", "ProjectionExpression")),
    Sink(".query", "nosql", ("TableName", "IndexName", "FilterExpression", "KeyConditionExpression",
                             "ProjectionExpression")),
    Sink(".scan", "nosql", ("ScanFilter", "ExpressionAttributeNames"), "obj"),
    Sink(".query", "nosql", ("KeyConditions", "QueryFilter", "ExpressionAttributeNames"), "obj"),
    *(Sink(f".{method}", "nosql", (0, "filter"), "obj") for method in (
        "find", "find_one", "find_one_and_update", "find_one_and_delete", "find_one_and_replace",
        "delete_one", "delete_many", "update_one", "update_many", "replace_one", "count_documents",
        "aggregate")),
    # -- path ------------------------------------------------------------------------------------
    Sink("open", "path", (0, "file")),
    Sink("io.open", "path", (0, "file")),
    Sink("codecs.open", "path", (0, "filename")),
    Sink("os.open", "path", (0, "path")),
    Sink("os.remove", "path"),
    Sink("os.unlink", "path"),
    Sink("os.rmdir", "path"),
    Sink("os.rename", "path", (0, 1)),
    Sink("os.replace", "path", (0, 1)),
    Sink("os.makedirs", "path"),
    Sink("os.listdir", "path"),
    Sink("shutil.copy", "path", (0, 1)),
    Sink("shutil.copyfile", "path", (0, 1)),
    Sink("shutil.copy2", "path", (0, 1)),
    Sink("shutil.move", "path", (0, 1)),
    Sink("shutil.rmtree", "path"),
    Sink("shutil.copytree", "path", (0, 1)),
    Sink("shutil.unpack_archive", "path", (0, 1, "extract_dir")),
    Sink("zipfile.ZipFile", "path", (0, "file")),
    Sink("tarfile.open", "path", (0, "name")),
    Sink(".extractall", "path", ("self", "path", 0, "members"), note="archive members may hold ../ paths"),
    Sink(".extract", "path", ("path", 1)),
    Sink("flask.send_file", "path"),
    Sink("send_file", "path"),
    *(Sink(f"pathlib.Path.{m}", "path", ("self",)) for m in (
        "open", "read_text", "read_bytes", "write_text", "write_bytes", "unlink", "mkdir", "rmdir",
        "rename", "touch")),
    # -- SSRF ------------------------------------------------------------------------------------
    *(Sink(f"requests.{verb}", "ssrf", (0, "url")) for verb in _REQUESTS_VERBS),
    Sink("requests.request", "ssrf", (1, "url")),
    *(Sink(f"requests.Session.{verb}", "ssrf", (0, "url")) for verb in _REQUESTS_VERBS),
    *(Sink(f"requests.session.{verb}", "ssrf", (0, "url")) for verb in _REQUESTS_VERBS),
    *(Sink(f"httpx.{verb}", "ssrf", (0, "url")) for verb in _REQUESTS_VERBS),
    *(Sink(f"httpx.Client.{verb}", "ssrf", (0, "url")) for verb in _REQUESTS_VERBS),
    *(Sink(f"httpx.AsyncClient.{verb}", "ssrf", (0, "url")) for verb in _REQUESTS_VERBS),
    Sink("httpx.request", "ssrf", (1, "url")),
    Sink("urllib.request.urlopen", "ssrf", (0, "url")),
    Sink("urllib.request.urlretrieve", "ssrf", (0, "url")),
    Sink("urllib.urlopen", "ssrf", (0,)),
    Sink("urllib2.urlopen", "ssrf", (0,)),
    Sink("urllib3.PoolManager.request", "ssrf", (1, "url")),
    Sink("urllib3.PoolManager.urlopen", "ssrf", (1, "url")),
    Sink("urllib3.request", "ssrf", (1, "url")),
    Sink("http.client.HTTPConnection", "ssrf", (0, "host")),
    Sink("http.client.HTTPSConnection", "ssrf", (0, "host")),
    Sink("aiohttp.ClientSession.get", "ssrf", (0, "url")),
    Sink("aiohttp.ClientSession.post", "ssrf", (0, "url")),
    Sink(".generate_presigned_url", "ssrf", ("Params.Bucket",), note="presigned URL for a caller-chosen bucket"),
    Sink(".generate_presigned_post", "ssrf", (0, "Bucket"), note="presigned POST for a caller-chosen bucket"),
    # -- deserialization --------------------------------------------------------------------------
    *(Sink(name, "deserialization") for name in (
        "pickle.loads", "pickle.load", "pickle.Unpickler", "_pickle.loads", "cPickle.loads",
        "cPickle.load", "dill.loads", "dill.load", "jsonpickle.decode", "jsonpickle.loads",
        "marshal.loads", "marshal.load", "shelve.open", "pandas.read_pickle", "joblib.load",
        "yaml.unsafe_load", "yaml.unsafe_load_all")),
    Sink("yaml.load", "deserialization", (0, "stream"), "yaml"),
    Sink("yaml.load_all", "deserialization", (0, "stream"), "yaml"),
    # -- XXE -------------------------------------------------------------------------------------
    *(Sink(name, "xxe", (0,), "lxml") for name in (
        "lxml.etree.fromstring", "lxml.etree.parse", "lxml.etree.XML", "lxml.etree.iterparse",
        "lxml.objectify.fromstring", "lxml.objectify.parse")),
    *(Sink(name, "xxe", (0,), note="external entities depend on the Python runtime (resolved before 3.7.1)")
      for name in ("xml.dom.pulldom.parse", "xml.dom.pulldom.parseString", "xml.sax.parse",
                   "xml.sax.parseString")),
    # -- template --------------------------------------------------------------------------------
    Sink("jinja2.Template", "template", (0, "source")),
    Sink("jinja2.Environment.from_string", "template", (0, "source")),
    Sink(".from_string", "template", (0, "source")),
    Sink("flask.render_template_string", "template", (0, "source")),
    Sink("mako.template.Template", "template", (0, "text")),
    Sink("django.template.Template", "template", (0,)),
    # -- redirects (returned headers are checked apart, see taint._check_response) ---------------
    Sink("flask.redirect", "redirect", (0, "location")),
    Sink("werkzeug.utils.redirect", "redirect", (0, "location")),
    # -- log: in Lambda, stdout is split into one log event per line, so a newline in print()ed
    # event data forges entries; records of the logging module go out as one frame each
    # (awslambdaric's FramedTelemetryLogSink), so they are not sinks here.
    Sink("print", "log", (), "", note="stdout lines become separate CloudWatch log events"),
)

SINKS_BY_NAME: dict[str, tuple[Sink, ...]] = {}
SINKS_BY_METHOD: dict[str, tuple[Sink, ...]] = {}
for _sink in SINKS:
    if _sink.name.startswith("."):
        SINKS_BY_METHOD[_sink.name[1:]] = (*SINKS_BY_METHOD.get(_sink.name[1:], ()), _sink)
    else:
        SINKS_BY_NAME[_sink.name] = (*SINKS_BY_NAME.get(_sink.name, ()), _sink)

SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "/bin/sh", "/bin/bash", "/usr/bin/bash",
                    "/bin/zsh", "/bin/dash", "cmd", "cmd.exe", "powershell", "pwsh"})
SAFE_YAML_LOADERS = frozenset({"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"})

RESPONSE_HEADER_KINDS = {"location": "redirect"}
"""Returned ``headers`` keys with a kind of their own; every other header is ``header``."""


def sinks_for(qualified: str | None, method: str | None) -> tuple[Sink, ...]:
    """Rows that may apply to a call: by qualified name first, else by method name."""
    if qualified and qualified in SINKS_BY_NAME:
        return SINKS_BY_NAME[qualified]
    if method is not None and method in SINKS_BY_METHOD:
        return SINKS_BY_METHOD[method]
    return ()
