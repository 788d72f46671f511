"""GET /reports?month=2024-01: build a CSV report and upload it."""

import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    month = event["queryStringParameters"]["month"]
    path = f"/tmp/report-{month}.csv"
    os.system(f"generate-report --month {month} > {path}")
    s3.upload_file(path, os.environ["REPORTS_BUCKET"], f"reports/{month}.csv")
    return {"statusCode": 200, "body": "ok"}
