"""POST /uploads: hand the browser a presigned URL to upload a file."""

import json
import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    body = json.loads(event["body"])
    url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": os.environ["BUCKET"], "Key": body["filename"]}, ExpiresIn=3600
    )
    return {"statusCode": 200, "body": json.dumps({"url": url})}
