"""GET /orders/{id}: read one order."""

import json

import boto3

dynamodb = boto3.client("dynamodb")


def handler(event, context):
    order_id = event["pathParameters"]["id"]
    statement = f"SELECT * FROM \"orders-dev\" WHERE id = '{order_id}'"
    result = dynamodb.execute_statement(Statement=statement)
    return {"statusCode": 200, "body": json.dumps(result["Items"])}
