"""Container-reuse rules (FG601, FG602): handler code read with ast, loaded through a real template."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from fnguard.analyze import ScanContext, reuse
from fnguard.load import load_path
from fnguard.model import Finding

SLS = "service: demo\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  fn:\n    handler: app.handler\n"
SAM = ('AWSTemplateFormatVersion: "2010-09-09"\nTransform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n'
       "    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.handler\n      Runtime: python3.12\n"
       "      CodeUri: .\n")
TEMPLATES = {"serverless": ("serverless.yml", SLS), "sam": ("template.yaml", SAM)}


def run(tmp_path: Path, form: str, code: str, check) -> list[Finding]:  # type: ignore[no-untyped-def]
    name, template = TEMPLATES[form]
    (tmp_path / name).write_text(template)
    (tmp_path / "app.py").write_text(textwrap.dedent(code))
    return [f for app in load_path(tmp_path) for f in check(app, ScanContext())]


# ---------------------------------------------------------------------------------------- FG601

LEFT_BEHIND = """\
import boto3
s3 = boto3.client("s3")

def handler(event, context):
    path = f"/tmp/{event['key']}"
    s3.download_file("bucket", event["key"], path)
    with open("/tmp/out.txt", "w") as out:
        out.write("x")
"""
CLEANED = """\
import os
import boto3
s3 = boto3.client("s3")

def handler(event, context):
    path = f"/tmp/{event['key']}"
    try:
        s3.download_file("bucket", event["key"], path)
    finally:
        os.remove(path)
"""
TEMPDIR = """\
import tempfile

def handler(event, context):
    with tempfile.TemporaryDirectory() as work:
        open(work + "/x", "w").write("x")
"""
READ_ONLY = """\
def handler(event, context):
    with open("/tmp/cache.json") as cached:
        return cached.read()
"""
SHELL = """\
import os

def handler(event, context):
    path = "/tmp/report.csv"
    os.system(f"generate > {path}")
"""


@pytest.mark.parametrize("form", ["serverless", "sam"])
@pytest.mark.parametrize("code,lines", [
    (LEFT_BEHIND, [6, 7]), (CLEANED, []), (TEMPDIR, []), (READ_ONLY, []), (SHELL, [5]),
], ids=["left-behind", "cleaned", "tempdir", "read-only", "shell-redirect"])
def test_fg601_tmp_writes_never_removed(tmp_path: Path, form: str, code: str, lines: list[int]) -> None:
    found = run(tmp_path, form, code, reuse.tmp_left_behind)
    assert sorted(f.line for f in found) == lines
    assert all(f.file.endswith("app.py") and f.function.lower() == "fn" for f in found)
    # a per-request path is medium; one fixed name, overwritten at each invocation (a cache), is low
    assert {f.line: f.severity for f in found} == {line: "low" if code == LEFT_BEHIND and line == 7 else "medium"
                                                    for line in lines}


def test_fg601_mkstemp_without_removal() -> None:
    import ast

    tree = ast.parse("import tempfile\ndef h(e, c):\n    fd, p = tempfile.mkstemp()\n")
    assert [w.line for w in reuse.tmp_writes(tree)] == [3]
    assert not reuse.removes_files(tree)


# ---------------------------------------------------------------------------------------- FG602

PER_USER = """\
CUSTOMERS = {}

def handler(event, context):
    body = event["body"]
    CUSTOMERS[body["user"]] = body["card"]
    return len(CUSTOMERS)
"""
SECRET_GLOBAL = """\
import boto3
sm = boto3.client("secretsmanager")
DB_PASSWORD = None

def handler(event, context):
    global DB_PASSWORD
    if DB_PASSWORD is None:
        DB_PASSWORD = sm.get_secret_value(SecretId="db")["SecretString"]
"""
CONSTANT_CACHE = """\
import boto3
TABLES = {}

def handler(event, context):
    TABLES["orders"] = boto3.resource("dynamodb").Table("orders")
    seen = []
    seen.append(event["id"])
"""
LOCAL_SHADOW = """\
CACHE = {}

def handler(event, context):
    CACHE = {}
    CACHE[event["user"]] = 1
    return CACHE
"""


@pytest.mark.parametrize("form", ["serverless", "sam"])
@pytest.mark.parametrize("code,expected", [
    (PER_USER, [("CUSTOMERS", "per-user data", 5)]),
    (SECRET_GLOBAL, [("DB_PASSWORD", "secret", 8)]),
    (CONSTANT_CACHE, []),
    (LOCAL_SHADOW, []),
], ids=["per-user", "secret", "client-cache", "local-shadow"])
def test_fg602_module_state(tmp_path: Path, form: str, code: str, expected: list[tuple[str, str, int]]) -> None:
    found = run(tmp_path, form, code, reuse.module_state_caches)
    assert [(f.details["variable"], f.details["kind"], f.line) for f in found] == expected
    assert all(f.severity == "medium" and f.remediation for f in found)


def test_no_handler_code_no_findings(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(SLS)
    app = load_path(tmp_path)[0]
    assert list(reuse.tmp_left_behind(app, ScanContext())) == []
    assert list(reuse.module_state_caches(app, ScanContext())) == []


def test_fg602_sdk_client_built_from_the_event_is_not_user_data(tmp_path: Path) -> None:
    code = """\
    import boto3
    apigw = None

    def handler(event, context):
        global apigw
        domain = event["requestContext"]["domainName"]
        apigw = boto3.client("apigatewaymanagementapi", endpoint_url=f"https://{domain}")
    """
    assert run(tmp_path, "sam", code, reuse.module_state_caches) == []


def test_fg601_in_a_helper_module_the_handler_imports(tmp_path: Path) -> None:
    (tmp_path / "storage.py").write_text("def save(data):\n    with open('/tmp/' + data['id'], 'w') as f:\n"
                                        "        f.write(data['body'])\n")
    code = "import storage\n\ndef handler(event, context):\n    storage.save(event)\n"
    found = run(tmp_path, "serverless", code, reuse.tmp_left_behind)
    assert [(Path(f.file).name, f.line) for f in found] == [("storage.py", 2)]


@pytest.mark.parametrize("cleanup,expected", [("", [6]), ("    target.unlink()\n", [])])
def test_fg601_pathlib_open(tmp_path: Path, cleanup: str, expected: list[int]) -> None:
    code = ("from pathlib import Path\n\ndef handler(event, context):\n"
            "    target = Path('/tmp', event['name'])\n    data = b'x'\n"
            "    with target.open('wb') as out:\n        out.write(data)\n" + cleanup)
    assert [f.line for f in run(tmp_path, "sam", code, reuse.tmp_left_behind)] == expected
