"""Code injection into interpreters: Python ``eval``/``__import__`` chains, Node.js
``require('child_process')``, PHP functions and tags, Java reflection, Ruby/Perl exec."""

from __future__ import annotations

import re

from fnguard.guard.waf.forms import Forms
from fnguard.guard.waf.rules.base import ClassRules, Rule, lazy, rx

_PHP_FUNCS = (
    "system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec|eval|assert|create_function|"
    "call_user_func|call_user_func_array|preg_replace|include|include_once|require|require_once|"
    "file_get_contents|file_put_contents|fopen|fwrite|fputs|readfile|show_source|highlight_file|phpinfo|"
    "base64_decode|gzinflate|str_rot13|unserialize|fsockopen|curl_exec|chmod|mail|putenv|ini_set|"
    "array_map|usort|ob_start|mb_ereg_replace|dl|symlink|unlink|move_uploaded_file|get_defined_vars|"
    "scandir|glob|posix_getpwuid|getenv|var_dump|print_r|ldap_get_entries|fputcsv|stream_get_contents"
)

_PHP_CONCAT = lazy(r"[\"']\s*\.\s*[\"']")
_PHP_DYNAMIC = lazy(
    r"(?:[\"'](?:system|exec|passthru|shell_exec|popen|proc_open|assert|eval|phpinfo|pcntl_exec|create_function|call_user_func)\s*[\"']\s*\)?"
    r"|\(\s*(?:/\*.{0,40}?\*/\s*)?(?:system|exec|passthru|shell_exec|popen|assert|phpinfo|\$[a-z_][a-z0-9_]{0,20})\s*(?:/\*.{0,40}?\*/\s*)?\))"
    r"\s*\(|\$\s+\{\s*[\"'$]?[a-z_]|\$\{\s*[\"'$]|\$[a-z_][a-z0-9_]{0,20}(?:\s*(?:/\*.{0,40}?\*/\s*)?\[[^\]]{1,20}\]){1,3}\s*(?:/\*.{0,40}?\*/\s*)?\("
    r"|(?:call_user_func(?:_array)?|p?fsockopen|gzinflate|gzuncompress|shell_exec|passthru|proc_open|pcntl_exec|base64_decode|str_rot13|create_function|assert_options)\s*\("
    r"|\b(?:exec|system|passthru|eval|assert|popen)\s*(?:#[^\n]{0,40}\n|//[^\n]{0,40}\n|/\*.{0,40}?\*/|\s)+\("
    r"|\bprocess\s*\[|\bcompress\.(?:zlib|bzip2)://|\bextension(?:_dir)?\s*=|\)\s*(?:\[\d{1,3}\]\s*){1,3}\("
    r"|(?:^|[^a-z0-9_$>.-])(?:str(?:rev|_[a-z_]{2,20}|ip_tags|tr|tolower|toupper|pos)|array_[a-z_]{2,20}|date_[a-z_]{2,20}|tidy_[a-z_]{2,20}|unpack|hex2bin|bin2hex|serialize|var_export|debug_zval_dump|get_object_vars|method_exists|function_exists|class_exists)\s*\(",
    re.S,
)


def _php_dynamic_call(forms: Forms) -> str | None:
    """``("sys"."tem")('id')``, ``$f['x'](1)``, ``exec #c\n (x)``: calls PHP resolves at run time."""
    text = forms.get("text")
    for candidate in (text, _PHP_CONCAT.sub("", text)) if "." in text else (text,):
        found = _PHP_DYNAMIC.search(candidate)
        if found is not None:
            return candidate[found.start(): found.end() + 30]
    return None


