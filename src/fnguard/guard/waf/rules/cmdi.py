"""OS command injection: a shell separator or substitution followed by a command, shell
obfuscations (``c'a't``, ``$IFS``, ``/???/c?t``), shellshock, Windows cmd/PowerShell."""

from __future__ import annotations

import re

from fnguard.guard.waf.forms import Forms
from fnguard.guard.waf.rules.base import Check, ClassRules, LazyPattern, Rule, lazy, rx

# Tool names that are not English words: seeing one as the first word of a value is enough.
_TOOLS = (
    "whoami|uname|netstat|ifconfig|ipconfig|nslookup|busybox|crontab|useradd|adduser|usermod|printenv|"
    "hexdump|sysctl|strace|ltrace|nmap|tcpdump|socat|systeminfo|tasklist|taskkill|netsh|wmic|certutil|"
    "bitsadmin|powershell|pwsh|regedit|cscript|wscript|mshta|rundll32|regsvr32|nbtstat|tracert|traceroute|"
    "systemctl|mkfifo|mknod|chattr|lsof|getent|gunzip|bzip2|lwp-download|rlogin|jrunscript|jjs|sqlite3|"
    "psql|redis-cli|cscli|getfacl|setfacl|iptables|lsmod|insmod|modprobe|dmesg|journalctl|lastlog|"
    "ansible(?:-[a-z]+)?|chef(?:-[a-z]+)?|knife|rmt(?:-[a-z]+)?|bsdtar|cpulimit|aptitude|apt-get|"
    "dpkg|rpm|yum|dnf|apk|zypper|kubectl|docker|gcloud|passwd|chmod|chown|chgrp|nohup|xargs|pkill|"
    "killall|wget|curl|ncat|netcat|telnet|tftp|xxd|base64|openssl|gawk|egrep|fgrep|zcat|bzcat|xzcat|"
    "c89|c99|gcc|javac|perl|python[23]?|ruby|php|nodejs|lua|bash|zsh|ksh|tcsh|csh|sh|ls|cat|id|pwd|"
    "uptime|hostname|nc|rm|mv|cp|mkdir|rmdir|touch|ln|grep|awk|sed|ssh|scp|sftp|rsync|dig|tac|nl|"
    r"whoami\.exe|cmd|cmd\.exe|invoke-expression|invoke-webrequest|iex|iwr|start-process|get-content|"
    "get-childitem|new-object|set-content|out-file|test-connection|get-process|perf|vi|vim|ed|tee|"
    "readlink|realpath|mktemp|chroot|umount|tar|unzip|zip|gzip|dd|ps|kill|env|sudo|su|sysinfo|irb|flock|"
    "lastlogin|bcdboot|bcdedit|vssadmin|schtasks|icacls|takeown|diskpart|nltest|dsquery|qwinsta|whoami"
)
# Names that are also common words: after a separator they need an argument shaped like one.
_WEAK = (
    "set|echo|exec|eval|source|export|unset|alias|history|type|dir|net|ver|vol|copy|del|ren|find|more|"
    "less|head|tail|sort|uniq|wc|od|strings|stat|du|df|free|top|time|date|last|w|who|fetch|links|make|"
    "cc|cut|route|finger|expr|sleep|ping|java|mysql|host|mount|at|watch|nice|timeout|file|install|"
    "split|paste|rev|tr|seq|yes|true|false|test|read|wait|trap|shift|exit|logout|start|call|md|rd|"
    "move|attrib|tree|ftp|lynx|rcp|rsh|xterm|arp|shutdown|reboot|format|label|fc|fsutil|sc|reg|"
    r"schtasks|at\.exe|gpupdate|whoami"
)
_WEAK_SET = frozenset(_WEAK.replace("\\", "").split("|"))
# Every command name as a trigger word (the engine wakes CMDI-101 only when one is present).
_COMMAND_WORDS = tuple(dict.fromkeys(
    (_TOOLS + "|" + _WEAK).replace("\\", "").replace("(?:-[a-z]+)?", "").replace("[23]?", "").split("|")
))
# Words that run the command after them (time curl ..., sudo -u x id, nohup nc ...).
_PREFIXES = r"(?:(?:time|nohup|sudo|exec|env|strace|ltrace|nice|xargs|command|builtin|eval|\$[a-z_][a-z0-9_]{0,20})\s+)*"
_SEP = r"(?:^|[;|&\n\r`<]|\$\(|\(\s*|\{\s*|%0a|\|\||&&|\\n)"
_AFTER_SEP = lazy(
    rf"{_SEP}\s*(?P<pre>{_PREFIXES})(?:[a-z]:)?(?:[a-z0-9_.-]{{0,40}}[/\\])*(?P<name>{_TOOLS}|{_WEAK})"
    rf"(?=$|[\s;|&<>`)\}}]|\\|%20|\.exe)(?P<rest>[^;|&\n`]{{0,80}})"
)
_ARGLIKE = lazy(r"^\s+(?:[-/\\%$<>~.]|[a-z]:[\\/]|[\"'][-/\\]|\d{1,5}\s*$)|^\s*$|^\s*[;|&<>`)]")
# Arguments of a tool named at the start of a value: a URL, or words of which one looks like a
# file, host or option (dot, slash, digit...), unlike English ("wget is a download tool").
_TOOL_ARGS = lazy(
    r"^\s+(?:(?:https?|ftp)://\S+|(?=[^\n]{0,120}[a-z][._:/0-9-][a-z0-9])[a-z0-9][a-z0-9._-]{0,40}(?:\s+[a-z0-9][a-z0-9._/-]{0,30}){0,4})\s*$"
)
# Tools no English sentence starts with: plain word arguments are enough ("cscli alerts list").
_DISTINCTIVE = frozenset((
    "cscli", "netsh", "kubectl", "systemctl", "journalctl", "iptables", "nslookup", "ifconfig", "ipconfig",
    "ls", "nc", "ncat", "netcat", "chmod", "chown", "whoami", "uname",
    "powershell", "pwsh", "certutil", "bitsadmin", "wmic", "schtasks", "sqlite3", "psql", "redis-cli", "knife",
))
_WORD_ARGS = lazy(r"^(?:\s+[a-z0-9][a-z0-9._/-]{0,30}){1,4}\s*$")
_ARGUMENT = lazy(r"^\s+(?:[-/\\%$<>~]|[a-z]:[\\/]|[\"'][-/\\])")
_SHELL_NOISE = lazy(
    r"\$\{?ifs\}?|\$\{?9\}?|\$\{?[@*!?#_$0-9-]\}?|``|\$(?=['\"])|[\\'\"^]|\$\(\)|[<>]\(\)|\{,?|,?\}"
    r"|\$[a-z_][a-z0-9_]*(?=[a-z/])|(?<=[a-z])\$[a-z_][a-z0-9_]*|\[([a-z/])\]"
)
_EMPTY_EXPANSIONS = lazy(r"``|\$\(\)|[<>]\(\)")
_SHELL_SPACE = lazy(r"\$\{?ifs\}?|\$\{?9\}?|<|\{|,|\}")


