"""SQS worker: charge the card of each queued payment."""

import base64
import pickle

import yaml


def handler(event, context):
    for record in event["Records"]:
        payment = pickle.loads(base64.b64decode(record["body"]))
        settings = yaml.load(payment["settings"], Loader=yaml.Loader)
        print("charging", payment["amount"], settings)
    return {"ok": True}
