"""Function URL (IAM auth): payment provider webhook that confirms a callback."""

import json
import urllib.parse
import urllib.request

ALLOWED_HOSTS = {"api.stripe.com"}


def handler(event, context):
    body = json.loads(event.get("body") or "{}")
    url = urllib.parse.urlparse(body["callback_url"])
    if url.scheme != "https" or url.hostname not in ALLOWED_HOSTS:
        return {"statusCode": 400, "body": "callback host not allowed"}
    with urllib.request.urlopen(url.geturl()) as response:
        status = response.status
    return {"statusCode": 200, "body": json.dumps({"callback_status": status})}
