"""Server-side request forgery: URLs that point the function at cloud metadata, the Lambda
runtime API, loopback or private networks, in any host encoding, or use non-HTTP schemes."""

from __future__ import annotations

import ipaddress

from fnguard.guard.waf.forms import Forms
from fnguard.guard.waf.rules.base import ClassRules, Rule, lazy, rx

_URL = lazy(
    r"(?:\b([a-z][a-z0-9+.-]{1,15}):/{0,3}|(?:^|[\s\"'=(@])//)"
    r"(?:[^/@\s?#]{0,80}@)?"
    r"(\[[0-9a-f:.%a-z]{2,60}\]?|[^/:?#\s\\\"'<>@]{1,255})"
    r"(?::(\d{1,6}))?"
)
_DNS_REBIND = lazy(
    r"(?:^|\.)(?:\d{1,3}[.-]\d{1,3}[.-]\d{1,3}[.-]\d{1,3}|[0-9a-f]{8})\.(?:nip\.io|xip\.io|sslip\.io|xip\.name|nip\.direct|traefik\.me|1u\.ms|rbndr\.us|localtest\.me|lvh\.me|vcap\.me)$"
    r"|(?:^|\.)(?:localtest\.me|lvh\.me|vcap\.me|localhost\.direct|spoofed\.burpcollaborator\.net|127\.0\.0\.1\.[a-z]{2,})$"
)
# Every host _DNS_REBIND can match ends with one of these or holds "127.0.0.1.": the search runs
# only then (public host names, most of what URLs hold, skip it).
_REBIND_ENDS = ("nip.io", "xip.io", "sslip.io", "xip.name", "nip.direct", "traefik.me", "1u.ms", "rbndr.us",
                "localtest.me", "lvh.me", "vcap.me", "localhost.direct", "spoofed.burpcollaborator.net")
_METADATA_HOSTS = {
    "169.254.169.254", "169.254.170.2", "169.254.170.23", "metadata.google.internal", "metadata",
    "metadata.goog", "instance-data", "instance-data.ec2.internal", "100.100.100.200",
    "metadata.packet.net", "metadata.azure.com", "169.254.169.253", "192.0.0.192", "fd00:ec2::254",
}
_HOST_CHARS = lazy(r"[a-z0-9._-]+")
_LOCAL_NAMES = frozenset(("localhost", "localtest.me", "ip6-localhost", "ip6-loopback", "ipv6-localhost",
                          "localhost.localdomain", "lvh.me", "vcap.me", "0", "kubernetes", "kubernetes.default"))
_LOCAL_SUFFIXES = (".localhost", ".internal", ".local", ".localdomain", ".svc", ".cluster.local", ".localtest.me",
                   ".lvh.me", ".vcap.me", ".docker.internal")


def _ipv4_loose(host: str) -> ipaddress.IPv4Address | None:
    """Parse the way inet_aton and browsers do: 1-4 parts, each decimal, 0x-hex or 0-octal.

    A single number wider than 32 bits is truncated, as some URL parsers do (7147006462 is
    169.254.169.254 there)."""
    parts = host.rstrip(".").split(".")
    if len(parts) == 1:
        try:
            number = int(parts[0], 16) if parts[0].startswith("0x") else int(parts[0], 8 if parts[0][:1] == "0" and len(parts[0]) > 1 else 10)
        except ValueError:
            return None
        return ipaddress.IPv4Address(number & 0xFFFFFFFF)
    if not 1 <= len(parts) <= 4:
        return None
    values: list[int] = []
    for part in parts:
        try:
            if part.startswith("0x"):
                values.append(int(part[2:] or "0", 16))
            elif len(part) > 1 and part.startswith("0"):
                values.append(int(part, 8))
            else:
                values.append(int(part, 10))
        except ValueError:
            return None
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (5 - len(values)):
        return None
    number = 0
    for v in head:
        number = number * 256 + v
    number = number * 256 ** (5 - len(values)) + last
    return ipaddress.IPv4Address(number)


