"""boto3 calls found in handlers written the ways real code writes them."""

from __future__ import annotations

import textwrap
from pathlib import Path

from fnguard.code.boto3_calls import Env, Literal, find_calls


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root / next(iter(files))


def summary(handler: Path, name: str = "handler") -> set[tuple[str, str]]:
    return {(c.service, c.method) for c in find_calls(handler, name, handler.parent).calls}


def test_module_level_client_and_resource_table(tmp_path: Path) -> None:
    handler = write(tmp_path, {"app.py": """
        import os
        import boto3
        s3 = boto3.client("s3")
        table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
        def handler(event, context):
            s3.put_object(Bucket=os.environ.get("BUCKET"), Key="k", Body=b"")
            return table.put_item(Item=event)
    """})
    calls = find_calls(handler, "handler", tmp_path).calls
    by_method = {c.method: c for c in calls}
    assert set(by_method) == {"put_object", "put_item"}
    assert by_method["put_item"].param("TableName") == Env("TABLE")
    assert by_method["put_object"].param("Bucket") == Env("BUCKET")
    assert by_method["put_object"].param("Key") == Literal("k")


def test_client_created_in_helper_module_and_passed_as_argument(tmp_path: Path) -> None:
    handler = write(tmp_path, {
        "handler.py": """
            from lib.aws import make_client
            from lib import notify
            def handler(event, context):
                sqs = make_client("sqs")
                sns = make_client(service="sns")
                notify.send(sqs, event["body"])
                notify.publish(client=sns)
        """,
        "lib/__init__.py": "",
        "lib/aws.py": """
            import boto3
            def make_client(service):
                return boto3.client(service)
        """,
        "lib/notify.py": """
            import os
            def send(client, body):
                client.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=body)
            def publish(client):
                client.publish(TopicArn="arn:aws:sns:us-east-1:1:t", Message="m")
        """,
    })
    assert summary(handler) == {("sqs", "send_message"), ("sns", "publish")}


def test_aliases_sessions_and_from_imports(tmp_path: Path) -> None:
    handler = write(tmp_path, {"app.py": """
        import boto3 as b3
        from boto3 import client as mk, resource
        from boto3.session import Session
        session = b3.session.Session(region_name="eu-west-1")
        def handler(event, context):
            mk("kinesis").put_record(StreamName="s", Data=b"", PartitionKey="p")
            Session().client("secretsmanager").get_secret_value(SecretId="db")
            session.resource("sqs").get_queue_by_name(QueueName="q")
            resource("s3").Object("bucket", "key").get()
    """})
    assert summary(handler) == {
        ("kinesis", "put_record"), ("secretsmanager", "get_secret_value"),
        ("sqs", "get_queue_url"), ("s3", "get_object"),
    }


def test_paginators_waiters_and_transfer_helpers(tmp_path: Path) -> None:
    handler = write(tmp_path, {"app.py": """
        import boto3
        s3 = boto3.client("s3")
        ddb = boto3.client("dynamodb")
        def handler(event, context):
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket="logs"):
                pass
            ddb.get_waiter("table_exists").wait(TableName="t")
            s3.upload_file("/tmp/f", "uploads", "f")
            s3.download_file("uploads", "f", "/tmp/g")
            url = s3.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"})
    """})
    calls = find_calls(handler, "handler", tmp_path).calls
    assert {(c.service, c.method, c.via) for c in calls} == {
        ("s3", "list_objects_v2", "paginator"), ("dynamodb", "describe_table", "waiter"),
        ("s3", "upload_file", "upload_file"), ("s3", "download_file", "download_file"),
        ("s3", "get_object", "presigned"),
    }
    upload = next(c for c in calls if c.method == "upload_file")
    assert upload.param("Bucket") == Literal("uploads")  # positional argument 2 of upload_file


def test_resource_objects_collections_and_meta_client(tmp_path: Path) -> None:
    handler = write(tmp_path, {"app.py": """
        import boto3
        def handler(event, context):
            bucket = boto3.resource("s3").Bucket("site")
            for obj in bucket.objects.filter(Prefix="a/"):
                pass
            bucket.upload_file("/tmp/x", "x")
            table = boto3.resource("dynamodb").Table("orders")
            with table.batch_writer() as batch:
                pass
            table.meta.client.describe_table(TableName="orders")
            table.query(KeyConditionExpression="x")
    """})
    calls = find_calls(handler, "handler", tmp_path).calls
    assert {(c.service, c.method) for c in calls} == {
        ("s3", "list_objects"), ("s3", "put_object"), ("dynamodb", "batch_write_item"),
        ("dynamodb", "describe_table"), ("dynamodb", "query"),
    }
    listing = next(c for c in calls if c.method == "list_objects")
    assert listing.param("Bucket") == Literal("site")