def _shell_form(text: str) -> str:
    """Undo quoting tricks a shell strips before running the word (``c'a't``, ``c\\at``, ``$IFS``)."""
    text = _EMPTY_EXPANSIONS.sub("", text)  # pi``ng, pi$()ng, pi<()ng: empty substitutions vanish
    text = _SHELL_SPACE.sub(" ", text) if ("$" in text or "{" in text or "<" in text) else text
    return _SHELL_NOISE.sub(lambda m: m.group(1) or "", text)


def _candidates(text: str) -> list[str]:
    out = [text]
    if any(c in text for c in "\\'\"$^{`[<>"):
        out.append(_shell_form(text))
    if "+" in text and " " not in text:
        out += [t.replace("+", " ") for t in out]  # form/query encoding of spaces
    return out


def _command_after_separator(forms: Forms) -> str | None:
    for candidate in _candidates(forms.get("text")):
        stripped = candidate.strip(" \t\r\n;|&`")
        for found in _AFTER_SEP.finditer(candidate):
            name, rest = found.group("name"), found.group("rest")
            separator = candidate[found.start(): found.start("name")]
            newline = "\n" in separator or "\r" in separator or "\\n" in separator
            weak = name in _WEAK_SET
            only_command = stripped == name
            if (weak or newline) and not _ARGLIKE.search(rest) and not only_command:
                continue
            if newline and not only_command and (weak or not re.match(r"\s+[-/]", rest)):
                continue
            if separator.strip()[:1] in ("(", "{", "<") and not _ARGUMENT.search(rest):
                continue  # (word), {word}, <tag>: brackets are text far more often than shell
            if found.start() == 0 and candidate[:1] not in ";|&\n\r`$({<":
                # A value that merely starts with a word is most likely text, unless the word is a
                # tool name followed by arguments (or alone).
                # time/nohup/sudo before the tool, or the tool named by its bin/ path
                prefix = found.group("pre").strip() or ("bin/" in separator.replace("\\", "/"))
                if weak and not prefix or len(rest) > 80 or not rest.strip() and not prefix:
                    continue
                prefixed = bool(prefix)
                distinctive = name in _DISTINCTIVE or name.startswith(("ansible-", "chef-"))
                if not prefixed and not _ARGLIKE.search(rest) and not _TOOL_ARGS.match(rest) \
                        and not (distinctive and _WORD_ARGS.match(rest)):
                    continue
            return candidate[found.start(): found.end()]
    return None