RULES = ClassRules(
    "code_injection",
    None,
    (
        Rule("FGW-CODE-101", "code_injection", "critical", 1, "Python introspection / import chain",
             pattern=rx(r"__(?:import|builtins|subclasses|globals|class|mro|bases|base|getattribute|reduce|code|loader)__|\bimportlib\.import_module\s*\(|\bos\.(?:system|popen|exec[lv]p?e?|spawn[lv]p?e?)\s*\(|\bsubprocess\.(?:popen|call|run|check_output|check_call|getoutput)\s*\(|\bpty\.spawn\s*\("),
             forms=("text",), needs=('__', 'importlib', 'os.', 'subprocess', 'pty.')),
        Rule("FGW-CODE-102", "code_injection", "critical", 1, "Node.js child_process / process access / Function constructor",
             pattern=rx(r"require\s*\(\s*[\"'`](?:child_process|fs|net|vm|os|http)[\"'`]\s*\)|\bprocess\.(?:mainmodule|binding|env|exit|kill|dlopen|openstdin)\b|child_process|\bconstructor\s*\.\s*constructor\s*\(|\bconstructor\s*\(\s*[\"'`]return|\bfunction\s*\(\s*[\"'`]return\b|\bglobal\.process\b|\bthis\.constructor\b"),
             forms=("text",), needs=('require', 'process', 'child_process', 'constructor', 'function')),
        Rule("FGW-CODE-103", "code_injection", "critical", 1, "PHP opening tag followed by code",
             pattern=rx(r"<\?php\b|<\?=|<\?\s+(?:[a-z_]{2,30}\s*\(|\$|echo\b)|<%\s*(?:eval|execute|response\.write)\b"), forms=("text",), needs=('<?', '<%')),
        Rule("FGW-CODE-104", "code_injection", "high", 1, "PHP/Python/JS dangerous function call",
             pattern=rx(rf"(?:^|[^a-z0-9_.$>-])(?:{_PHP_FUNCS})\s*(?:/\*.{{0,40}}?\*/\s*)?\((?![a-z]\s*\))\s*(?:[\"'`$@_a-z0-9\[(\\]|\)|\s*$)"),
             forms=("sql",), needs=('(',)),
        Rule("FGW-CODE-105", "code_injection", "high", 1, "eval-family call with a string or expression argument",
             pattern=rx(r"\b(?:eval|exec|execfile|compile|settimeout|setinterval|function|execsync|spawnsync|execfilesync|fork|spawn|assert|instance_eval|class_eval|module_eval|send|public_send|__send__|open3|syscall|system|popen)\s*\(\s*[\"'`]|\beval\s*\(\s*(?:atob|unescape|decodeuricomponent|string\.fromcharcode|base64|buffer|request|input)\b"),
             forms=("text",), needs=('(',)),
        Rule("FGW-CODE-106", "code_injection", "critical", 1, "Java reflection / runtime exec",
             pattern=rx(r"java\.lang\.(?:runtime|processbuilder|system|class|reflect|thread)|runtime\s*\.\s*getruntime\s*\(|\.getruntime\(\)|new\s+processbuilder|\bclass\.forname\s*\(|\.getmethod\s*\(|\.invoke\s*\(|java\.evil|javax\.script|scriptenginemanager|ognl|@java\.|#_memberaccess|#context\[|\bjava\.io\.|\bjava\.net\.|\bjava\.util\.scanner"),
             forms=("text",), needs=('java', 'runtime', 'console', 'process', 'require', 'module', 'global', 'function', 'engine', 'extension', 'smtp', 'opcache', 'zend', 'session', 'xdebug', 'sendmail_path', 'shell_exec', 'org', '@{[', 'php', '#{', 'while', 'for', 'open', 'eval', 'exec', 'getattr', 'kernel', 'getruntime', 'processbuilder', 'processbuilder', 'forname', 'getmethod', 'invoke', 'ognl', '#_memberaccess', '#context', 'scriptengine')),
        Rule("FGW-CODE-107", "code_injection", "high", 1, "PHP stream wrappers that run or include code",
             pattern=rx(r"\b(?:php://(?:input|filter|fd|stdin|memory|temp)|phar://|expect://|zip://|compress\.zlib://|data:(?:text/plain|application/x-httpd-php)?(?:;base64)?,|ssh2\.(?:shell|exec|tunnel|sftp)://|glob://|ogg://|rar://)"),
             forms=("text",), needs=('://', 'data:')),
        Rule("FGW-CODE-108", "code_injection", "high", 1, "PHP variable functions and superglobals used as code",
             pattern=rx(r"\$_(?:get|post|request|cookie|server|files|env|session|globals)\s*[\[=]|\$\{?\s*[\"'`]?[a-z_]{1,30}[\"'`]?\s*\}?\s*\(\s*\$_|\(\s*[\"'](?:system|exec|passthru|shell_exec|assert|eval)[\"']\s*\)\s*\(|\[\s*[\"']?(?:system|exec|passthru)[\"']?\s*\]\s*\[|\b(?:allow_url_include|auto_prepend_file|auto_append_file|disable_functions|open_basedir|mbstring\.[a-z_]{1,40}|pcre\.[a-z_]{1,40}|safe_mode)\s*="),
             forms=("text",), needs=('$_', '$', '(', '[', '=')),
        Rule("FGW-CODE-109", "code_injection", "high", 1, "Ruby/Perl code execution",
             pattern=rx(r"\bkernel\s*\.\s*[a-z_]{2,20}|\bio\.popen|%x\{|\bopen3\.|\bsyscall\b|\bperl\s+-e\b|\bruby\s+-e\b|\bpython[23]?\s+-c\b|\bnode\s+-e\b|\bobjectspace\b|\.send\s*\(\s*:"),
             forms=("text",), needs=('kernel.', 'io.popen', '%x{', 'open3', 'syscall', ' -e', ' -c', 'objectspace', '.send')),
        Rule("FGW-CODE-110", "code_injection", "medium", 1, "JavaScript infinite loop / CPU burn probe",
             pattern=rx(r"\bwhile\s*\(+\s*(?:!+\s*(?:nan|''|\"\"|``|\[\]|[+-]?0|false|null|undefined)|true|1|-?infinity|!0|new\s+date|[a-z]{0,10}\s*\(\s*\))\s*\)|\bfor\s*\(\s*;\s*;\s*\)"),
             forms=("text",), needs=('while', 'for')),
        Rule("FGW-CODE-112", "code_injection", "high", 1, "Java runtime/IO/reflection class names",
             pattern=rx(r"\bjava\.(?:lang\.(?:runtime|processbuilder|system|class|reflect|classloader|thread)|io\.(?:file|objectinputstream|objectoutputstream|filterreader|filteroutputstream|outputstream|inputstream|printwriter|bufferedreader)|net\.(?:socket|url|serversocket)|util\.(?:scanner|logging\.filehandler)|beans\.|rmi\.|nio\.file)|\b(?:java|runtime|processbuilder)\.[a-z]{0,10}\.?(?:runtime|processbuilder|getruntime|exec)\b|\bjava\.(?:runtime|processbuilder|evil)\b|\borg\.apache\.commons\b|java\.lang\.[\s\S]{0,200}\b(?:processbuilder|runtime)\b|\b(?:processbuilder|runtime)\b[\s\S]{0,200}java\.lang\.|\bjavax\.(?:script|naming|management)\."),
             forms=("text",), needs=("java", "runtime", "processbuilder", "org.apache")),
        Rule("FGW-CODE-113", "code_injection", "high", 1, "Perl/Ruby interpolation and PHP variable functions",
             pattern=rx(r"@\{\[.{1,80}?\]\}|\$[a-z_][a-z0-9_]{0,30}\s*(?:\{[^}]{0,10}\}\s*)?\(\s*[\d'\"$)]|\$\s*\{\s*['\"][^}]{0,60}\}|\[/?\\?php\]|\{/?php\}|#\{[^}]{0,80}(?:system|exec|`|%x|open|eval|require)"),
             forms=("text",), needs=("@{[", "$", "php", "#{")),
        Rule("FGW-CODE-114", "code_injection", "high", 1, "PHP function families called (posix_, proc_, curl_, stream_, file_, fsockopen...)",
             pattern=rx(r"(?:^|[^a-z0-9_$>.-])(?:posix_[a-z_]{2,30}|proc_[a-z_]{2,20}|pcntl_[a-z_]{2,20}|curl_[a-z_]{2,20}|stream_[a-z_]{2,30}|file_[a-z_]{2,20}|ftp_[a-z_]{2,20}|socket_[a-z_]{2,20}|p?fsockopen|call_user_func(?:_array)?|create_function|get_defined_[a-z]{2,20}|ini_[a-z_]{2,12}|ob_[a-z_]{2,20}|array_(?:map|filter|walk|reduce)|preg_replace(?:_callback)?|mb_ereg_replace|fileowner|filegroup|fileperms|readfile|highlight_file|show_source|php_uname|phpversion|getmypid|getenv|apache_[a-z_]{2,20}|escapeshell(?:arg|cmd)|dl|pg_[a-z_]{2,30}|mysqli?_[a-z_]{2,30}|ldap_[a-z_]{2,30}|assert_options|register_[a-z_]{2,30}|set_(?:error|exception)_handler|gz(?:inflate|uncompress|decode|encode|deflate|compress)|str_rot13|convert_uu(?:en|de)code)\s*(?:/\*.{0,40}?\*/\s*)?\("),
             forms=("text",), needs=("(",)),
        Rule("FGW-CODE-115", "code_injection", "high", 1, "Node.js globals used as code (console, process[...], require[...], module.exports)",
             pattern=rx(r"\bconsole\s*\.\s*(?:log|info|warn|error|dir|debug|trace)\s*\(|\bprocess\s*\[\s*[\"'`]|\brequire\s*\[|\bmodule\s*\.\s*exports\s*=|\bglobal(?:this)?\s*\[\s*[\"'`]|\bfunction\s*\(\s*\)\s*\{[^}]{0,80}(?:return|process|require)"),
             forms=("text",), needs=("console", "process", "require", "module", "global", "function")),
        Rule("FGW-CODE-116", "code_injection", "high", 1, "PHP configuration directives set from input",
             pattern=rx(r"\b(?:allow_url_(?:include|fopen)|auto_(?:prepend|append)_file|disable_(?:functions|classes)|open_basedir|safe_mode|shell_exec|opcache\.[a-z_]{2,40}|mbstring\.[a-z_]{2,40}|pcre\.[a-z_]{2,40}|extension|engine|smtp|sendmail_path|error_log|include_path|file_uploads|enable_dl|assert\.[a-z_]{2,20}|zend\.[a-z_]{2,30}|session\.[a-z_]{2,30}|xdebug\.[a-z_]{2,30})\s*=\s*\S"),
             forms=("text",), needs=("=",)),
        Rule("FGW-CODE-117", "code_injection", "high", 1, "PHP dynamic calls: string or variable used as a function, concatenated names",
             check=_php_dynamic_call, needs=("(", "{", "[", "compress", "process", "extension", "extension_dir")),
        Rule("FGW-CODE-111", "code_injection", "high", 1, "Python builtins reading files or evaluating",
             pattern=rx(r"\bopen\s*\(\s*[\"'][/.~][^\"']{0,200}[\"']\s*(?:,[^)]{0,20})?\)\s*\.\s*read|\b(?:eval|exec)\s*\(\s*(?:compile|base64|bytes|chr|__import__|input|open)\b|\bgetattr\s*\(\s*__|\b__import__\b"),
             forms=("text",), needs=('open', 'eval', 'exec', 'getattr', '__import__')),
    ),
    needs=('(', '`', '{', 'compress', 'extension_dir', '__', '<?', '<%', '://', 'java', 'runtime', 'console', 'process', 'require', 'module', 'global', 'function', 'engine', 'extension', 'smtp', 'opcache', 'zend', 'session', 'xdebug', 'sendmail_path', 'shell_exec', 'org', '@{[', 'php', '#{', 'while', 'for', 'open', 'eval', 'exec', 'getattr', 'kernel', 'getruntime', 'processbuilder', 'ognl', '%x{', '$_', 'allow_url_include', 'allow_url_fopen', 'auto_prepend_file', 'auto_append_file', 'disable_functions', 'open_basedir', 'mbstring.', 'pcre.', 'safe_mode', 'kernel.', 'objectspace', ' -e', ' -c', 'data:', 'phar:', 'expect:', 'zip:', 'glob:', 'ssh2.', 'php:', 'ogg:', 'rar:', 'compress.'),
)
