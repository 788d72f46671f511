"""POST /uploads: hand the browser a presigned URL to upload a file under uploads/."""

import json
import os
import uuid

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    key = f"uploads/{uuid.uuid4()}"
    url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": os.environ["BUCKET"], "Key": key}, ExpiresIn=300
    )
    return {"statusCode": 200, "body": json.dumps({"url": url, "key": key})}
