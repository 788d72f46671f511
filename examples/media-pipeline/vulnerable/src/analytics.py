"""Kinesis consumer: compute click metrics with expressions sent by the tracker."""

import base64
import json


def handler(event, context):
    totals = {}
    for record in event["Records"]:
        click = json.loads(base64.b64decode(record["kinesis"]["data"]))
        totals[click["page"]] = eval(click["weight_expression"])
    return totals
