"""Kinesis consumer: add each click's weight to its page's total."""

import base64
import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def handler(event, context):
    for record in event["Records"]:
        click = json.loads(base64.b64decode(record["kinesis"]["data"]))
        weight = float(click["weight"])
        table.update_item(
            Key={"page": str(click["page"])},
            UpdateExpression="ADD clicks :w",
            ExpressionAttributeValues={":w": int(weight)},
        )
