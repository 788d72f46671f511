"""Path traversal and local file inclusion: ``../`` in any encoding, absolute paths to files an
attacker wants (credentials in ``/proc/self/environ`` on Lambda, ``/etc/passwd``, ``win.ini``)."""

from __future__ import annotations

from fnguard.guard.waf.forms import Forms
from fnguard.guard.waf.rules.base import ClassRules, Rule, lazy, rx

_TARGETS = (
    r"etc/(?:passwd|shadow|group|hosts|issue|motd|hostname|resolv\.conf|sudoers|crontab|fstab|mtab|"
    r"profile|bashrc|environment|inittab|httpd|apache2?|nginx|php|mysql|ssh|ssl|security|wu-ftpd|"
    r"ftpusers|system|master\.passwd|network|sysconfig|init\.d|rc\.d|logrotate|exports|lighttpd|"
    r"proftpd|vsftpd|redhat-release|debian_version|lsb-release|os-release|[a-z0-9_.-]{1,30}\.(?:conf|cfg|ini|d)\b)|"
    r"proc/(?:self|\d{1,7}|version|cmdline|mounts|net|sched_debug|cpuinfo|meminfo)|"
    r"var/(?:log|lib|www|mail|spool|run|db|adm|apache)|"
    r"opt/(?:lampp|xampp|bitnami)|usr/local/(?:apache|etc|www|lib/php|php)|"
    r"root/|private/etc|sys/(?:class|kernel|devices)|dev/(?:shm|fd|tcp|null)|"
    r"(?:boot|win|system|php|my|desktop)\.ini|windows/(?:system32|win\.ini|repair|panther|debug|temp|"
    r"system\.ini|iis|php\.ini|my\.ini)|winnt/|system32/|inetpub/|program ?files|documents and settings|"
    r"xampp/|wamp/|apache/(?:logs|conf)|apache2/|httpd/|nginx/|"
    r"\.(?:env|git|svn|hg|aws|ssh|docker|kube|npmrc|pypirc|netrc|htaccess|htpasswd|bash_history|"
    r"bashrc|profile|continue|vscode|idea|ds_store|config)\b|"
    r"(?:id_rsa|id_dsa|id_ecdsa|id_ed25519|authorized_keys|known_hosts|wp-config\.php|web\.config|"
    r"config\.php|localsettings\.php|settings\.py|credentials|\.bash_profile|shadow|passwd|"
    r"access[._]log|error[._]log|httpd\.conf|php\.ini|my\.cnf|sam|ntuser\.dat|pagefile\.sys)\b"
)

_ONE_LEVEL = lazy(r"(?:^|[/=\s\"'?:;])\.{2,}/+(?:\.{2,}/|[a-z0-9_%~$-])|/\.{2,}/|(?:^|/)\.\.;/")
_TWO_LEVELS = lazy(r"\.{2,}/+(?:[^/\s]{0,40}/+)?\.{2,}/|\.\./\.\.|\.\.;/")
_SENSITIVE_NEXT = lazy(
    r"\.\./+(?:_?config|\.env|\.git|\.ht|\.aws|\.ssh|web\.config|etc/|proc/|windows|winnt|boot\.ini|passwd|shadow|"
    r"[a-z0-9_-]{0,30}\.(?:php|ini|conf|cnf|log|sql|bak|env|pem|key|db|sqlite|yml|yaml|properties|xml|asp|aspx|jsp))"
)


def _traversal(forms: Forms) -> str | None:
    """``../`` that climbs: two levels, an encoded or backslashed level, or one level to a file an
    attacker wants. A single plain ``../images/logo.png`` is how relative links look."""
    path = forms.get("path")
    found = _TWO_LEVELS.search(path)
    if found is None:
        found = _ONE_LEVEL.search(path)
        if found is None:
            return None
        if "../" in forms.get("raw") and _SENSITIVE_NEXT.search(path) is None:
            return None  # one plain level to an ordinary file
    return path[found.start(): found.end() + 40]


_TARGET_STEMS = (
    "etc", "proc", "var", "opt", "usr", "root", "home", "private", "sys", "dev", ".ini", "windows", "winnt",
    "system32", "inetpub", "program", "documents", "xampp", "wamp", "apache", "httpd", "nginx", "/.", "id_",
    "authorized_keys", "known_hosts", "config", "settings", "credentials", "shadow", "passwd", "access",
    "error", ".cnf", "sam", "ntuser", "pagefile", "web.config", "wp-config", "localsettings", "access_log",
    "error_log",
)

