"""Event-source mappings and what they poll: SQS queues (with their policy), Kinesis streams,
DynamoDB streams. Queues and streams are named by their CloudFormation logical id when tagged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fnguard.load.aws.client import Account
from fnguard.load.aws.names import tags_to_dict
from fnguard.load.aws.template import Template, get_att, json_document

_BATCH = {"BatchSize": "BatchSize", "MaximumBatchingWindowInSeconds": "MaximumBatchingWindowInSeconds",
          "MaximumRetryAttempts": "MaximumRetryAttempts", "BisectBatchOnFunctionError": "BisectBatchOnFunctionError",
          "MaximumRecordAgeInSeconds": "MaximumRecordAgeInSeconds", "ParallelizationFactor": "ParallelizationFactor",
          "StartingPosition": "StartingPosition", "TumblingWindowInSeconds": "TumblingWindowInSeconds",
          "FunctionResponseTypes": "FunctionResponseTypes", "FilterCriteria": "FilterCriteria",
          "ScalingConfig": "ScalingConfig", "DestinationConfig": "DestinationConfig", "Topics": "Topics",
          "Queues": "Queues", "SelfManagedEventSource": "SelfManagedEventSource"}


def read(account: Account, region: str, template: Template, mappings: list[Mapping[str, Any]]) -> None:
    sources = sorted({str(m["EventSourceArn"]) for m in mappings if m.get("EventSourceArn")})
    lids = dict(zip(sources, account.map(lambda arn: _source(account, region, template, arn), sources), strict=True))
    for mapping in mappings:
        function = template.function_of(mapping.get("FunctionArn"))
        if function is None:
            continue
        props: dict[str, Any] = {"FunctionName": mapping["FunctionArn"],
                                 "Enabled": str(mapping.get("State", "Enabled")) not in ("Disabled", "Disabling")}
        source = mapping.get("EventSourceArn")
        if source:
            lid, attribute = lids.get(str(source)) or (None, None)
            props["EventSourceArn"] = get_att(lid, attribute) if lid and attribute else source
        for key, target in _BATCH.items():
            if mapping.get(key) not in (None, [], {}):
                props[target] = mapping[key]
        if isinstance(props.get("DestinationConfig"), Mapping) and not (
                props["DestinationConfig"].get("OnFailure") or {}).get("Destination"):
            props.pop("DestinationConfig")
        template.add(f"{function}EventSourceMapping{str(mapping.get('UUID', ''))[:8]}",
                     f"arn:aws:lambda:{region}::event-source-mapping:{mapping.get('UUID')}",
                     "AWS::Lambda::EventSourceMapping", props)


def _source(account: Account, region: str, template: Template, arn: str) -> tuple[str | None, str | None]:
    """(logical id, attribute that yields ``arn``) of a queue or stream written to the template."""
    service = arn.split(":")[2] if arn.count(":") >= 5 else ""
    if service == "sqs":
        return _queue(account, region, template, arn), "Arn"
    if service == "kinesis":
        name = arn.rsplit("/", 1)[-1]
        tags = tags_to_dict((account.call("kinesis", region, "ListTagsForStream", StreamName=name) or {}).get("Tags"))
        return template.add(name, arn, "AWS::Kinesis::Stream", {"Name": name}, tags), "Arn"
    if service == "dynamodb" and "/stream/" in arn:
        table_arn = arn.split("/stream/", 1)[0]
        name = table_arn.rsplit("/", 1)[-1]
        tags = tags_to_dict((account.call("dynamodb", region, "ListTagsOfResource", ResourceArn=table_arn) or {}).get(
            "Tags"))
        return template.add(name, table_arn, "AWS::DynamoDB::Table", {"TableName": name}, tags), "StreamArn"
    return None, None


def _queue(account: Account, region: str, template: Template, arn: str) -> str | None:
    parts = arn.split(":")
    name, owner = parts[5], parts[4]
    url = (account.call("sqs", region, "GetQueueUrl", QueueName=name, QueueOwnerAWSAccountId=owner) or {}).get(
        "QueueUrl")
    if not url:
        return None
    attributes = (account.call("sqs", region, "GetQueueAttributes", QueueUrl=url, AttributeNames=["All"]) or {}).get(
        "Attributes") or {}
    tags = tags_to_dict((account.call("sqs", region, "ListQueueTags", QueueUrl=url) or {}).get("Tags"))
    props: dict[str, Any] = {"QueueName": name}
    for key in ("RedrivePolicy", "VisibilityTimeout", "KmsMasterKeyId", "SqsManagedSseEnabled"):
        if attributes.get(key) is not None:
            props[key] = json_document(attributes[key]) if key == "RedrivePolicy" else attributes[key]
    lid = template.add(name, arn, "AWS::SQS::Queue", props, tags)
    policy = json_document(attributes.get("Policy"))
    if policy is not None:
        template.add(f"{lid}Policy", f"{arn}#policy", "AWS::SQS::QueuePolicy", {"Queues": [url], "PolicyDocument": policy})
    return lid
