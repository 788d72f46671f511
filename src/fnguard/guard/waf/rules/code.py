"""Code injection into interpreters: Python ``eval``/``__import__`` chains, Node.js
``require('child_process')``, PHP functions and tags, Java reflection, Ruby/Perl exec."""

from __future__ import annotations

from fnguard.guard.waf.rules.base import ClassRules, Rule, rx

_PHP_FUNCS = (
    "system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec|eval|assert|create_function|"
    "call_user_func|call_user_func_array|preg_replace|include|include_once|require|require_once|"
    "file_get_contents|file_put_contents|fopen|fwrite|fputs|readfile|show_source|highlight_file|phpinfo|"
    "base64_decode|gzinflate|str_rot13|unserialize|fsockopen|curl_exec|chmod|mail|putenv|ini_set|"
    "array_map|usort|ob_start|mb_ereg_replace|dl|symlink|unlink|move_uploaded_file|get_defined_vars|"
    "scandir|glob|posix_getpwuid|getenv|var_dump|print_r|ldap_get_entries|fputcsv|stream_get_contents"
)

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
             pattern=rx(rf"(?:^|[^a-z0-9_.$>-])(?:{_PHP_FUNCS})\s*(?:/\*.{{0,40}}?\*/\s*)?\(\s*(?:[\"'`$@_a-z0-9\[(\\]|\)|\s*$)"),
             forms=("sql",), needs=('(',)),
        Rule("FGW-CODE-105", "code_injection", "high", 1, "eval-family call with a string or expression argument",
             pattern=rx(r"\b(?:eval|exec|execfile|compile|settimeout|setinterval|function|execsync|spawnsync|execfilesync|fork|spawn|assert|instance_eval|class_eval|module_eval|send|public_send|__send__|open3|syscall|system|popen)\s*\(\s*[\"'`]|\beval\s*\(\s*(?:atob|unescape|decodeuricomponent|string\.fromcharcode|base64|buffer|request|input)\b"),
             forms=("text",), needs=('(',)),
        Rule("FGW-CODE-106", "code_injection", "critical", 1, "Java reflection / runtime exec",
             pattern=rx(r"java\.lang\.(?:runtime|processbuilder|system|class|reflect|thread)|runtime\s*\.\s*getruntime\s*\(|\.getruntime\(\)|new\s+processbuilder|\bclass\.forname\s*\(|\.getmethod\s*\(|\.invoke\s*\(|java\.evil|javax\.script|scriptenginemanager|ognl|@java\.|#_memberaccess|#context\[|\bjava\.io\.|\bjava\.net\.|\bjava\.util\.scanner"),
             forms=("text",), needs=('java', 'runtime', 'getruntime', 'processbuilder', 'processbuilder', 'forname', 'getmethod', 'invoke', 'ognl', '#_memberaccess', '#context', 'scriptengine')),
        Rule("FGW-CODE-107", "code_injection", "high", 1, "PHP stream wrappers that run or include code",
             pattern=rx(r"\b(?:php://(?:input|filter|fd|stdin|memory|temp)|phar://|expect://|zip://|compress\.zlib://|data:(?:text/plain|application/x-httpd-php)?(?:;base64)?,|ssh2\.(?:shell|exec|tunnel|sftp)://|glob://|ogg://|rar://)"),
             forms=("text",), needs=('://', 'data:')),
        Rule("FGW-CODE-108", "code_injection", "high", 1, "PHP variable functions and superglobals used as code",
             pattern=rx(r"\$_(?:get|post|request|cookie|server|files|env|session)\s*\[|\$\{?\s*[\"'`]?[a-z_]{1,30}[\"'`]?\s*\}?\s*\(\s*\$_|\(\s*[\"'](?:system|exec|passthru|shell_exec|assert|eval)[\"']\s*\)\s*\(|\[\s*[\"']?(?:system|exec|passthru)[\"']?\s*\]\s*\[|\b(?:allow_url_include|auto_prepend_file|auto_append_file|disable_functions|open_basedir|mbstring\.[a-z_]{1,40}|pcre\.[a-z_]{1,40}|safe_mode)\s*="),
             forms=("text",), needs=('$_', '$', '(', '[', '=')),
        Rule("FGW-CODE-109", "code_injection", "high", 1, "Ruby/Perl code execution",
             pattern=rx(r"\bkernel\.(?:exec|system|spawn|open)|\bio\.popen|%x\{|\bopen3\.|\bsyscall\b|\bperl\s+-e\b|\bruby\s+-e\b|\bpython[23]?\s+-c\b|\bnode\s+-e\b|\bobjectspace\b|\.send\s*\(\s*:"),
             forms=("text",), needs=('kernel.', 'io.popen', '%x{', 'open3', 'syscall', ' -e', ' -c', 'objectspace', '.send')),
        Rule("FGW-CODE-110", "code_injection", "medium", 1, "JavaScript infinite loop / CPU burn probe",
             pattern=rx(r"\bwhile\s*\(\s*(?:true|1|!\s*``|!\s*\[\]|-?infinity|!0|[a-z]{0,10}\s*\(\s*\))\s*\)|\bfor\s*\(\s*;\s*;\s*\)"),
             forms=("text",), needs=('while', 'for')),
        Rule("FGW-CODE-111", "code_injection", "high", 1, "Python builtins reading files or evaluating",
             pattern=rx(r"\bopen\s*\(\s*[\"'][/.~][^\"']{0,200}[\"']\s*(?:,[^)]{0,20})?\)\s*\.\s*read|\b(?:eval|exec)\s*\(\s*(?:compile|base64|bytes|chr|__import__|input|open)\b|\bgetattr\s*\(\s*__|\b__import__\b"),
             forms=("text",), needs=('open', 'eval', 'exec', 'getattr', '__import__')),
    ),
    needs=('(', '`', '__', '<?', '<%', '://', 'java', 'runtime', 'getruntime', 'processbuilder', 'ognl', '%x{', '$_', 'allow_url_include', 'allow_url_fopen', 'auto_prepend_file', 'auto_append_file', 'disable_functions', 'open_basedir', 'mbstring.', 'pcre.', 'safe_mode', 'kernel.', 'objectspace', ' -e', ' -c', 'data:', 'phar:', 'expect:', 'zip:', 'glob:', 'ssh2.', 'php:', 'ogg:', 'rar:', 'compress.'),
)