RULES = ClassRules(
    "path_traversal",
    None,
    (
        Rule("FGW-PATH-101", "path_traversal", "high", 1, "directory traversal sequence (../ or ..\\ in any encoding)",
             check=_traversal, needs=('..',)),
        Rule("FGW-PATH-102", "path_traversal", "critical", 1, "absolute or traversing path to a sensitive file",
             pattern=rx(rf"(?:^|[\s\"'=:;(,@|>]|file:/?|[a-z]:/?|/)(?:[a-z0-9_.~-]{{1,40}}/){{0,8}}?(?:{_TARGETS})"),
             forms=("path",), needs=_TARGET_STEMS),
        Rule("FGW-PATH-103", "path_traversal", "high", 1, "Windows drive path to system or application files",
             pattern=rx(r"(?:^|[\s\"'=])[a-z]:/+(?:[a-z0-9 _.~$-]{1,40}/){0,6}[a-z0-9 _.~$-]{0,40}\.(?:ini|log|cnf|conf|sys|dat|exe|bat|cmd|inf|config)\b|(?:^|[\s\"'=])[a-z]:/+(?:windows|winnt|boot|inetpub|program ?files|xampp|wamp|php\d?|mysql|apache)|(?:^|[/\s\"'=])(?:unattend(?:ed)?\.xml|sysprep(?:/[a-z0-9_.-]{1,40})?\.(?:xml|inf)|sysprep\.inf|autounattend\.xml)\b"),
             forms=("path",), needs=(':/', ':\\')),
        Rule("FGW-PATH-104", "path_traversal", "high", 1, "encoded dot-dot that survives one decoding (0x2e0x2e, ..%00, %c0%ae)",
             pattern=rx(r"0x2e0x2e|0x5c0x2e|0x2e0x5c|0x2f0x2e|0x2e0x2f|\.\.(?:0x2f|0x5c|%00|\x00|%01)|%(?:25)*c0%(?:25)*ae|%(?:25)*c1%(?:25)*9c|%(?:25)*e0%(?:25)*80%(?:25)*ae|%f[08]%80%80|%uff0e|\.\.[\x00-\x1f]"),
             forms=("raw", "text"), needs=('0x2e', '..', '%', '．')),
        Rule("FGW-PATH-106", "path_traversal", "high", 1, "well-known target files behind junk separators (etc..passwd, boot.ini)",
             pattern=rx(r"etc[^\s]{1,14}?(?:passwd|shadow|issue|hosts|group|master\.passwd)\b|(?:boot|win|system)\.ini\b|windows[^\s]{1,14}?system32\b"),
             forms=("text",), needs=("etc", ".ini", "windows")),
        Rule("FGW-PATH-107", "path_traversal", "high", 1, "PHP filter chain or absolute path to configuration, log, key or hidden file",
             pattern=rx(r"\bconvert\.(?:iconv|base64-(?:en|de)code|quoted-printable-(?:en|de)code|string\.(?:rot13|toupper|tolower))|^/(?:etc|var|usr|proc|root|opt|sys|boot|bin|sbin|srv)/[a-z0-9_.-]|^\.(?:ht(?:passwd|access)|env|git|svn|aws|ssh|npmrc|pypirc|netrc|bash_history|docker)\b|[/\\](?:access|error)[_.]log\b|^/usr/local/[a-z0-9_-]{1,30}/(?:logs?|etc|conf)|^/(?:[a-z0-9_.-]{1,40}/){0,8}[a-z0-9_.-]{0,60}\.(?:log|conf|cnf|ini|pdb|passwd|htpasswd|htaccess|env|pem|sqlite3?|db|bak|old|swp|history)(?:%00|\x00)?$|^/\.(?!well-known)[a-z0-9_-]{2,40}(?:/|$)|\.[a-z0-9]{1,5}(?:%00|\x00)$|(?:\.\.(?:0x)?(?:2f|5c)){2}"),
             forms=("path", "raw"), needs=("convert.", "%00", "\x00", "..", "/.", ".ht", ".env", ".git", ".svn", ".aws", ".ssh", ".npmrc",
                                          ".pypirc", ".netrc", ".bash_history", ".docker", "access_log", "error_log",
                                          "proc", "root", "opt", "sys", "boot", "bin", "sbin", "srv",
                                          "etc", "var", "usr", "log", "logs", "conf",
                                          "cnf", "ini", "pdb", "passwd", "htpasswd", "htaccess", "env", "pem", "sqlite",
                                          "sqlite3", "db", "bak", "old", "swp", "history", "lib", "local")),
        Rule("FGW-PATH-105", "path_traversal", "high", 1, "file:// URL to a local path",
             pattern=rx(r"\bfile:/{1,3}(?:[a-z]:|/?(?:etc|proc|var|root|home|usr|windows|c:|tmp|dev|sys|opt|[a-z]{2,10}/))"),
             forms=("path",), needs=('file:',)),
    ),
    needs=('..', 'convert', 'unattend', 'unattended', 'autounattend', 'sysprep', 'etc', 'ini', 'windows', '/.', '%00', 'log', 'conf', 'cnf', 'pdb', 'htpasswd', 'htaccess', 'env', 'pem', 'sqlite', 'sqlite3', 'db', 'bak', 'old', 'swp', 'history', 'lock', 'cron', 'spool', 'mail', 'backups', 'lib', 'local', 'logs', '%', '\\', '/etc', 'etc/', 'proc/', 'var/', 'opt/', 'usr/', 'root/', 'home/', 'sys/', 'dev/', '.ini', 'windows', 'winnt', 'system32', 'inetpub', 'program', 'programfiles', 'documents', 'apache2', 'access_log', 'error_log', 'xampp', 'wamp', 'apache', 'httpd', 'nginx', '/.', 'id_rsa', 'id_dsa', 'id_ecdsa', 'id_ed25519', 'authorized_keys', 'known_hosts', 'config', 'credentials', 'shadow', 'passwd', 'access', 'error', '.log', '.cnf', 'ntuser', 'pagefile', ':/', 'file:', '\x00', '0x2e', 'repair', '.env', '.git', '.aws', '.ssh', '.ht', 'settings.py', 'private/'),
)