def _internal_ip(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is None and address.packed[:12] == bytes(12) and int(address) > 1:
            mapped = ipaddress.IPv4Address(address.packed[12:])  # deprecated IPv4-compatible form
        if mapped is not None:
            return _internal_ip(mapped)
    if isinstance(address, ipaddress.IPv4Address) and address.packed[0] == 0 and int(address) != 0:
        return False  # 0.x.x.x other than 0.0.0.0 reaches nothing
    return address.is_private or address.is_loopback or address.is_link_local or address.is_unspecified or address.is_reserved


def _classify(host: str) -> str | None:
    """Why this host is a forgery target, or None."""
    host = host.strip().replace("\\", "")
    if host.startswith("["):
        inner = host[1:].split("]")[0].split("%")[0]
        try:
            return "internal" if _internal_ip(ipaddress.IPv6Address(inner)) else None
        except ValueError:
            return None
    clean = _HOST_CHARS.match(host)
    host = clean.group().rstrip(".") if clean else ""
    if host in _METADATA_HOSTS:
        return "metadata"
    if host in _LOCAL_NAMES or host.endswith(_LOCAL_SUFFIXES):
        return "internal"
    if (host.endswith(_REBIND_ENDS) or "127.0.0.1." in host) and _DNS_REBIND.search(host):
        return "rebind"
    if host[:1].isdigit() or host.startswith("0x"):
        address = _ipv4_loose(host)
        if address is not None:
            if str(address) in _METADATA_HOSTS:
                return "metadata"
            return "internal" if _internal_ip(address) else None
    return None


_NOT_NETWORK = frozenset(("mailto", "tel", "urn", "data", "javascript", "about", "blob", "arn", "sms"))
_AT_HOST = lazy(r"@\s*(\[[0-9a-f:.]{2,60}\]?|[a-z0-9._-]{1,255})")
_BARE_HOST = lazy(r"^([a-z0-9._-]{1,255})(?::\d{1,5})?/")


def _internal_url(forms: Forms) -> str | None:
    """A URL (or bare host/path) whose host, however written, is internal."""
    raw = forms.get("raw")
    for text in dict.fromkeys((forms.get("text"), raw, forms.get("text").replace("\\", ""))):
        if ":" in text or "//" in text:
            for found in _URL.finditer(text):
                scheme = found.group(1)
                if scheme is None and found.start() > 0 and not text.startswith("//", found.start(2) - 2):
                    continue
                if scheme in _NOT_NETWORK:
                    continue
                if _classify(found.group(2)) is not None:
                    return text[found.start(): found.end() + 60]
            if "://" in text and "@" in text:
                for found in _AT_HOST.finditer(text):
                    if _classify(found.group(1)) is not None:
                        return text[max(0, found.start() - 40): found.end() + 20]
        bare = _BARE_HOST.match(text)
        if bare is not None and "." in bare.group(1) or bare is not None and bare.group(1) in _LOCAL_NAMES:
            host = bare.group(1)
            if host in _LOCAL_NAMES or host.endswith(_LOCAL_SUFFIXES) or host in _METADATA_HOSTS:
                return text[: bare.end() + 40]
    return None


RULES = ClassRules(
    "ssrf",
    None,
    (
        Rule("FGW-SSRF-101", "ssrf", "critical", 1, "cloud instance metadata endpoint (AWS/GCP/Azure/Alibaba/ECS)",
             pattern=rx(r"169\.254\.169\.254|169\.254\.170\.2\b|fd00:ec2::254|metadata\.google\.internal|/computemetadata/v1|/latest/(?:meta-data|user-data|dynamic|api/token)|\binstance-data\b|100\.100\.100\.200|metadata\.azure\.com|/metadata/(?:instance|identity)\b|\$aws_container_credentials_relative_uri|/v2/credentials/"),
             forms=("text",), needs=('169.254', 'fd00:', 'metadata', '/computemetadata', '/latest/', 'instance-data', '100.100.100.200', '/v2/credentials', 'aws_container')),
        Rule("FGW-SSRF-102", "ssrf", "critical", 1, "Lambda runtime or extensions API (credentials, next invocation)",
             pattern=rx(r"/20(?:18-06-01/runtime|20-01-01/(?:extension|telemetry)|20-08-15/logs|22-07-01/telemetry)/|aws_lambda_runtime_api|(?:127\.0\.0\.1|localhost|0\.0\.0\.0|\[::1?\]|0177\.0{0,3}\.0{0,3}\.0{0,2}1|2130706433):(?:9001|2773)\b"),
             forms=("text",), needs=('/2018-06-01/', '/2020-01-01/', '/2020-08-15/', '/2022-07-01/', 'aws_lambda_runtime_api', ':9001', ':2773')),
        Rule("FGW-SSRF-103", "ssrf", "high", 1, "URL whose host is loopback, private, link-local or metadata in any encoding",
             check=_internal_url),
        Rule("FGW-SSRF-104", "ssrf", "high", 1, "non-HTTP scheme that can reach internal services (gopher, dict, ldap, tftp...)",
             pattern=rx(r"(?:^|[^a-z0-9+.-])(?:gopher|dict|ldap|ldaps|tftp|sftp|jar|netdoc|local_file|redis|smb|telnet|rtsp|fastcgi)://|(?:^|[^a-z])jar:(?:https?|file):"),
             forms=("text",), needs=('://', 'jar:')),
        Rule("FGW-SSRF-105", "ssrf", "high", 1, "bare loopback host with port or path",
             pattern=rx(r"^(?:localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|0\.0\.0\.0|\[::1?\])(?::\d{1,5}/?|/)"),
             forms=("text",)),
        Rule("FGW-SSRF-106", "ssrf", "high", 1, "URL parser confusion (userinfo/fragment host tricks) towards an internal host",
             pattern=rx(r"https?://[^/\s]{0,80}[#@\\][^/\s]{0,40}@?(?:127\.|localhost|0\.0\.0\.0|169\.254\.|\[::)"),
             forms=("text",), needs=('://',)),
    ),
    needs=('://', ':/', 'http', 'https', 'localtest', 'local', 'internal', 'svc', 'loopback', 'lvh', 'vcap', 'kubernetes', 'localhost', 'metadata', 'instance-data', '169.254', '127.', '0.0.0.0', '[::', 'aws_lambda_runtime_api', '/latest/', 'runtime/', 'extension/', 'telemetry/', '/logs/', '100.100', 'fd00', '/v2/credentials', 'aws_container_credentials_relative_uri', 'jar:'),
)
