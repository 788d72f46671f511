"""S3: buckets whose notifications invoke a selected function, with their policy.

Only those buckets are read further (policy, public access block, tags): a bucket that invokes
no function is not part of any app's perimeter.
"""

from __future__ import annotations

from typing import Any

from fnguard.load.aws.client import Account
from fnguard.load.aws.names import tags_to_dict
from fnguard.load.aws.template import Template, json_document


def read(account: Account, region: str, template: Template, home_region: str) -> None:
    for name, configurations in account.memo("s3:notifications", lambda: _all_notifications(account, home_region)):
        mine = [c for c in configurations if template.targets_function(c.get("LambdaFunctionArn"))]
        if mine:
            _write(account, home_region, template, name, mine)


def _all_notifications(account: Account, region: str) -> list[tuple[str, list[Any]]]:
    """(bucket, Lambda notification configurations) of every bucket that has some, read once per scan."""
    buckets = [str(b["Name"]) for b in account.pages("s3", region, "ListBuckets", "Buckets")]
    found = account.map(lambda name: (name, (account.call("s3", region, "GetBucketNotificationConfiguration",
                                                          Bucket=name) or {}).get("LambdaFunctionConfigurations")
                                             or []), buckets)
    return [(name, configurations) for name, configurations in found if configurations]


def _write(account: Account, region: str, template: Template, name: str, configurations: list[Any]) -> None:
    tags = tags_to_dict((account.call("s3", region, "GetBucketTagging", Bucket=name) or {}).get("TagSet"))
    block = (account.call("s3", region, "GetPublicAccessBlock", Bucket=name) or {}).get(
        "PublicAccessBlockConfiguration")
    policy = (account.call("s3", region, "GetBucketPolicy", Bucket=name) or {}).get("Policy")
    lambdas = []
    for configuration in configurations:
        rules = ((configuration.get("Filter") or {}).get("Key") or {}).get("FilterRules") or []
        for event in configuration.get("Events") or []:
            item: dict[str, Any] = {"Event": event, "Function": configuration["LambdaFunctionArn"]}
            if rules:
                item["Filter"] = {"S3Key": {"Rules": [{"Name": r.get("Name"), "Value": r.get("Value")} for r in rules]}}
            lambdas.append(item)
    props: dict[str, Any] = {"BucketName": name, "NotificationConfiguration": {"LambdaConfigurations": lambdas}}
    if block:
        props["PublicAccessBlockConfiguration"] = block
    arn = f"arn:aws:s3:::{name}"
    lid = template.add(name, arn, "AWS::S3::Bucket", props, tags)
    if policy:
        document = json_document(policy)
        if document is not None:
            template.add(f"{lid}Policy", f"{arn}#policy", "AWS::S3::BucketPolicy",
                         {"Bucket": name, "PolicyDocument": document})
