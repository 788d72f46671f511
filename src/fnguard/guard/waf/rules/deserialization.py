"""Insecure deserialization markers: Python pickle and YAML tags, jsonpickle, Java serialized
streams (raw and base64 ``rO0AB``), .NET type names, PHP ``O:n:"Class"``, node-serialize, Ruby YAML."""

from __future__ import annotations

from fnguard.guard.waf.rules.base import ClassRules, Rule, rx

RULES = ClassRules(
    "deserialization",
    None,
    (
        Rule("FGW-DESER-101", "deserialization", "critical", 1, "YAML tag constructing Python objects",
             pattern=rx(r"!!python/(?:object|name|module|apply)|!!python/object/(?:new|apply)"), forms=("text",)),
        Rule("FGW-DESER-102", "deserialization", "critical", 1, "pickle stream calling a global (c<module>\\n<name>\\n ... R)",
             pattern=rx(r"(?:^|[^a-z])c(?:__builtin__|builtins|os|posix|nt|subprocess|commands|sys|pty|socket|platform)\n[a-z_]{1,30}\n|\x80[\x02-\x05].{0,40}?(?:\x8c|c)(?:\x08|.)?(?:builtins|posix|os|subprocess|nt)"),
             forms=("raw", "text")),
        Rule("FGW-DESER-103", "deserialization", "critical", 1, "base64 pickle protocol 2-5 header",
             pattern=rx(r"(?:^|[^a-z0-9+/])(?:gasv|gaij|gajj|gaslaaaaaaaa|gaslgaaaaaaa)"),
             forms=("raw",)),
        Rule("FGW-DESER-104", "deserialization", "critical", 1, "Java serialized object (raw or base64/hex)",
             pattern=rx(r"ro0ab|aced0005|\xac\xed\x00\x05"), forms=("raw", "text")),
        Rule("FGW-DESER-105", "deserialization", "high", 1, "jsonpickle / Python object hooks",
             pattern=rx(r"(?:^|[\"'])py/(?:object|reduce|newargs|function|type|repr|initargs|tuple|set|state)(?:$|[\"'])"), forms=("text",)),
        Rule("FGW-DESER-106", "deserialization", "critical", 1, ".NET gadget type names in JSON/XML",
             pattern=rx(r"\$type[\"']?\s*:\s*[\"'][^\"']{0,200}(?:system\.|microsoft\.|objectdataprovider|windowsidentity|typeconfuse)|objectdataprovider|system\.windows\.data|system\.diagnostics\.process|typeconfusedelegate|textformattingrunproperties|aaeaaad/////"),
             forms=("raw", "text")),
        Rule("FGW-DESER-107", "deserialization", "high", 1, "PHP serialized object",
             pattern=rx(r"(?:^|[;{\s\"'])o:\d{1,4}:\"[a-z_\\][a-z0-9_\\]{0,100}\":\d{1,4}:\{|(?:^|[;{\s])a:\d{1,4}:\{(?:i|s):\d"),
             forms=("raw", "text")),
        Rule("FGW-DESER-108", "deserialization", "critical", 1, "node-serialize function marker",
             pattern=rx(r"_\$\$nd_func\$\$_"), forms=("text",)),
        Rule("FGW-DESER-109", "deserialization", "critical", 1, "Ruby YAML object tags",
             pattern=rx(r"!ruby/(?:object|hash|struct|class|module|marshal)"), forms=("text",)),
        Rule("FGW-DESER-110", "deserialization", "high", 1, "Java gadget chain class names",
             pattern=rx(r"(?:invokertransformer|chainedtransformer|instantiatetransformer|constanttransformer|clonetransformer|instantiatefactory|prototypeclonefactory|prototypeserializationfactory|forclosure|whileclosure|templatesimpl|annotationinvocationhandler|badattributevalueexpexception|jdbcrowsetimpl|commons\.collections|org\.apache\.commons\.collections|com\.sun\.rowset|java\.beans\.xmldecoder|javax\.script\.scriptenginemanager|javax\.management\.)"),
             forms=("text",)),
        Rule("FGW-DESER-111", "deserialization", "high", 1, "Java XMLDecoder / XStream object construction",
             pattern=rx(r"<java\s[^>]{0,100}class=[\"']java\.beans\.xmldecoder|<object\s+class=[\"']java\.lang\.(?:processbuilder|runtime)|<sorted-set>|<dynamic-proxy>"),
             forms=("text",)),
        Rule("FGW-DESER-113", "deserialization", "high", 1, "polymorphic JSON type hints naming Java classes (Jackson, fastjson)",
             pattern=rx(r"^\s*\[\s*\"(?:java|javax|org|com|ch|net|sun)\.[a-z0-9_.$]{3,120}\"\s*,\s*[{\[]|[\"']@type[\"']\s*:\s*[\"'](?:java|javax|org|com|sun)\.|[\"']\$?class[\"']\s*:\s*[\"'](?:java|javax|org|com|sun)\.[a-z0-9_.$]{3,120}(?:processbuilder|runtime|templatesimpl|jdbcrowsetimpl|filehandler)"),
             forms=("text",), needs=("[", "@type", "class")),
        Rule("FGW-DESER-112", "deserialization", "high", 1, "base64 of Java serialized stream at other byte offsets",
             pattern=rx(r"(?:^|[\s\"'=:>])(?:kztaa[a-z0-9+/]|cs7qa[a-z0-9+/]|rO0AB)"), forms=("raw",)),
    ),
    needs=('!!', '!ruby', 'py/', 'ro0ab', 'aced', '\xac\xed', '$type', 'o:', 'a:', '_$$nd', 'c__builtin', 'cbuiltins', 'cos\n', 'cposix', 'csubprocess', 'cnt\n', 'csys\n', 'cpty\n', 'csocket', 'cplatform', 'ccommands', '\x80', 'objectdataprovider', 'system.', 'invokertransformer', 'chainedtransformer', 'instantiatetransformer', 'constanttransformer', 'instantiatefactory', 'prototypeclonefactory', 'prototypeserializationfactory', 'forclosure', 'whileclosure', 'templatesimpl', 'annotationinvocationhandler', 'jdbcrowsetimpl', 'java.', 'javax.', '<java', '<object', 'sorted-set', 'dynamic-proxy', 'kztaa', 'cs7qa', 'gasv', 'gaij', 'gajj', 'gasl', 'aaeaaad', 'aced0005', 'commons', 'xmldecoder', 'badattributevalueexpexception', 'scriptenginemanager', 'typeconfusedelegate', 'textformattingrunproperties', 'windowsidentity', 'runtime', 'c__builtin__', '@type', '["', 'class', 'clonetransformer', 'processbuilder'),
)
