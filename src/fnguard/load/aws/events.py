"""EventBridge: rules (scheduled or matching a pattern) on any bus that target a selected function."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fnguard.load.aws.client import Account
from fnguard.load.aws.names import tags_to_dict
from fnguard.load.aws.template import Template, json_document


def read(account: Account, region: str, template: Template) -> None:
    buses = [str(b.get("Name")) for b in account.pages("events", region, "ListEventBuses", "EventBuses")] or ["default"]
    rules = [rule for bus in buses for rule in account.pages("events", region, "ListRules", "Rules", EventBusName=bus)]
    found = account.map(lambda rule: _targets(account, region, template, rule), rules)
    for rule, targets in [item for item in found if item is not None]:
        tags = tags_to_dict((account.call("events", region, "ListTagsForResource", ResourceARN=rule["Arn"]) or {}).get(
            "Tags"))
        props: dict[str, Any] = {"Name": rule.get("Name"), "State": rule.get("State", "ENABLED"),
                                 "EventBusName": rule.get("EventBusName", "default"),
                                 "Targets": [{"Id": t.get("Id"), "Arn": t.get("Arn"),
                                              **({"Input": t["Input"]} if t.get("Input") else {})} for t in targets]}
        if rule.get("ScheduleExpression"):
            props["ScheduleExpression"] = rule["ScheduleExpression"]
        if rule.get("EventPattern"):
            props["EventPattern"] = json_document(rule["EventPattern"])
        template.add(str(rule.get("Name")), str(rule["Arn"]), "AWS::Events::Rule", props, tags)


def _targets(account: Account, region: str, template: Template,
             rule: Mapping[str, Any]) -> tuple[Mapping[str, Any], list[Any]] | None:
    targets = account.pages("events", region, "ListTargetsByRule", "Targets", Rule=rule["Name"],
                            EventBusName=rule.get("EventBusName", "default"))
    mine = [t for t in targets if template.targets_function(t.get("Arn"))]
    return (rule, mine) if mine else None
