"""OS command injection: a shell separator or substitution followed by a command, shell
obfuscations (``c'a't``, ``$IFS``, ``/???/c?t``), shellshock, Windows cmd/PowerShell."""

from __future__ import annotations

import re

from fnguard.guard.waf.forms import Forms
from fnguard.guard.waf.rules.base import ClassRules, Rule, rx

# Names that are hardly ever English words: any argument will do.
_STRONG = (
    "cat|ls|id|whoami|uname|pwd|ps|netstat|ifconfig|ipconfig|ping|nc|ncat|netcat|curl|wget|bash|sh|zsh|"
    "ksh|csh|tcsh|dash|busybox|python[23]?|perl|ruby|php|nodejs|lua|sleep|nslookup|dig|telnet|ssh|scp|tftp|"
    "chmod|chown|rm|mv|cp|touch|mkdir|rmdir|kill|killall|pkill|crontab|useradd|adduser|usermod|passwd|"
    "sudo|printenv|grep|egrep|awk|gawk|sed|xargs|base64|xxd|hexdump|nohup|uptime|hostname|sysctl|"
    "strace|ltrace|gdb|nmap|tcpdump|socat|openssl|systeminfo|tasklist|taskkill|netsh|wmic|certutil|"
    "bitsadmin|powershell|pwsh|cmd|cmd\\.exe|regedit|reg\\.exe|cscript|wscript|mshta|rundll32|regsvr32|"
    "nbtstat|tracert|traceroute|arp|shutdown|reboot|systemctl|mkfifo|mknod|chattr|lsof|getent|"
    "ls-la|uname-a|cut|bzip2|gunzip|unzip|tar|dd|fetch|lwp-download|lynx|links|finger|rcp|rsh|rlogin|"
    "xterm|gcc|cc|make|java|javac|jrunscript|jjs|sqlite3|mysql|psql|mongo|redis-cli|cscli|expr|"
    "getfacl|setfacl|iptables|route|lsmod|insmod|modprobe|dmesg|journalctl|last|lastlog|w|who|env|"
    "set|echo|exec|eval|source|export|unset|alias|history|type|dir|net|ver|vol|copy|del|ren|find|"
    "more|less|head|tail|sort|uniq|wc|od|strings|stat|du|df|free|top|time|date|whoami\\.exe|"
    "invoke-expression|invoke-webrequest|iex|iwr|start-process|get-content|get-childitem|"
    "new-object|set-content|out-file|downloadstring|downloadfile|test-connection|get-process"
)
# Of those, the ones that are also common words: they need an argument shaped like one.
_WEAK = {"set", "echo", "exec", "eval", "source", "export", "unset", "alias", "history", "type", "dir",
         "net", "ver", "vol", "copy", "del", "ren", "find", "more", "less", "head", "tail", "sort", "uniq",
         "wc", "od", "strings", "file", "stat", "du", "df", "free", "top", "time", "date", "last", "w",
         "who", "env", "fetch", "links", "make", "cc", "cut", "route", "finger", "expr", "sleep", "ps",
         "id", "ping", "dd", "java", "mysql", "host"}

_SEP = r"(?:^|[;|&\n\r`]|\$\(|\(\s*|\{\s*|%0a|\|\||&&)"
_AFTER_SEP = re.compile(
    rf"{_SEP}\s*(?:[a-z]:)?(?:[a-z0-9_.-]{{0,40}}[/\\])*({_STRONG})(?=$|[\s;|&<>`)\}},]|\\|%20|\.exe)([^;|&\n`]{{0,80}})"
)
_ARGLIKE = re.compile(r"^\s+(?:[-/\\%$<>]|[a-z]:[\\/]|[\"'][-/\\]|\d{1,5}\s*$)|^\s*$|^\s*[;|&<>`)]")
_ARGUMENT = re.compile(r"^\s+(?:[-/\\%$<>]|[a-z]:[\\/]|[\"'][-/\\])")
_SHELL_NOISE = re.compile(r"\$\{?ifs\}?|\$\{?9\}?|\$\{?[@*]\}?|\$\$|[\\'\"^]|\$\(\)|\{,?|,?\}")
_SHELL_SPACE = re.compile(r"\$\{?ifs\}?|\$\{?9\}?|<|\{|,|\}")


def _shell_form(text: str) -> str:
    """Undo quoting tricks a shell strips before running the word (``c'a't``, ``c\\at``, ``$IFS``)."""
    text = _SHELL_SPACE.sub(" ", text) if ("$" in text or "{" in text or "<" in text) else text
    return _SHELL_NOISE.sub("", text)


