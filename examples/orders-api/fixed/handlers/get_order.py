"""GET /orders/{id}: read one order."""

import json
import os
import uuid

import boto3

dynamodb = boto3.client("dynamodb")


def handler(event, context):
    order_id = str(uuid.UUID(event["pathParameters"]["id"]))
    statement = f"SELECT * FROM \"{os.environ['TABLE_NAME']}\" WHERE id = ?"
    result = dynamodb.execute_statement(Statement=statement, Parameters=[{"S": order_id}])
    return {"statusCode": 200, "body": json.dumps(result["Items"])}
