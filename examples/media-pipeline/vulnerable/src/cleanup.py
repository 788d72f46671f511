"""Nightly: delete thumbnails older than 30 days."""

import datetime
import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    cutoff = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=30)
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=os.environ.get("BUCKET", "media"), Prefix="thumbnails/"):
        for item in page.get("Contents", []):
            if item["LastModified"] < cutoff:
                s3.delete_object(Bucket=os.environ.get("BUCKET", "media"), Key=item["Key"])
