"""Time of ``fnguard scan --aws`` on an emulated account of 500 functions (moto server).

The account holds 50 services of 10 functions each, as a team deploys them: one package, one
execution role (an inline policy and an AWS managed one) and one REST API per service, every
function routed on it (half without an authorizer), plus a queue, a schedule and a function
URL per service. Printed: the time to seed it, the time to read it (with the bounded pool, and
one call at a time as the baseline of the same run), and the time of the whole scan (read +
every analysis, code included).

    python bench/account_scale.py [--functions 500] [--workers 16]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "load"))

from test_load_aws_seed import ACCOUNT, AWS_ENV, CODE_BUCKET, REGION, Seeder  # noqa: E402

from moto_server import moto_server  # noqa: E402

HANDLER = '''import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def handler(event, context):
    body = json.loads(event.get("body") or "{{}}")
    table.put_item(Item={{"id": str(body.get("id")), "service": {service}, "function": {index}}})
    return {{"statusCode": 200, "body": json.dumps({{"ok": True}})}}
'''
PER_SERVICE = 10


def package(service: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(PER_SERVICE):
            archive.writestr(f"handlers/f{index}.py", HANDLER.format(service=service, index=index))
        archive.writestr("requirements.txt", "requests==2.31.0\n")
    return buffer.getvalue()


def seed_service(seeder: Seeder, service: int, count: int) -> None:
    name = f"svc{service:03d}"
    iam, lam, gateway = seeder.c("iam"), seeder.c("lambda"), seeder.c("apigateway")
    key = f"{name}.zip"
    seeder.c("s3").put_object(Bucket=CODE_BUCKET, Key=key, Body=package(service))
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.attach_role_policy(RoleName=f"{name}-role",
                           PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    iam.put_role_policy(RoleName=f"{name}-role", PolicyName="table", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:PutItem",
                                                 "Resource": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"}]}))
    api = gateway.create_rest_api(name=f"{name}-api", tags={"aws:cloudformation:logical-id": "ApiGatewayRestApi"})
    queue = seeder.c("sqs").create_queue(QueueName=f"{name}-queue")["QueueUrl"]
    queue_arn = seeder.c("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"]
    for index in range(count):
        function = f"{name}-dev-f{index}"
        arn = lam.create_function(
            FunctionName=function, Runtime="python3.12", Role=role, Handler=f"handlers/f{index}.handler",
            Code={"S3Bucket": CODE_BUCKET, "S3Key": key}, Timeout=30, MemorySize=512,
            Environment={"Variables": {"TABLE": name}},
            Tags={"aws:cloudformation:logical-id": f"F{index}LambdaFunction",
                  "aws:cloudformation:stack-name": f"{name}-dev"})["FunctionArn"]
        resource = gateway.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart=f"f{index}")
        gateway.put_method(restApiId=api["id"], resourceId=resource["id"], httpMethod="POST",
                           authorizationType="NONE" if index % 2 else "AWS_IAM")
        gateway.put_integration(restApiId=api["id"], resourceId=resource["id"], httpMethod="POST", type="AWS_PROXY",
                                integrationHttpMethod="POST",
                                uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations")
        if index == 7:
            lam.create_function_url_config(FunctionName=function, AuthType="NONE")
        if index == 8:
            seeder.c("events").put_rule(Name=f"{name}-nightly", ScheduleExpression="rate(1 day)")
            seeder.c("events").put_targets(Rule=f"{name}-nightly", Targets=[{"Id": "1", "Arn": arn}])
        if index == 9:
            lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=arn, BatchSize=10)
    gateway.create_deployment(restApiId=api["id"], stageName="dev")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=500)
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()
    os.environ.update(AWS_ENV)
    from fnguard.load.aws.client import Account, Options
    from fnguard.load.aws.scan import _workdir, load_account, scan_account

    services = max(1, args.functions // PER_SERVICE)
    with moto_server() as endpoint:
        seeder = Seeder(endpoint)
        seeder.c("s3").create_bucket(Bucket=CODE_BUCKET)
        start = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda s: seed_service(Seeder(endpoint), s, PER_SERVICE), range(services)))
        seeded = time.perf_counter() - start
        total = services * PER_SERVICE
        print(f"seeded {total} functions ({services} services) in {seeded:.1f} s")

        def read(workers: int) -> tuple[float, int]:
            with _workdir() as work:
                account = Account(Options(regions=(REGION,), endpoint_url=endpoint, max_workers=workers))
                begin = time.perf_counter()
                apps = load_account(account, work)
                elapsed = time.perf_counter() - begin
                account.close()
            return elapsed, sum(len(app.functions) for app in apps)

        parallel, found = read(args.workers)
        serial, _ = read(1)
        print(f"read the account ({found} functions): {parallel:.1f} s with {args.workers} workers, "
              f"{serial:.1f} s one call at a time (ratio {serial / parallel:.1f}x)")
        begin = time.perf_counter()
        result = scan_account(Options(regions=(REGION,), endpoint_url=endpoint, max_workers=args.workers))
        scanned = time.perf_counter() - begin
        functions = sum(len(app.functions) for app in result.apps)
        print(f"full scan (read + analyses) of {functions} functions: {scanned:.1f} s "
              f"({1000 * scanned / max(functions, 1):.0f} ms per function), {len(result.findings)} findings")
    return 0 if found == total == functions else 1


if __name__ == "__main__":
    raise SystemExit(main())
