"""Propagation, sources and traps that the corpus apps exercise, on small handlers of the same shape."""

from __future__ import annotations

import textwrap
from pathlib import Path

from fnguard.analyze.code import analyze_paths
from fnguard.model import Finding


def _scan(tmp_path: Path, files: dict[str, str]) -> list[Finding]:
    paths = []
    for name, source in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip("\n"))
        paths.append(path)
    return analyze_paths([paths[0]], root=tmp_path, secrets=False)


def test_flow_crosses_modules_of_the_code_directory_with_each_step(tmp_path: Path) -> None:
    findings = _scan(tmp_path, {
        "app.py": """
            import json
            from lib.runner import run
            def handler(event, context):
                data = json.loads(event["Records"][0]["body"])
                order = data["orderId"]
                return run(order)
            """,
        "lib/__init__.py": "",
        "lib/runner.py": """
            import os
            def run(name):
                command = "touch /tmp/{}".format(name)
                os.system(command)
            """,
    })
    [hit] = [f for f in findings if f.rule_id == "FG401"]
    assert hit.file == str((tmp_path / "lib/runner.py").resolve()) and hit.line == 4
    assert hit.details["source"] == "event['Records'][0]['body']['orderId']"
    steps = [(Path(s["file"]).name, s["line"]) for s in hit.details["flow"]]
    assert steps[0] == ("app.py", 3) and steps[-1] == ("runner.py", 4)
    assert ("app.py", 6) in steps and ("runner.py", 3) in steps


def test_noop_validator_does_not_sanitise_but_a_real_one_does(tmp_path: Path) -> None:
    template = """
        import os
        from urllib import parse
        def handler(event, context):
            name = parse.unquote_plus(event["Records"][0]["s3"]["object"]["key"])
            if not is_safe(name):
                return {{"status": "error"}}
            os.system("touch /tmp/{{}}".format(name))
        def is_safe(s):
            {body}
        """
    noop = _scan(tmp_path, {"a.py": template.format(body="return True")})
    assert [f.line for f in noop if f.rule_id == "FG401"] == [7]
    real = _scan(tmp_path, {"a.py": template.format(body="return s.isalnum()")})
    assert [f for f in real if f.rule_id == "FG401"] == []


def test_control_dependence_alone_is_not_a_flow(tmp_path: Path) -> None:
    # DVSA admin_get_orders: the event picks constant fragments of the evaluated string.
    findings = _scan(tmp_path, {"a.py": """
        from boto3.dynamodb.conditions import Attr
        def handler(event, context):
            fe = "Attr('paymentTS').between(0, 1)"
            extra = "" if "orderId" not in event else " & Attr('orderId').eq(event['orderId'])"
            fe = fe + extra
            return eval(fe)
        """})
    assert [f for f in findings if f.rule_id == "FG402"] == []


def test_custom_resource_response_url_is_trusted(tmp_path: Path) -> None:
    findings = _scan(tmp_path, {"a.py": """
        import urllib3
        HTTP = urllib3.PoolManager()
        def handler(event, context):
            target = {}
            target["url"] = event["ResponseURL"]
            target["data"] = event["ResourceProperties"]["Name"]
            HTTP.request("PUT", target["url"], body=target["data"])
        """})
    assert [f for f in findings if f.rule_id == "FG406"] == []


def test_url_host_fixed_is_low_and_free_host_is_not(tmp_path: Path) -> None:
    findings = _scan(tmp_path, {"a.py": """
        import urllib3
        HTTP = urllib3.PoolManager()
        def handler(event, context):
            HTTP.request("GET", "https://api.example.com/v1/?id={}".format(event["msgId"]))
            HTTP.request("GET", "https://{}/v1/".format(event["host"]))
        """})
    by_line = {f.line: f.severity for f in findings if f.rule_id == "FG406"}
    assert by_line[4] == "low" and by_line[5] != "low"