def _command_after_separator(forms: Forms) -> str | None:
    text = forms.get("text")
    for candidate in (text, _shell_form(text)) if any(c in text for c in "\\'\"$^{") else (text,):
        for found in _AFTER_SEP.finditer(candidate):
            name, rest = found.group(1), found.group(2)
            separator = candidate[found.start(): found.start(1)]
            newline = "\n" in separator or "\r" in separator
            if (name in _WEAK or newline) and not _ARGLIKE.search(rest):
                continue
            if newline and not _ARGUMENT.search(rest):
                continue
            if found.start() == 0 and candidate[:1] not in ";|&\n\r`$({":
                # A value that merely starts with a command name is most likely a word.
                if name in _WEAK or not _ARGLIKE.search(rest) or len(rest) > 60:
                    continue
            return candidate[found.start(): found.end()]
    return None


_SENSITIVE_FILES = r"(?:/etc/(?:passwd|shadow|group|hosts|issue|sudoers)|/proc/self/|c:[\\/]+windows[\\/]|win\.ini|boot\.ini|%systemroot%|%windir%|/bin/(?:ba)?sh\b|\$home|~/\.ssh)"

RULES = ClassRules(
    "cmdi",
    None,
    (
        Rule("FGW-CMDI-101", "cmdi", "critical", 1, "shell separator or substitution followed by a command",
             check=_command_after_separator),
        Rule("FGW-CMDI-102", "cmdi", "critical", 1, "shellshock function definition in a value",
             pattern=rx(r"\(\s*\)\s*\{[^}]{0,40};\s*\}\s*;"), forms=("text",), needs=('()',)),
        Rule("FGW-CMDI-103", "cmdi", "critical", 1, "command substitution with a command ($(...) or `...`)",
             pattern=rx(rf"\$\(\s*[a-z/][^)]{{0,100}}\)|`\s*(?:[a-z0-9_./-]{{0,40}}/)?(?:{_STRONG})(?:[\s`;|&<>]|$)"), forms=("raw", "text")),
        Rule("FGW-CMDI-104", "cmdi", "high", 1, "shell globbing/IFS obfuscation of commands and paths",
             pattern=rx(r"/\?\?\?/|/[a-z?]{0,4}\?[a-z?]{0,4}/[a-z?*]{1,10}|\$\{?ifs\b|\$\{[a-z_]{1,20}:\d{1,3}:\d{1,3}\}|\{[a-z]{1,12},[-/.a-z0-9$]{1,40}[},]|\b(?:c\$\$at|ca\\?['\"]?t)\b"),
             forms=("raw", "text"), needs=('?', 'ifs', '${', '{', '$$', 'ca')),
        Rule("FGW-CMDI-105", "cmdi", "critical", 1, "command reading a sensitive file",
             pattern=rx(rf"\b(?:cat|more|less|head|tail|type|nl|tac|od|xxd|strings|base64|curl|wget|cp|sort|grep)\b[\s+]{{1,5}}[^;|&\n]{{0,40}}{_SENSITIVE_FILES}"),
             forms=("text",), needs=('/etc/', '/proc/', 'windows', 'win.ini', 'boot.ini', '%system', '%windir', '/bin/', '$home', '~/.ssh')),
        Rule("FGW-CMDI-106", "cmdi", "critical", 1, "Windows cmd / PowerShell execution",
             pattern=rx(r"\bcmd(?:\.exe)?\s*/[ck]\b|\bpowershell(?:\.exe)?\s+-|\b(?:invoke-expression|invoke-webrequest|start-process|invoke-command|downloadstring|downloadfile)\b|\biex\s*\(|\bnew-object\s+(?:system\.)?net\.webclient|\bfor\s+/[dflr]\s+%%?[a-z]|\bif\s+(?:/i\s+)?(?:not\s+)?(?:defined|exist|errorlevel)\b|%(?:systemroot|windir|comspec|userprofile|programfiles|temp|appdata)%|\bset\s+/[ap]\b"),
             forms=("text",), needs=('cmd', 'powershell', 'invoke-', 'download', 'start-process', 'iex', 'new-object', 'for /', 'if ', '%', 'set /')),
        Rule("FGW-CMDI-107", "cmdi", "high", 1, "reverse shell idioms",
             pattern=rx(r"/dev/(?:tcp|udp)/|\b(?:nc|ncat|netcat)\b[^;|&\n]{0,40}\s-[a-z]*e\s|\bbash\s+-i\b|\bsh\s+-i\b|\bmkfifo\b|\bsocat\b[^;|\n]{0,40}exec:|\bexec\s+\d+<>"),
             forms=("text",), needs=('/dev/', 'nc', 'cat', 'bash', 'sh -i', 'mkfifo', 'socat', 'exec')),
        Rule("FGW-CMDI-108", "cmdi", "high", 1, "output redirection to a file or device from a command",
             pattern=rx(r"[;|&`]\s*[a-z]{2,12}\s[^;|&\n]{0,60}>\s*/(?:tmp|dev|var|etc)/"),
             forms=("text",), needs=('>',)),
    ),
    needs=(';', '|', '&', '`', '$', '{', '\n', '\r', '<(', 'cmd', 'powershell', 'invoke-', 'iex', 'for /', 'if ', '%'),
)
