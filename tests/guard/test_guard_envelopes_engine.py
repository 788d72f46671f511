"""Each envelope feeding the real WAF engine: an attack placed where a source carries caller data
is reported with that source's trigger name and the attack's location."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from guard_helpers import sample

from fnguard import protect

ATTACK = "1 UNION SELECT password FROM users--"


def b64(data: str | bytes) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def rest(e: dict[str, Any]) -> None:
    e["multiValueQueryStringParameters"] = {"q": [ATTACK]}


def http_api(e: dict[str, Any]) -> None:
    e["rawQueryString"] = "q=" + quote(ATTACK)


def alb(e: dict[str, Any]) -> None:
    e["queryStringParameters"] = {"q": quote_plus(ATTACK)}


def s3(e: dict[str, Any]) -> None:
    e["Records"][0]["s3"]["object"]["key"] = quote_plus(ATTACK)


def sqs(e: dict[str, Any]) -> None:
    e["Records"][0]["body"] = json.dumps({"q": ATTACK})


def sns(e: dict[str, Any]) -> None:
    e["Records"][0]["Sns"]["Message"] = json.dumps({"q": ATTACK})


def sns_in_sqs(e: dict[str, Any]) -> None:
    note = json.loads(e["Records"][0]["body"])
    note["Message"] = json.dumps({"q": ATTACK})
    e["Records"][0]["body"] = json.dumps(note)


def kinesis(e: dict[str, Any]) -> None:
    e["Records"][0]["kinesis"]["data"] = b64(json.dumps({"q": ATTACK}))


def firehose(e: dict[str, Any]) -> None:
    e["records"][0]["data"] = b64(ATTACK)


def dynamodb(e: dict[str, Any]) -> None:
    e["Records"][0]["dynamodb"]["NewImage"]["Message"] = {"S": ATTACK}


def eventbridge(e: dict[str, Any]) -> None:
    e["detail"]["q"] = ATTACK


def cloudwatch(e: dict[str, Any]) -> None:
    doc = {"logEvents": [{"id": "1", "timestamp": 1, "message": ATTACK}]}
    e["awslogs"]["data"] = b64(gzip.compress(json.dumps(doc).encode()))


def cognito(e: dict[str, Any]) -> None:
    e["request"]["userAttributes"]["name"] = ATTACK


def ses(e: dict[str, Any]) -> None:
    e["Records"][0]["ses"]["mail"]["commonHeaders"]["subject"] = ATTACK


def kafka(e: dict[str, Any]) -> None:
    next(iter(e["records"].values()))[0]["value"] = b64(json.dumps({"q": ATTACK}))


def invoke(e: dict[str, Any]) -> None:
    e["arguments"] = {"q": ATTACK}


CASES: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    ("apiGatewayProxyEvent.json", rest, "http", "query.q"),
    ("apiGatewayProxyV2Event.json", http_api, "httpApi", "query.q"),
    ("lambdaFunctionUrlEvent.json", http_api, "url", "query.q"),
    ("albEvent.json", alb, "alb", "query.q"),
    ("s3Event.json", s3, "s3", "records[0].key"),
    ("sqsEvent.json", sqs, "sqs", "records[0].body.q"),
    ("snsEvent.json", sns, "sns", "records[0].message.q"),
    ("snsSqsEvent.json", sns_in_sqs, "sqs", "records[0].message.q"),
    ("kinesisStreamEvent.json", kinesis, "kinesis", "records[0].data.q"),
    ("kinesisFirehosePutEvent.json", firehose, "firehose", "records[0].data"),
    ("dynamoStreamEvent.json", dynamodb, "dynamodb", "records[0].newImage.Message"),
    ("eventBridgeEvent.json", eventbridge, "eventBridge", "detail.q"),
    ("cloudWatchLogEvent.json", cloudwatch, "cloudwatchLog", "logEvents[0].message"),
    ("cognitoPreSignUpEvent.json", cognito, "cognito", "request.userAttributes.name"),
    ("sesEvent.json", ses, "ses", "records[0].subject"),
    ("kafkaEventMsk.json", kafka, "kafka", "records[0].value.q"),
    ("appSyncResolverEvent.json", invoke, "invoke", "arguments.q"),
]


@pytest.mark.parametrize(("name", "inject", "trigger", "location"), CASES, ids=[c[2] + ":" + c[0] for c in CASES])
def test_attack_is_found_where_the_source_put_it(
    name: str, inject: Callable[[dict[str, Any]], None], trigger: str, location: str, event_lines: Any
) -> None:
    guarded = protect(mode="alert")(lambda e, c: "ran")
    assert guarded(sample(name), None) == "ran"
    clean = [e for e in event_lines.of_type("waf") if e["location"] == location]
    assert clean == []  # the untouched sample has nothing at that location
    event = sample(name)
    inject(event)
    assert guarded(event, None) == "ran"
    found = [e for e in event_lines.of_type("waf") if e["location"] == location]
    assert found, [e["location"] for e in event_lines]
    assert {e["trigger"] for e in found} == {trigger} and {e["class"] for e in found} == {"sqli"}
    assert event_lines.of_type("guard_error") == []
