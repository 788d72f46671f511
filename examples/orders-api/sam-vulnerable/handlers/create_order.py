"""POST /orders: store a new order."""

import json
import os
import uuid

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
RECENT_CUSTOMERS = {}  # module-level cache that outlives the invocation


def handler(event, context):
    body = json.loads(event["body"])
    order = {"id": str(uuid.uuid4()), "customer": body["customer"], "items": body["items"]}
    RECENT_CUSTOMERS[body["customer"]] = body.get("card_number")
    table.put_item(Item=order)
    return {"statusCode": 201, "body": json.dumps(order)}