def test_chalice_request_and_event_handlers_are_sources(tmp_path: Path) -> None:
    findings = _scan(tmp_path, {"app.py": """
        from chalice import Chalice
        import yaml, pymysql
        from json import loads
        app = Chalice(app_name="x")
        db = pymysql.connect(host="h")

        def _parts():
            return app.current_request.raw_body

        @app.route("/upload", methods=["POST"])
        def upload():
            return yaml.load(_parts())

        @app.on_sns_message(topic="t")
        def react(event):
            reading = loads(event.message)["reading"]
            with db.cursor() as cur:
                cur.execute("INSERT INTO t VALUES (%s)" % reading)
        """})
    got = {(f.rule_id, f.line, f.severity) for f in findings}
    assert ("FG407", 12, "critical") in got  # public route: full severity
    assert ("FG403", 18, "medium") in got  # SNS subscription: internal, one step lower


def test_flask_request_through_serverless_wsgi(tmp_path: Path) -> None:
    findings = _scan(tmp_path, {"app.py": """
        import subprocess
        from flask import Flask, request
        app = Flask(__name__)

        @app.route("/ping")
        def ping():
            host = request.args.get("host")
            return subprocess.check_output("ping -c 1 " + host, shell=True)
        """})
    assert [(f.rule_id, f.line) for f in findings] == [("FG401", 8)]


def test_second_order_read_back_by_event_key_is_reported_lower(tmp_path: Path) -> None:
    findings = _scan(tmp_path, {"a.py": """
        import json, boto3, sqlite3
        def handler(event, context):
            order_id = json.loads(event["Records"][0]["body"])["orderId"]
            table = boto3.resource("dynamodb").Table("orders")
            items = table.get_item(Key={"orderId": order_id})["Item"]["itemList"]
            cur = sqlite3.connect("x").cursor()
            for key in items.keys():
                cur.execute("SELECT * FROM inventory WHERE id = " + key)
        """})
    [hit] = [f for f in findings if f.rule_id == "FG403"]
    assert hit.line == 8 and hit.details["second_order"] is True and hit.severity == "low"


def test_unreached_function_is_not_analysed(tmp_path: Path) -> None:
    findings = _scan(tmp_path, {"a.py": """
        import jsonpickle
        def handler(event, context):
            return {"ok": True}
        def get_item(order_id, user):
            return jsonpickle.decode(order_id)
        """})
    assert [f for f in findings if f.rule_id == "FG407"] == []


def test_numeric_conversion_and_route_annotation_sanitise(tmp_path: Path) -> None:
    findings = _scan(tmp_path, {"a.py": """
        import os
        def handler(event, context):
            count = int(event["queryStringParameters"]["count"])
            os.system("seq %d" % count)
            size = event["queryStringParameters"]["size"]
            os.system("seq " + size)
        """})
    assert [f.line for f in findings if f.rule_id == "FG401"] == [6]


def test_powertools_resolver_and_data_classes_are_sources(tmp_path: Path) -> None:
    findings = _scan(tmp_path, {"app.py": """
        import requests
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver
        from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent, event_source
        app = APIGatewayRestResolver()

        @app.get("/files/<name>")
        def get_file(name):
            path = app.current_event.get_query_string_value(name="path", default_value="")
            return open("/data/" + path).read()

        @event_source(data_class=APIGatewayProxyEvent)
        def lambda_handler(event: APIGatewayProxyEvent, context):
            url = event.json_body["url"]
            requests.get(url, timeout=3)
            return app.resolve(event.raw_event, context)
        """})
    got = {(f.rule_id, f.line) for f in findings}
    assert got == {("FG405", 9), ("FG406", 14)}


def test_records_loop_unpacking_join_and_base64(tmp_path: Path) -> None:
    findings = _scan(tmp_path, {"a.py": """
        import base64, json, os
        def handler(event, context):
            for record in event["Records"]:
                payload = json.loads(base64.b64decode(record["kinesis"]["data"]))
                name, mode = payload["name"], "fast"
                parts = " ".join(["convert", name])
                os.system(parts)
                os.system("echo %s" % mode)
        """})
    [hit] = [f for f in findings if f.rule_id == "FG401"]
    assert hit.line == 7 and hit.details["source"].startswith("event['Records']")