def test_clients_kept_on_self(tmp_path: Path) -> None:
    handler = write(tmp_path, {"app.py": """
        import boto3
        class Repo:
            def __init__(self, name):
                self.table = boto3.resource("dynamodb").Table(name)
                self.events = boto3.client("events")
            def save(self, item):
                self.table.update_item(Key=item)
                self.events.put_events(Entries=[])
        repo = Repo("orders")
        def handler(event, context):
            repo.save(event)
    """})
    calls = find_calls(handler, "handler", tmp_path).calls
    assert {(c.service, c.method) for c in calls} == {("dynamodb", "update_item"), ("events", "put_events")}
    assert next(c for c in calls if c.method == "update_item").param("TableName") == Literal("orders")


def test_only_the_named_handler_is_an_entry(tmp_path: Path) -> None:
    handler = write(tmp_path, {"app.py": """
        import boto3
        s3 = boto3.client("s3")
        def create(event, context):
            s3.put_object(Bucket="b", Key="k")
        def delete(event, context):
            s3.delete_object(Bucket="b", Key="k")
    """})
    assert summary(handler, "create") == {("s3", "put_object")}
    assert summary(handler, None) == {("s3", "put_object"), ("s3", "delete_object")}  # type: ignore[arg-type]


def test_unresolvable_calls_are_reported_not_guessed(tmp_path: Path) -> None:
    handler = write(tmp_path, {"app.py": """
        import boto3
        def handler(event, context):
            c = boto3.client(event["service"])
            c.anything()
            p = boto3.client("s3").get_paginator(event["op"])
    """})
    result = find_calls(handler, "handler", tmp_path)
    assert result.calls == ()
    reasons = [u.reason for u in result.unresolved]
    assert any("service name that is not a literal" in r for r in reasons)
    assert any("unknown service" in r for r in reasons)
    assert any("get_paginator" in r for r in reasons)


def test_syntax_error_is_an_error_not_a_crash(tmp_path: Path) -> None:
    handler = write(tmp_path, {"app.py": "print 'python 2'\n"})
    result = find_calls(handler, "handler", tmp_path)
    assert result.calls == () and result.errors


def test_lazy_global_client_class_attribute_and_decorated_routes(tmp_path: Path) -> None:
    handler = write(tmp_path, {"app.py": """
        import boto3
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver
        app = APIGatewayRestResolver()
        _sqs = None
        def sqs():
            global _sqs
            if _sqs is None:
                _sqs = boto3.client("sqs")
            return _sqs
        def warm():
            global _sns
            _sns = boto3.client("sns")
        class Store:
            s3 = boto3.client("s3")
            def get(self):
                return self.s3.get_object(Bucket="b", Key="k")
        @app.get("/orders")
        def list_orders():
            _sns.publish(TopicArn="t", Message="m")
            return Store().get()
        def handler(event, context):
            warm()
            sqs().send_message(QueueUrl="q", MessageBody="m")
            return app.resolve(event, context)
    """})
    assert summary(handler) == {("sqs", "send_message"), ("sns", "publish"), ("s3", "get_object")}


def test_powertools_parameters_and_aws_wrapping_libraries(tmp_path: Path) -> None:
    handler = write(tmp_path, {"app.py": """
        import os
        from aws_lambda_powertools.utilities import parameters
        from pynamodb.models import Model
        def handler(event, context):
            key = parameters.get_parameter(os.environ["KEY_PARAM"])
            secret = parameters.get_secret("db-credentials")
    """})
    result = find_calls(handler, "handler", tmp_path)
    calls = {(c.service, c.method): c for c in result.calls}
    assert set(calls) == {("ssm", "get_parameter"), ("secretsmanager", "get_secret_value")}
    assert calls[("ssm", "get_parameter")].param("Name") == Env("KEY_PARAM")
    assert [u.reason for u in result.unresolved] == ["AWS calls made through the pynamodb library are not mapped"]


def test_dispatch_tables_callbacks_and_inherited_methods(tmp_path: Path) -> None:
    handler = write(tmp_path, {"app.py": """
        import boto3
        from concurrent.futures import ThreadPoolExecutor
        class Base:
            def __init__(self):
                self.ddb = boto3.client("dynamodb")
            def scan_all(self):
                return self.ddb.scan(TableName="t")
        class Orders(Base):
            pass
        def on_get(event):
            return Orders().scan_all()
        def on_delete(event):
            boto3.client("s3").delete_object(Bucket="b", Key="k")
        ROUTES = {"GET": on_get, "DELETE": on_delete}
        def notify(item):
            boto3.client("sns").publish(TopicArn="t", Message=item)
        def handler(event, context):
            with ThreadPoolExecutor() as pool:
                list(pool.map(notify, event["items"]))
            return ROUTES[event["httpMethod"]](event)
    """})
    assert summary(handler) == {("dynamodb", "scan"), ("s3", "delete_object"), ("sns", "publish")}


def test_calls_inside_lambdas_and_match_statements(tmp_path: Path) -> None:
    handler = write(tmp_path, {"app.py": """
        import boto3
        s3 = boto3.client("s3")
        def handler(event, context):
            list(map(lambda key: s3.delete_object(Bucket="b", Key=key), event["keys"]))
            match event.get("action"):
                case "notify":
                    boto3.client("sns").publish(TopicArn="t", Message="m")
                case _:
                    pass
    """})
    assert summary(handler) == {("s3", "delete_object"), ("sns", "publish")}
