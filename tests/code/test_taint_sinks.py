"""Every sink kind: a vulnerable handler is reported at the sink's line, its sanitised twin is not.

Each case is a real-looking handler. ``# SINK`` marks the line the finding must point at.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from fnguard.analyze.code import analyze_paths

CASES: dict[str, tuple[str, str, str]] = {
    # name: (rule, vulnerable, sanitised)
    "urlopen of a parsed URL, host allow-listed": ("FG406", """
        import json, urllib.parse, urllib.request
        def handler(event, context):
            url = urllib.parse.urlparse(json.loads(event["body"])["callback_url"])
            if url.scheme != "https":
                return {"statusCode": 400}
            return urllib.request.urlopen(url.geturl()).status  # SINK
        """, """
        import json, urllib.parse, urllib.request
        ALLOWED_HOSTS = {"api.stripe.com"}
        def handler(event, context):
            url = urllib.parse.urlparse(json.loads(event["body"])["callback_url"])
            if url.scheme != "https" or url.hostname not in ALLOWED_HOSTS:
                return {"statusCode": 400}
            return urllib.request.urlopen(url.geturl()).status
        """),
    "os.system": ("FG401", """
        import os
        def handler(event, context):
            name = event["queryStringParameters"]["name"]
            os.system("touch /tmp/" + name)  # SINK
        """, """
        import os, shlex
        def handler(event, context):
            name = event["queryStringParameters"]["name"]
            os.system("touch /tmp/" + shlex.quote(name))
        """),
    "subprocess shell": ("FG401", """
        import subprocess
        def handler(event, context):
            url = event["queryStringParameters"]["document_url"]
            return subprocess.Popen("curl -L %s" % url, shell=True).communicate()  # SINK
        """, """
        import subprocess
        def handler(event, context):
            url = event["queryStringParameters"]["document_url"]
            return subprocess.run(["curl", "-L", url], check=True)
        """),
    "sh -c": ("FG401", """
        import subprocess
        def handler(event, context):
            cmd = event["cmd"]
            subprocess.run(["sh", "-c", "echo " + cmd])  # SINK
        """, """
        import subprocess
        ALLOWED = {"date", "uptime"}
        def handler(event, context):
            cmd = event["cmd"]
            if cmd not in ALLOWED:
                return {"statusCode": 400}
            subprocess.run(["sh", "-c", cmd])
        """),
    "eval": ("FG402", """
        import json
        def handler(event, context):
            body = json.loads(event["body"])
            return eval(body["expr"])  # SINK
        """, """
        import json
        def handler(event, context):
            body = json.loads(event["body"])
            return int(body["expr"]) + 1
        """),
    "sql execute": ("FG403", """
        import json, sqlite3
        def handler(event, context):
            item = json.loads(event["body"])["itemId"]
            cur = sqlite3.connect("/tmp/db").cursor()
            return cur.execute("SELECT * FROM t WHERE id = " + item).fetchall()  # SINK
        """, """
        import json, sqlite3
        def handler(event, context):
            item = json.loads(event["body"])["itemId"]
            cur = sqlite3.connect("/tmp/db").cursor()
            return cur.execute("SELECT * FROM t WHERE id = ?", (item,)).fetchall()
        """),
    "sqlalchemy text": ("FG403", """
        from sqlalchemy import text
        def handler(event, context):
            name = event["pathParameters"]["name"]
            return text(f"SELECT * FROM users WHERE name = '{name}'")  # SINK
        """, """
        from sqlalchemy import text
        def handler(event, context):
            name = event["pathParameters"]["name"]
            return text("SELECT * FROM users WHERE name = :name").bindparams(name=name)
        """),
    "partiql": ("FG403", """
        import boto3
        def handler(event, context):
            ddb = boto3.client("dynamodb")
            user = event["user"]
            return ddb.execute_statement(Statement=f"SELECT * FROM orders WHERE user = '{user}'")  # SINK
        """, """
        import boto3
        def handler(event, context):
            ddb = boto3.client("dynamodb")
            user = event["user"]
            return ddb.execute_statement(Statement="SELECT * FROM orders WHERE user = ?", Parameters=[{"S": user}])
        """),
    "pymongo operator": ("FG404", """
        import json
        from db import collection
        def handler(event, context):
            query = {}
            for key in event["multiValueQueryStringParameters"]:
                query[key] = event["multiValueQueryStringParameters"][key][0]
            return list(collection.find(query))  # SINK
        """, """
        from db import collection
        def handler(event, context):
            item_id = event["pathParameters"]["id"]
            return collection.find_one({"_id": item_id})
        """),
    "dynamodb table name": ("FG404", """
        import boto3, json
        def handler(event, context):
            body = json.loads(event["body"])
            return boto3.client("dynamodb").scan(TableName=body["db"])  # SINK
        """, """
        import boto3, json, os
        from boto3.dynamodb.conditions import Attr
        def handler(event, context):
            body = json.loads(event["body"])
            table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
            return table.scan(FilterExpression=Attr("user").eq(body["user"]))
        """),
    "open": ("FG405", """
        import os
        def handler(event, context):
            path = os.path.join("/mnt/data", event["file"])
            with open(path) as f:  # SINK
                return f.read()
        """, """
        import os
        def handler(event, context):
            path = os.path.join("/mnt/data", os.path.basename(event["file"]))
            with open(path) as f:
                return f.read()
        """),
    "realpath check": ("FG405", """
        import os
        BASE = "/mnt/data"
        def handler(event, context):
            path = os.path.realpath(os.path.join(BASE, event["file"]))
            return open(path).read()  # SINK
        """, """
        import os
        BASE = "/mnt/data"
        def handler(event, context):
            path = os.path.realpath(os.path.join(BASE, event["file"]))
            if not path.startswith(BASE + "/"):
                raise ValueError("outside")
            return open(path).read()
        """),
    "zipfile": ("FG405", """
        import zipfile
        def handler(event, context):
            name = event["year"] + "/" + event["month"]
            zipfile.ZipFile("/tmp/" + name, "w").close()  # SINK
        """, """
        import zipfile
        def handler(event, context):
            name = event["year"] + "/" + event["month"]
            zipfile.ZipFile("/tmp/" + name.replace("/", "-"), "w").close()
        """),
    "requests": ("FG406", """
        import requests
        def handler(event, context):
            url = event["download_url"]
            return requests.get(url, timeout=5).text  # SINK
        """, """
        import requests
        import re
        def handler(event, context):
            url = event["download_url"]
            if not re.fullmatch(r"https://downloads\\.example\\.com/[a-z0-9/]+", url):
                return None
            return requests.get(url, timeout=5).text
        """),
    "urlopen": ("FG406", """
        from urllib.request import urlopen
        def handler(event, context):
            return urlopen(event["callback"]).read()  # SINK
        """, """
        import json
        from urllib.request import Request, urlopen
        def handler(event, context):
            body = json.dumps({"Status": "SUCCESS", "Data": event["ResourceProperties"]}).encode()
            urlopen(Request(event["ResponseURL"], data=body, method="PUT"))
        """),
    "presigned bucket": ("FG406", """
        import boto3
        def handler(event, context):
            s3 = boto3.client("s3")
            return s3.generate_presigned_url("get_object", Params={"Bucket": event["bucket"], "Key": "a"})  # SINK
        """, """
        import boto3, os
        def handler(event, context):
            s3 = boto3.client("s3")
            return s3.generate_presigned_url("get_object", Params={"Bucket": os.environ["B"], "Key": event["key"]})
        """),
    "pickle": ("FG407", """
        import base64, pickle
        def handler(event, context):
            return pickle.loads(base64.b64decode(event["body"]))  # SINK
        """, """
        import base64, json
        def handler(event, context):
            return json.loads(base64.b64decode(event["body"]))
        """),
    "jsonpickle": ("FG407", """
        import jsonpickle
        def handler(event, context):
            return jsonpickle.decode(event["body"])  # SINK
        """, """
        import json
        def handler(event, context):
            return json.loads(event["body"])
        """),
    "yaml tainted": ("FG407", """
        import yaml
        def handler(event, context):
            return yaml.load(event["body"])  # SINK
        """, """
        import yaml
        def handler(event, context):
            return yaml.safe_load(event["body"])
        """),
    "yaml whatever the source": ("FG408", """
        import yaml
        def handler(event, context):
            with open("config.yml") as f:
                return yaml.load(f, Loader=yaml.Loader)  # SINK
        """, """
        import yaml
        def handler(event, context):
            with open("config.yml") as f:
                return yaml.load(f, Loader=yaml.SafeLoader)
        """),
    "lxml": ("FG409", """
        from lxml import etree
        def handler(event, context):
            return etree.fromstring(event["body"])  # SINK
        """, """
        from lxml import etree
        def handler(event, context):
            parser = etree.XMLParser(resolve_entities=False, no_network=True)
            return etree.fromstring(event["body"], parser=parser)
        """),
    "jinja2": ("FG410", """
        from jinja2 import Template
        def handler(event, context):
            return Template("Hello " + event["name"]).render()  # SINK
        """, """
        from jinja2 import Template
        def handler(event, context):
            return Template("Hello {{ name }}").render(name=event["name"])
        """),
    "redirect": ("FG411", """
        def handler(event, context):
            target = event["queryStringParameters"]["next"]
            return {"statusCode": 302, "headers": {"Location": target}}  # SINK
        """, """
        def handler(event, context):
            target = event["queryStringParameters"]["next"]
            return {"statusCode": 302, "headers": {"Location": "https://app.example.com/" + target}}
        """),
    "header": ("FG412", """
        def handler(event, context):
            lang = event["queryStringParameters"]["lang"]
            return {"statusCode": 200, "headers": {"Content-Language": lang}}  # SINK
        """, """
        def handler(event, context):
            lang = event["queryStringParameters"]["lang"]
            if lang not in ("en", "fr"):
                lang = "en"
            return {"statusCode": 200, "headers": {"Content-Language": lang}}
        """),
    "print": ("FG413", """
        def handler(event, context):
            body = event["body"]
            print(f"received {body}")  # SINK
        """, """
        import json
        def handler(event, context):
            body = event["body"]
            print(f"received {json.dumps(body)}")
        """),
}


def _write(tmp_path: Path, source: str) -> tuple[Path, int | None]:
    text = textwrap.dedent(source).lstrip("\n")
    path = tmp_path / "handler.py"
    path.write_text(text)
    sink = next((n for n, line in enumerate(text.splitlines(), 1) if "# SINK" in line), None)
    return path, sink


@pytest.mark.parametrize("name", sorted(CASES))
def test_vulnerable_variant_is_reported_at_the_sink(tmp_path: Path, name: str) -> None:
    rule, vulnerable, _ = CASES[name]
    path, sink = _write(tmp_path, vulnerable)
    findings = analyze_paths([path], root=tmp_path, secrets=False)
    assert sink is not None
    assert [(f.rule_id, f.line) for f in findings if f.rule_id == rule] == [(rule, sink)]


@pytest.mark.parametrize("name", sorted(CASES))
def test_sanitised_variant_is_not_reported(tmp_path: Path, name: str) -> None:
    rule, _, sanitised = CASES[name]
    path, _ = _write(tmp_path, sanitised)
    findings = analyze_paths([path], root=tmp_path, secrets=False)
    assert [f.rule_id for f in findings if f.rule_id == rule] == []
