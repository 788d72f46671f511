"""S3 ObjectCreated: make a 128 px thumbnail of every uploaded image."""

import os
import subprocess
import urllib.parse

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        local = "/tmp/" + key
        s3.download_file(bucket, key, local)
        subprocess.run(f"convert {local} -resize 128x128 {local}.thumb.png", shell=True, check=True)
        s3.upload_file(local + ".thumb.png", os.environ["BUCKET"], "thumbnails/" + key + ".png")