def test_stored_value_after_a_fixed_host_is_not_reported(tmp_path: Path) -> None:
    findings = _scan(tmp_path, {"a.py": """
        import boto3
        from urllib.request import urlopen
        def handler(event, context):
            item = boto3.resource("dynamodb").Table("t").get_item(Key={"id": event["tenantId"]})["Item"]
            urlopen("https://api.telegram.org/bot" + item["token"] + "/getMe")
            urlopen(item["endpoint"])
        """})
    assert [(f.rule_id, f.line) for f in findings] == [("FG406", 6)]


def test_object_attributes_carry_taint_into_methods(tmp_path: Path) -> None:
    findings = _scan(tmp_path, {"a.py": """
        import subprocess
        class Job:
            def __init__(self, command):
                self.command = command
                self.mode = "fast"
            def run(self):
                subprocess.run("nice " + self.command, shell=True)
            def describe(self):
                subprocess.run("echo " + self.mode, shell=True)

        def handler(event, context):
            job = Job(event["command"])
            job.describe()
            return job.run()
        """})
    assert [(f.rule_id, f.line) for f in findings] == [("FG401", 7)]


def test_eval_of_built_string_without_flow_is_fg414_not_fg402(tmp_path: Path) -> None:
    findings = _scan(tmp_path, {"a.py": """
        def handler(event, context):
            fe = "Attr('a').eq(1)"
            if "user" in event:
                fe = fe + " & Attr('user').exists()"
            eval("1 + 1")
            return eval(fe)
        """})
    assert [(f.rule_id, f.line, f.severity) for f in findings] == [("FG414", 6, "low")]


def test_routes_of_an_imported_router_module_are_entries(tmp_path: Path) -> None:
    findings = _scan(tmp_path, {
        "app.py": """
            from aws_lambda_powertools.event_handler import APIGatewayRestResolver
            from routes import files
            app = APIGatewayRestResolver()
            app.include_router(files.router)
            def lambda_handler(event, context):
                return app.resolve(event, context)
            """,
        "routes/__init__.py": "",
        "routes/files.py": """
            from aws_lambda_powertools.event_handler.api_gateway import Router
            router = Router()

            @router.get("/files/<name>")
            def read(name):
                return open("/srv/" + name).read()
            """,
    })
    assert [(f.rule_id, Path(f.file).name, f.line) for f in findings] == [("FG405", "files.py", 6)]


def test_path_argument_after_a_helper_fixed_host_is_low(tmp_path: Path) -> None:
    findings = _scan(tmp_path, {"a.py": """
        import os
        import urllib.request
        def call_vm(endpoint, path):
            return urllib.request.urlopen(f"https://{endpoint}{path}").read()
        def fetch(endpoint, path):
            return urllib.request.urlopen(f"https://{endpoint}{path}").read()
        def handler(event, context):
            call_vm(os.environ["VM"], f"/progress?id={event['turnId']}")
            fetch(os.environ["VM"], event["path"])
        """})
    by_line = {f.line: (f.details["source"], f.severity) for f in findings if f.rule_id == "FG406"}
    assert by_line == {4: ("event['turnId']", "low"), 6: ("event['path']", "medium")}


def test_aws_answers_are_clean_but_object_bodies_are_not(tmp_path: Path) -> None:
    findings = _scan(tmp_path, {"a.py": """
        import os
        import boto3
        s3 = boto3.client("s3")
        def handler(event, context):
            head = s3.get_object_tagging(Bucket="b", Key=event["key"])
            os.system("echo " + head["TagSet"][0]["Value"])
            body = s3.get_object(Bucket="b", Key=event["key"])["Body"].read()
            os.system("echo " + body.decode())
        """})
    assert [(f.rule_id, f.line) for f in findings] == [("FG401", 8)]
