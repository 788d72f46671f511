"""SNS: subscriptions that deliver to a selected function, with their topic and its policy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fnguard.load.aws.client import Account
from fnguard.load.aws.names import tags_to_dict
from fnguard.load.aws.template import Template, json_document, ref


def read(account: Account, region: str, template: Template) -> None:
    subscriptions = [s for s in account.pages("sns", region, "ListSubscriptions", "Subscriptions")
                     if str(s.get("Protocol", "")).lower() == "lambda" and template.targets_function(s.get("Endpoint"))]
    topics = sorted({str(s["TopicArn"]) for s in subscriptions})
    details = dict(zip(topics, account.map(lambda arn: _topic(account, region, arn), topics), strict=True))
    attributes = list(account.map(lambda s: _attributes(account, region, s), subscriptions))
    lids: dict[str, str] = {}
    for arn in topics:
        topic_attributes, tags = details[arn]
        name = arn.rsplit(":", 1)[-1]
        lids[arn] = template.add(name, arn, "AWS::SNS::Topic", {"TopicName": name}, tags)
        policy = json_document(topic_attributes.get("Policy"))
        if policy is not None:
            template.add(f"{lids[arn]}Policy", f"{arn}#policy", "AWS::SNS::TopicPolicy",
                         {"Topics": [arn], "PolicyDocument": policy})
    for subscription, extra in zip(subscriptions, attributes, strict=True):
        props: dict[str, Any] = {"Protocol": "lambda", "TopicArn": ref(lids[subscription["TopicArn"]]),
                                 "Endpoint": subscription["Endpoint"]}
        for key in ("FilterPolicy", "FilterPolicyScope", "RedrivePolicy"):
            if extra.get(key):
                props[key] = json_document(extra[key]) if key != "FilterPolicyScope" else extra[key]
        template.add(f"{lids[subscription['TopicArn']]}Subscription", str(subscription["SubscriptionArn"]),
                     "AWS::SNS::Subscription", props)


def _topic(account: Account, region: str, arn: str) -> tuple[Mapping[str, Any], dict[str, str]]:
    attributes = (account.call("sns", region, "GetTopicAttributes", TopicArn=arn) or {}).get("Attributes") or {}
    tags = tags_to_dict((account.call("sns", region, "ListTagsForResource", ResourceArn=arn) or {}).get("Tags"))
    return attributes, tags


def _attributes(account: Account, region: str, subscription: Mapping[str, Any]) -> Mapping[str, Any]:
    arn = str(subscription.get("SubscriptionArn", ""))
    if not arn.startswith("arn:"):
        return {}
    return (account.call("sns", region, "GetSubscriptionAttributes", SubscriptionArn=arn) or {}).get("Attributes") or {}
