"""S3 ObjectCreated under uploads/: write a 128 px thumbnail under thumbnails/."""

import os
import subprocess
import tempfile
import urllib.parse

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    for record in event["Records"]:
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        name = os.path.basename(key)
        with tempfile.TemporaryDirectory() as workdir:
            local = os.path.realpath(os.path.join(workdir, name))
            if not local.startswith(workdir + os.sep):
                continue
            s3.download_file(os.environ["BUCKET"], key, local)
            subprocess.run(["convert", local, "-resize", "128x128", local + ".png"], check=True)
            s3.upload_file(local + ".png", os.environ["BUCKET"], f"thumbnails/{name}.png")
