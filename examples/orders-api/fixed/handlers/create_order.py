"""POST /orders: store a new order."""

import json
import os
import uuid

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event, context):
    body = json.loads(event["body"])
    order = {"id": str(uuid.uuid4()), "customer": str(body["customer"]), "items": list(body["items"])}
    table.put_item(Item=order)
    return {"statusCode": 201, "body": json.dumps(order)}
