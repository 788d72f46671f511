"""Each trigger envelope on real sample events, with attack strings where callers write."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from guard_helpers import CMDI, SQLI, XSS, all_leaves, sample

from fnguard.guard.envelopes import TRIGGERS, open_event


def located(envelope: Any, location: str) -> list[str]:
    return [text for loc, text in all_leaves(envelope) if loc == location]


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def test_every_trigger_of_the_vocabulary_has_an_envelope() -> None:
    expected = {"http", "httpApi", "alb", "url", "websocket", "s3", "sqs", "sns", "kinesis", "firehose",
                "dynamodb", "eventBridge", "cloudwatchLog", "cognito", "ses", "iot", "kafka", "invoke"}
    assert set(TRIGGERS) == expected
    assert TRIGGERS[-1] == "invoke"


# -- HTTP-shaped -------------------------------------------------------------------------------

def test_rest_v1_multi_value_query_headers_path_and_identity() -> None:
    event = sample("apiGatewayProxyEvent.json")
    event["multiValueQueryStringParameters"] = {"id": ["7", SQLI]}
    event["multiValueHeaders"]["X-Custom"] = [XSS]
    event["pathParameters"] = {"user": CMDI}
    event["requestContext"]["identity"]["apiKeyId"] = "key-123"
    event["requestContext"]["authorizer"] = {"claims": {"sub": "user-sub-1"}}
    env = open_event(event)
    assert env.trigger == "http" and env.http
    assert located(env, "query.id[1]") == [SQLI]
    assert located(env, "headers.x-custom") == [XSS]
    assert located(env, "pathParameters.user") == [CMDI]
    assert env.route == "GET /my/path"
    assert env.request_id == "id="
    assert env.caller.ip == "192.168.0.1/32"
    assert env.caller.api_key_id == "key-123"
    assert env.caller.sub == "user-sub-1"


def test_rest_v1_never_takes_the_caller_ip_from_x_forwarded_for() -> None:
    event = sample("apiGatewayProxyEvent.json")
    event["headers"]["X-Forwarded-For"] = "6.6.6.6"
    event["multiValueHeaders"]["X-Forwarded-For"] = ["6.6.6.6"]
    assert open_event(event).caller.ip == "192.168.0.1/32"


def test_rest_v1_base64_json_body_is_decoded() -> None:
    event = sample("apiGatewayProxyEvent.json")
    event["multiValueHeaders"]["Content-Type"] = ["application/json"]
    event["body"] = b64(json.dumps({"items": [{"name": SQLI}]}))
    event["isBase64Encoded"] = True
    assert located(open_event(event), "body.items[0].name") == [SQLI]


def test_rest_v1_form_body_is_decoded() -> None:
    event = sample("apigatewayeSchemaMiddlwareValidEvent.json")
    event["headers"] = {"Content-Type": "application/x-www-form-urlencoded"}
    event["multiValueHeaders"] = {"Content-Type": ["application/x-www-form-urlencoded"]}
    event["body"] = f"user=bob&comment={quote_plus(XSS)}"
    env = open_event(event)
    assert located(env, "body.comment") == [XSS]
    assert located(env, "body.user") == ["bob"]


def test_multipart_form_fields_and_file_names() -> None:
    event = sample("apiGatewayProxyV2Event.json")
    boundary = "----fnguardBoundary"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n{SQLI}\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"../../etc/passwd\"\r\n"
        f"Content-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n"
    )
    event["headers"]["content-type"] = f"multipart/form-data; boundary={boundary}"
    event["body"] = b64(body)
    event["isBase64Encoded"] = True
    env = open_event(event)
    assert located(env, "body.title") == [SQLI]
    assert located(env, "body.upload.filename") == ["../../etc/passwd"]
    assert located(env, "body.upload.content") == ["hello"]


def test_http_api_v2_raw_query_cookies_body_and_jwt_sub() -> None:
    event = sample("apiGatewayProxyV2Event.json")
    event["rawQueryString"] = "q=" + quote(SQLI) + "&page=2"
    event["cookies"] = ["session=abc", f"pref={quote(XSS)}"]
    event["body"] = json.dumps({"comment": CMDI})
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = "jwt-sub"
    env = open_event(event)
    assert env.trigger == "httpApi" and env.http
    assert located(env, "query.q") == [SQLI]
    assert located(env, "headers.cookie.pref") == [quote(XSS)]
    assert located(env, "body.comment") == [CMDI]
    assert env.route == "POST /my/path"
    assert env.request_id == "id"
    assert (env.caller.ip, env.caller.sub) == ("192.168.0.1/32", "jwt-sub")


def test_function_url_is_told_from_http_api_by_its_domain() -> None:
    event = sample("lambdaFunctionUrlEventWithHeaders.json")
    event["rawQueryString"] = "next=" + quote("http://169.254.169.254/latest/meta-data/")
    env = open_event(event)
    assert env.trigger == "url" and env.http
    assert located(env, "query.next") == ["http://169.254.169.254/latest/meta-data/"]
    assert env.caller.ip == "123.123.123.123"


def test_alb_query_is_percent_decoded_and_caller_is_the_last_forwarded_hop() -> None:
    event = sample("albEvent.json")
    event["queryStringParameters"] = {"q": quote_plus(SQLI)}
    event["headers"]["x-forwarded-for"] = "6.6.6.6, 72.12.164.125"
    env = open_event(event)
    assert env.trigger == "alb" and env.http and env.alb and not env.multi_value_headers
    assert located(env, "query.q") == [SQLI]
    assert env.caller.ip == "72.12.164.125"


def test_alb_multi_value_headers() -> None:
    event = sample("albMultiValueHeadersEvent.json")
    event["multiValueHeaders"]["x-evil"] = ["ok", XSS]
    env = open_event(event)
    assert env.multi_value_headers
    assert located(env, "headers.x-evil[1]") == [XSS]


def test_websocket_message_body() -> None:
    # No WebSocket sample ships with the corpus: this is the documented $default message shape.
    event = {
        "requestContext": {
            "routeKey": "$default", "eventType": "MESSAGE", "connectionId": "L0SM9cOFvHcCIhw=",
            "requestId": "ws-req-1", "identity": {"sourceIp": "203.0.113.9"}, "messageDirection": "IN",
        },
        "body": json.dumps({"action": "send", "text": SQLI}),
        "isBase64Encoded": False,
    }
    env = open_event(event)
    assert env.trigger == "websocket" and not env.http
    assert located(env, "body.text") == [SQLI]
    assert (env.request_id, env.route, env.caller.ip) == ("ws-req-1", "$default", "203.0.113.9")


def test_rest_request_authorizer_is_not_answered_with_http() -> None:
    env = open_event(sample("apiGatewayAuthorizerRequestEvent.json"))
    assert env.trigger == "http" and not env.http


# -- records -----------------------------------------------------------------------------------

def test_s3_key_is_url_decoded_with_plus_as_space() -> None:
    event = sample("s3Event.json")
    event["Records"][0]["s3"]["object"]["key"] = quote_plus("uploads/../../etc/passwd x")
    env = open_event(event)
    assert env.trigger == "s3"
    assert located(env, "records[0].key") == ["uploads/../../etc/passwd x"]
    assert env.caller.ip == "205.255.255.255"


def test_sqs_body_json_and_message_attributes_with_record_ids() -> None:
    event = sample("sqsEvent.json")
    event["Records"][1]["body"] = json.dumps({"cmd": CMDI})
    event["Records"][0]["messageAttributes"]["testAttr"] = {"stringValue": SQLI, "dataType": "String"}
    env = open_event(event)
    assert env.trigger == "sqs"
    assert located(env, "records[1].body.cmd") == [CMDI]
    assert located(env, "records[0].messageAttributes.testAttr") == [SQLI]
    by_location = {p.location: p for p in env.parts}
    assert by_location["records[1].body"].record == 1
    assert by_location["records[1].body"].record_id == event["Records"][1]["messageId"]


def test_sns_in_sqs_is_unwrapped_to_the_message() -> None:
    event = sample("snsSqsEvent.json")
    notification = json.loads(event["Records"][0]["body"])
    notification["Message"] = json.dumps({"username": SQLI})
    event["Records"][0]["body"] = json.dumps(notification)
    env = open_event(event)
    assert env.trigger == "sqs"
    assert located(env, "records[0].message.username") == [SQLI]


def test_sns_message_subject_and_attributes() -> None:
    event = sample("snsEvent.json")
    event["Records"][0]["Sns"]["Message"] = CMDI
    event["Records"][0]["Sns"]["Subject"] = XSS
    env = open_event(event)
    assert env.trigger == "sns"
    assert located(env, "records[0].message") == [CMDI]
    assert located(env, "records[0].subject") == [XSS]
    assert env.request_id == event["Records"][0]["Sns"]["MessageId"]


def test_eventbridge_detail() -> None:
    event = sample("eventBridgeEvent.json")
    event["detail"]["note"] = SQLI
    env = open_event(event)
    assert env.trigger == "eventBridge"
    assert located(env, "detail.note") == [SQLI]
    assert env.request_id == event["id"]


def test_kinesis_base64_data_and_gzip_cloudwatch_payloads() -> None:
    event = sample("kinesisStreamEvent.json")
    event["Records"][0]["kinesis"]["data"] = b64(json.dumps({"q": SQLI}))
    event["Records"][1]["kinesis"]["data"] = b64(gzip.compress(json.dumps({"logEvents": [{"message": CMDI}]}).encode()))
    env = open_event(event)
    assert env.trigger == "kinesis"
    assert located(env, "records[0].data.q") == [SQLI]
    assert located(env, "records[1].data.logEvents[0].message") == [CMDI]
    part = next(p for p in env.parts if p.record == 0)
    assert part.record_id == event["Records"][0]["kinesis"]["sequenceNumber"]


def test_firehose_base64_records() -> None:
    event = sample("kinesisFirehosePutEvent.json")
    event["records"][1]["data"] = b64(XSS)
    env = open_event(event)
    assert env.trigger == "firehose"
    assert located(env, "records[1].data") == [XSS]
    assert located(env, "records[0].data") == ["Hello World"]


def test_dynamodb_typed_images_become_plain_values() -> None:
    event = sample("dynamoStreamEvent.json")
    event["Records"][1]["dynamodb"]["NewImage"]["Message"] = {"S": SQLI}
    event["Records"][1]["dynamodb"]["NewImage"]["Tags"] = {"L": [{"S": "ok"}, {"M": {"v": {"S": CMDI}}}]}
    env = open_event(event)
    assert env.trigger == "dynamodb"
    assert located(env, "records[1].newImage.Message") == [SQLI]
    assert located(env, "records[1].newImage.Tags[1].v") == [CMDI]
    assert located(env, "records[1].oldImage.Message") == ["New item!"]
    assert located(env, "records[0].keys.Id") == ["101"]


@pytest.mark.parametrize("name", ["cloudWatchLogEvent.json", "cloudWatchLogEventWithPolicyLevel.json"])
def test_cloudwatch_logs_compressed_samples_decode(name: str) -> None:
    env = open_event(sample(name))
    assert env.trigger == "cloudwatchLog"
    assert any(loc.startswith("logEvents[0].message") for loc, _ in all_leaves(env))


def test_cloudwatch_logs_attack_in_a_log_line() -> None:
    event = sample("cloudWatchLogEvent.json")
    doc = {"messageType": "DATA_MESSAGE", "logEvents": [{"id": "1", "timestamp": 1, "message": "${jndi:ldap://x/a}"}]}
    event["awslogs"]["data"] = b64(gzip.compress(json.dumps(doc).encode()))
    assert located(open_event(event), "logEvents[0].message") == ["${jndi:ldap://x/a}"]


def test_cognito_user_attributes_and_migration_password() -> None:
    event = sample("cognitoPreSignUpEvent.json")
    event["request"]["userAttributes"]["name"] = XSS
    env = open_event(event)
    assert env.trigger == "cognito"
    assert located(env, "request.userAttributes.name") == [XSS]
    assert located(env, "userName") == ["userName"]
    migration = open_event(sample("cognitoUserMigrationEvent.json"))
    assert located(migration, "request.password") == ["password"]
    assert open_event(sample("cognitoPreTokenGenerationEvent.json")).caller.sub


def test_ses_subject_sender_and_headers() -> None:
    event = sample("sesEvent.json")
    mail = event["Records"][0]["ses"]["mail"]
    mail["commonHeaders"]["subject"] = SQLI
    mail["headers"].append({"name": "X-Mailer", "value": CMDI})
    env = open_event(event)
    assert env.trigger == "ses"
    assert located(env, "records[0].subject") == [SQLI]
    assert located(env, "records[0].source") == ["janedoe@example.com"]
    assert located(env, "records[0].headers.x-mailer") == [CMDI]


@pytest.mark.parametrize("name", ["kafkaEventMsk.json", "kafkaEventSelfManaged.json"])
def test_kafka_base64_key_value_and_byte_headers(name: str) -> None:
    event = sample(name)
    record = next(iter(event["records"].values()))[0]
    assert located(open_event(event), "records[0].key") == [base64.b64decode(record["key"]).decode()]
    record["value"] = b64(json.dumps({"q": SQLI}))
    record["headers"] = [{"x-evil": list(CMDI.encode())}]
    env = open_event(event)
    assert env.trigger == "kafka"
    assert located(env, "records[0].value.q") == [SQLI]
    assert located(env, "records[0].headers.x-evil") == [CMDI]


def test_iot_custom_authorizer_and_rule_output() -> None:
    # Documented IoT Core custom authorizer request (no sample in the corpus).
    event = {
        "token": "aToken", "signatureVerified": False, "protocols": ["tls", "mqtt"],
        "protocolData": {"tls": {"serverName": "x.iot.amazonaws.com"},
                         "mqtt": {"username": SQLI, "password": "cGFzcw==", "clientId": "c1"}},
        "connectionMetadata": {"id": "conn-1"},
    }
    env = open_event(event)
    assert env.trigger == "iot" and env.request_id == "conn-1"
    assert located(env, "protocolData.mqtt.username") == [SQLI]
    rule_output = open_event({"temperature": 21, "device": CMDI}, trigger="iot")
    assert rule_output.trigger == "iot"
    assert located(rule_output, "device") == [CMDI]


def test_direct_invocation_inspects_any_json() -> None:
    env = open_event({"order": {"items": [{"sku": SQLI}]}})
    assert env.trigger == "invoke"
    assert located(env, "order.items[0].sku") == [SQLI]
    assert open_event([1, "x"]).trigger == "invoke"
    assert open_event("plain").parts[0].value == "plain"


@pytest.mark.parametrize(
    ("name", "trigger"),
    [
        ("apiGatewayProxyEvent.json", "http"), ("apiGatewayProxyV2Event.json", "httpApi"),
        ("lambdaFunctionUrlEvent.json", "url"), ("albEvent.json", "alb"), ("s3Event.json", "s3"),
        ("sqsEvent.json", "sqs"), ("snsEvent.json", "sns"), ("kinesisStreamEvent.json", "kinesis"),
        ("kinesisFirehosePutEvent.json", "firehose"), ("dynamoStreamEvent.json", "dynamodb"),
        ("eventBridgeEvent.json", "eventBridge"), ("cloudWatchLogEvent.json", "cloudwatchLog"),
        ("cognitoPreSignUpEvent.json", "cognito"), ("sesEvent.json", "ses"), ("kafkaEventMsk.json", "kafka"),
        ("s3SqsEvent.json", "sqs"), ("snsSqsFifoEvent.json", "sqs"), ("appSyncResolverEvent.json", "invoke"),
    ],
)
def test_real_samples_are_recognised(name: str, trigger: str) -> None:
    assert open_event(sample(name)).trigger == trigger
