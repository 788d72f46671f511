"""Scan time per function for generated apps of 10, 100 and 1,000 functions.

The time per function must stay flat as the app grows (linear scaling). Where Checkov is
installed (on PATH, or named by $CHECKOV), it scans the same templates in the same run and the
ratio fnguard/Checkov is printed.

    python bench/scan_scale.py [--sizes 10,100,1000] [--format sam|serverless]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HANDLER = '''import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def handler(event, context):
    body = json.loads(event.get("body") or "{{}}")
    table.put_item(Item={{"id": str(body.get("id")), "n": {index}}})
    return {{"statusCode": 200, "body": json.dumps({{"ok": True}})}}
'''


def generate_sam(root: Path, count: int) -> Path:
    lines = [
        'AWSTemplateFormatVersion: "2010-09-09"',
        "Transform: AWS::Serverless-2016-10-31",
        "Globals:",
        "  Function:",
        "    Runtime: python3.12",
        "    CodeUri: src/",
        "    Timeout: 10",
        "Resources:",
        "  Table:",
        "    Type: AWS::DynamoDB::Table",
        "    Properties:",
        "      BillingMode: PAY_PER_REQUEST",
        "      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]",
        "      KeySchema: [{AttributeName: id, KeyType: HASH}]",
    ]
    (root / "src").mkdir(parents=True)
    for index in range(count):
        (root / "src" / f"fn{index}.py").write_text(HANDLER.format(index=index))
        lines += [
            f"  Fn{index}:",
            "    Type: AWS::Serverless::Function",
            "    Properties:",
            f"      Handler: fn{index}.handler",
            "      Environment: {Variables: {TABLE: !Ref Table}}",
            "      Policies:",
            "        - DynamoDBCrudPolicy: {TableName: !Ref Table}",
            "      Events:",
            "        Api:",
            "          Type: Api",
            f"          Properties: {{Path: /items{index}, Method: post}}",
        ]
    template = root / "template.yaml"
    template.write_text("\n".join(lines) + "\n")
    return template


def generate_serverless(root: Path, count: int) -> Path:
    lines = [
        "service: scale",
        "provider:",
        "  name: aws",
        "  runtime: python3.12",
        "  environment: {TABLE: !Ref Table}",
        "  iam:",
        "    role:",
        "      statements:",
        "        - {Effect: Allow, Action: ['dynamodb:PutItem'], Resource: !GetAtt Table.Arn}",
        "functions:",
    ]
    (root / "src").mkdir(parents=True)
    for index in range(count):
        (root / "src" / f"fn{index}.py").write_text(HANDLER.format(index=index))
        lines += [f"  fn{index}:", f"    handler: src/fn{index}.handler",
                  "    events:", f"      - http: {{path: items{index}, method: post}}"]
    lines += ["resources:", "  Resources:", "    Table:", "      Type: AWS::DynamoDB::Table"]
    template = root / "serverless.yml"
    template.write_text("\n".join(lines) + "\n")
    return template


def time_fnguard(template: Path, repeats: int) -> float:
    from fnguard.scan import scan_path

    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        scan_path(template.parent)
        best = min(best, time.perf_counter() - start)
    return best


def checkov_command() -> list[str] | None:
    explicit = os.environ.get("CHECKOV")
    if explicit:
        return [explicit]
    found = shutil.which("checkov")
    return [found] if found else None


def time_checkov(command: list[str], template: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command + ["-f", str(template), "--quiet", "--compact", "-o", "json"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--format", choices=("sam", "serverless"), default="sam")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    checkov = checkov_command()
    print(f"format={args.format} sizes={sizes} checkov={'yes' if checkov else 'not installed'}")
    print(f"{'functions':>9} {'fnguard s':>10} {'ms/function':>12} {'checkov s':>10} {'fnguard/checkov':>16}")
    per_function = []
    with tempfile.TemporaryDirectory() as workdir:
        for size in sizes:
            root = Path(workdir) / f"app{size}"
            root.mkdir()
            template = generate_sam(root, size) if args.format == "sam" else generate_serverless(root, size)
            seconds = time_fnguard(template, args.repeats if size < 1000 else 1)
            per_function.append(seconds / size)
            checkov_seconds = time_checkov(checkov, template) if checkov else None
            ratio = f"{seconds / checkov_seconds:16.2f}" if checkov_seconds else f"{'-':>16}"
            checkov_text = f"{checkov_seconds:10.2f}" if checkov_seconds else f"{'-':>10}"
            print(f"{size:9d} {seconds:10.3f} {seconds / size * 1000:12.3f} {checkov_text} {ratio}")
    growth = per_function[-1] / per_function[0] if per_function[0] else float("nan")
    print(f"time per function, largest/smallest app: {growth:.2f}x (1.0 = perfectly linear)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
