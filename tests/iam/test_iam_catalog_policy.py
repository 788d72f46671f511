"""Catalogue look-ups, wildcard expansion and policy evaluation (Allow/Deny, Not*, conditions)."""

from __future__ import annotations

from fnguard.iam import catalog, policy
from fnguard.model import Statement


def test_lookup_is_case_insensitive_and_gives_canonical_spelling() -> None:
    info = catalog.lookup("DYNAMODB:putitem")
    assert info is not None and info.action == "dynamodb:PutItem"
    assert info.access_level == "Write" and "table" in info.resource_types
    assert catalog.lookup("sts:GetCallerIdentify") is None


def test_suggest_finds_the_dvsa_typo() -> None:
    assert catalog.suggest("sts:GetCallerIdentify") == "sts:GetCallerIdentity"


def test_expand_wildcards() -> None:
    gets = catalog.expand("s3:Get*")
    assert "s3:GetObject" in gets and "s3:PutObject" not in gets
    assert all(a.startswith("s3:Get") for a in gets)
    assert len(catalog.expand("*")) > 15000
    assert catalog.expand("sqs:SendMessage") == ("sqs:SendMessage",)
    assert catalog.expand("nosuchservice:*") == ()


def test_allow_and_implicit_deny() -> None:
    stmts = [Statement("Allow", ("dynamodb:GetItem",), resources=("arn:aws:dynamodb:*:*:table/orders",))]
    assert policy.allowed(stmts, "dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/orders")
    assert not policy.allowed(stmts, "dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/users")
    assert not policy.allowed(stmts, "dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/orders")
    assert policy.allowed(stmts, "dynamodb:GetItem", None)  # on some resource
    assert not policy.allowed(stmts, "dynamodb:GetItem", "*")  # not on every resource


def test_explicit_deny_wins() -> None:
    stmts = [Statement("Allow", ("s3:*",), resources=("*",)),
             Statement("Deny", ("s3:Delete*",), resources=("*",))]
    assert policy.evaluate(stmts, "s3:DeleteObject", "arn:aws:s3:::b/k") == policy.DENY
    assert policy.evaluate(stmts, "s3:GetObject", "arn:aws:s3:::b/k") == policy.ALLOW
    assert "s3:DeleteObject" not in policy.granted_actions(stmts)
    assert "s3:GetObject" in policy.granted_actions(stmts)


def test_not_action_and_not_resource() -> None:
    stmts = [Statement("Allow", not_actions=("iam:*",), resources=("*",))]
    assert policy.allowed(stmts, "s3:GetObject", "*")
    assert not policy.allowed(stmts, "iam:PassRole", "*")
    scoped = [Statement("Allow", ("s3:GetObject",), not_resources=("arn:aws:s3:::secret/*",))]
    assert policy.allowed(scoped, "s3:GetObject", "arn:aws:s3:::public/a")
    assert not policy.allowed(scoped, "s3:GetObject", "arn:aws:s3:::secret/a")


def test_fn_sub_pseudo_parameters_and_template_references() -> None:
    stmts = [Statement("Allow", ("dynamodb:PutItem",), resources=(
        {"Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${OrdersTable}"},))]  # type: ignore[arg-type]
    need = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${OrdersTable}"
    assert policy.allowed(stmts, "dynamodb:PutItem", need)
    assert not policy.allowed(stmts, "dynamodb:PutItem", need.replace("Orders", "Users"))
    assert policy.resource_text({"Fn::GetAtt": ["T", "Arn"]}) == "${T.Arn}"
    assert policy.resource_text({"Ref": "T"}) == "${T}"


def test_conditions_known_and_unknown() -> None:
    cond = {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
    allow = [Statement("Allow", ("s3:GetObject",), resources=("*",), conditions=cond)]
    assert policy.allowed(allow, "s3:GetObject", "*", context={"aws:RequestedRegion": "eu-west-1"})
    assert not policy.allowed(allow, "s3:GetObject", "*", context={"aws:RequestedRegion": "us-east-1"})
    assert policy.allowed(allow, "s3:GetObject", "*")  # unknown key: an Allow may apply
    deny = [Statement("Allow", ("s3:*",), resources=("*",)),
            Statement("Deny", ("s3:*",), resources=("*",), conditions={"Bool": {"aws:SecureTransport": "false"}})]
    assert policy.allowed(deny, "s3:GetObject", "*")  # unknown key: a Deny may not apply
    assert not policy.allowed(deny, "s3:GetObject", "*", context={"aws:SecureTransport": "false"})


def test_invalid_actions_are_listed() -> None:
    stmts = [Statement("Allow", ("sts:GetCallerIdentify", "s3:GetObject", "s3:Get*", "nope:Thing"), resources=("*",))]
    assert [a for a, _ in policy.invalid_actions(stmts)] == ["sts:GetCallerIdentify", "nope:Thing"]
