"""GET /reports?month=2024-01: build a CSV report and upload it."""

import os
import re
import subprocess
import tempfile

import boto3

s3 = boto3.client("s3")
MONTH = re.compile(r"\d{4}-\d{2}")


def handler(event, context):
    month = event["queryStringParameters"]["month"]
    if not MONTH.fullmatch(month):
        return {"statusCode": 400, "body": "bad month"}
    with tempfile.TemporaryDirectory() as workdir:
        path = os.path.join(workdir, "report.csv")
        with open(path, "w") as output:
            subprocess.run(["generate-report", "--month", month], stdout=output, check=True)
        s3.upload_file(path, os.environ["REPORTS_BUCKET"], f"reports/{month}.csv")
    return {"statusCode": 200, "body": "ok"}