def _in_candidates(pattern: LazyPattern) -> Check:
    """Search ``pattern`` in the text and in its shell-unquoted and plus-as-space variants."""
    def check(forms: Forms) -> str | None:
        for candidate in _candidates(forms.get("text")):
            found = pattern.search(candidate)
            if found is not None:
                return candidate[found.start(): found.end() + 40]
        return None
    return check


_SENSITIVE_FILES = r"(?:/etc/(?:passwd|shadow|group|hosts|issue|sudoers)|/proc/self/|c:[\\/]+windows[\\/]|win\.ini|boot\.ini|%systemroot%|%windir%|/bin/(?:ba)?sh\b|\$home|~/\.ssh)"

RULES = ClassRules(
    "cmdi",
    None,
    (
        Rule("FGW-CMDI-101", "cmdi", "critical", 1, "shell separator or substitution followed by a command",
             check=_command_after_separator, needs=(*_COMMAND_WORDS, "'", '"', "\\", "$", "`", "^")),
        Rule("FGW-CMDI-102", "cmdi", "critical", 1, "shellshock function definition in a value",
             pattern=rx(r"\(\s*\)\s*\{[^}]{0,40};\s*\}\s*;"), forms=("text",), needs=('()',)),
        Rule("FGW-CMDI-103", "cmdi", "critical", 1, "command substitution with a command ($(...) or `...`)",
             pattern=rx(rf"\$\(\s*[a-z/][^)]{{0,100}}\)|`\s*(?:[a-z0-9_./-]{{0,40}}/)?(?:{_TOOLS})(?:[\s`;|&<>]|$)|`\s*(?:{_WEAK})\s+[-/\d$][^`]{{0,60}}`"), forms=("raw", "text")),
        Rule("FGW-CMDI-104", "cmdi", "high", 1, "shell globbing/IFS obfuscation of commands and paths",
             pattern=rx(r"/\?\?\?/|/[a-z?]{0,4}\?[a-z?]{0,4}/[a-z?*]{1,10}|\$\{?ifs\b|\$\{[a-z_]{1,20}:\d{1,3}:\d{1,3}\}|\{[a-z]{1,12},[-/.a-z0-9$]{1,40}[},]|\b(?:c\$\$at|ca(?:\\|['\"]{1,2})t)\b"),
             forms=("raw", "text"), needs=('?', 'ifs', '${', '{', '$$', 'ca')),
        Rule("FGW-CMDI-105", "cmdi", "critical", 1, "command reading a sensitive file",
             pattern=rx(rf"\b(?:cat|more|less|head|tail|type|nl|tac|od|xxd|strings|base64|curl|wget|cp|sort|grep)\b[\s+]{{1,5}}[^;|&\n]{{0,40}}{_SENSITIVE_FILES}"),
             forms=("text",), needs=('/etc/', '/proc/', 'windows', 'win.ini', 'boot.ini', '%system', '%windir', '/bin/', '$home', '~/.ssh')),
        Rule("FGW-CMDI-106", "cmdi", "critical", 1, "Windows cmd / PowerShell execution",
             pattern=rx(r"\bcmd(?:\.exe)?\s*/[ck]\b|\bpowershell(?:\.exe)?\s+-|\b(?:invoke-expression|invoke-webrequest|start-process|invoke-command|downloadstring|downloadfile)\b|\biex\s*\(|\bnew-object\s+(?:system\.)?net\.webclient|\bfor\s+(?:/[dflr]\s+(?:\"[^\"]{0,80}\"\s+)?)?%%?[~a-z0-9-]{1,3}\s+in\s*\(|\)\s*do\s+[@a-z(]|\bif\s+(?:/i\s+)?(?:not\s+)?(?:defined|exist|errorlevel)\b|\bif\s+(?:/i\s+)?(?:not\s+)?(?:\"[^\"]{0,40}\"|%[^%\s]{1,40}%|\[[^\]]{0,40}\]|![a-z_]{1,20}!|[a-z0-9_]{1,30})\s*(?:==|equ|neq|lss|leq|gtr|geq)\s*|%(?:systemroot|windir|comspec|userprofile|programfiles|temp|appdata)%|\bset\s+/[ap]\b"),
             forms=("text",), needs=('cmd', 'powershell', 'invoke-', 'download', 'start-process', 'iex', 'new-object', 'for /', 'if ', '%', 'set /')),
        Rule("FGW-CMDI-107", "cmdi", "high", 1, "reverse shell idioms",
             pattern=rx(r"/dev/(?:tcp|udp)/|\b(?:nc|ncat|netcat)\b[^;|&\n]{0,40}\s-[a-z]*e\s|\bbash\s+-i\b|\bsh\s+-i\b|\bmkfifo\b|\bsocat\b[^;|\n]{0,40}exec:|\bexec\s+\d+<>"),
             forms=("text",), needs=('/dev/', 'nc', 'cat', 'bash', 'sh -i', 'mkfifo', 'socat', 'exec')),
        Rule("FGW-CMDI-109", "cmdi", "high", 1, "value is a reconnaissance command on its own",
             pattern=rx(r"^\s*(?:whoami|netstat|ifconfig|ipconfig|systeminfo|tasklist|uname(?:\s+-a)?|net\s+(?:user|view|localgroup|share|session|accounts))\s*$"),
             forms=("text",)),
        Rule("FGW-CMDI-110", "cmdi", "critical", 1, "server-side include exec, Windows net user/localgroup, variable holding a command",
             pattern=rx(r"<!--\s*#\s*(?:exec|include|echo|config|set|printenv)\s+[a-z]{2,10}\s*=|\bnet1?\s+(?:user|localgroup|group|view|use|share|session|accounts|start|stop)\b[^\n]{0,60}(?:/add|/del|/domain|\s[a-z0-9_$-]{2,30}\s+\S)|\b[a-z_][a-z0-9_]{0,20}=\$?\\?['\"]?(?:whoami|id|uname|cat|ls|curl|wget|bash|sh|nc)[^'\";&|]{0,30}\\?['\"]?\s*[;&|]{1,2}\s*\$\{?[a-z_]|\balias\s+(?:[-+][a-z+]{1,6}\s+)*[^\s=]{1,30}=\s*['\"]?[a-z]"),
             forms=("text",)),
        Rule("FGW-CMDI-111", "cmdi", "high", 1, "shell idioms: absolute binary paths, process substitution, fork bomb, which/sleep probes, brace and parameter expansion",
             check=_in_candidates(rx(r"(?:^|[\s;|&'\"`(])/(?:usr/)?(?:local/)?s?bin/[a-z0-9_.-]{1,20}\b|[<>]\(\s*[a-z]{2,12}\b|\b(\w{1,10})\(\)\s*\{\s*\1\s*\|\s*\1\s*&\s*\}|\bwhich\s+(?:wget|curl|perl|python[23]?|nc|ncat|bash|sh|gcc|php|ruby|socat|nmap)\b|^\s*(?:sleep|timeout)\s+\d{1,4}\s*$|^\s*ping\s+(?:-[a-z]\s*\d*\s+)*\d{1,3}(?:\.\d{1,3}){3}\s*$|\{,\s*\$?['\"]?[a-z]|\$\{[a-z_]{2,20}(?:#|%|//?|:[-=?+]|:\d)|\$\{?shell\}?\s+-c\b|\bwhoami\b(?!\s*:)|\bdir\s+[a-z]:\\|(?:^|[;|&]\s*)net1?\s+(?:view|user|localgroup|share|session|accounts|use)\b|\[![a-z]\][a-z]{2,}|/\[[a-z/]{1,4}\]|\breg(?:\.exe)?\s+(?:add|delete|query|save|export|import)\s+[\"']?hk|^\s*(?:sysinfo|route\s+print)\s*$")),
             needs=("``", "reg", "sysinfo", "route", "/bin/", "sbin/", "<(", ">(", "()", "which", "sleep", "timeout", "ping", "{,", "${", "$shell", "shell", "whoami", "dir", "net", "[!", "/[")),
        Rule("FGW-CMDI-108", "cmdi", "high", 1, "output redirection to a file or device from a command",
             pattern=rx(r"[;|&`]\s*[a-z]{2,12}\s[^;|&\n]{0,60}>\s*/(?:tmp|dev|var|etc)/"),
             forms=("text",), needs=('>',)),
    ),
    needs=(';', '|', '&', '`', '$', '{', '\n', '\r', '<', "'", '"', '[!', '/[', 'reg', 'sysinfo', 'route', '\\n', 'cmd', 'powershell', 'invoke-', 'iex', 'for', 'if ', '%',
           'net', 'alias', *(_TOOLS + "|" + _WEAK).replace("\\", "").replace("(?:-[a-z]+)?", "").replace("[23]?", "").split("|")),
)
