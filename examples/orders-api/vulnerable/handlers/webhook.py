"""Function URL: payment provider webhook that confirms a callback."""

import json
import urllib.request


def handler(event, context):
    body = json.loads(event.get("body") or "{}")
    with urllib.request.urlopen(body["callback_url"]) as response:
        status = response.status
    return {"statusCode": 200, "body": json.dumps({"callback_status": status})}
