"""The read-only IAM policy ``fnguard scan --aws`` needs, printed by ``--print-policy``.

Kept as data beside the account reader so that the error for a refused call and the policy to
grant name the same actions: every API call of :mod:`fnguard.load.aws` maps to one of these.
No action here can change the account; ``lambda:GetFunction`` returns a short-lived URL of the
deployment package, which is how the scanner reads the deployed code.
"""

from __future__ import annotations

import json
from typing import Any

ACTIONS: tuple[str, ...] = (
    "sts:GetCallerIdentity",
    "lambda:ListFunctions",
    "lambda:GetFunction",
    "lambda:GetPolicy",
    "lambda:GetFunctionUrlConfig",
    "lambda:GetFunctionCodeSigningConfig",
    "lambda:GetFunctionEventInvokeConfig",
    "lambda:ListEventSourceMappings",
    "lambda:ListProvisionedConcurrencyConfigs",
    "lambda:GetLayerVersion",
    "iam:GetRole",
    "iam:ListRolePolicies",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "apigateway:GET",
    "s3:ListAllMyBuckets",
    "s3:GetBucketNotification",
    "s3:GetBucketPolicy",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketTagging",
    "sns:ListSubscriptions",
    "sns:GetSubscriptionAttributes",
    "sns:GetTopicAttributes",
    "sns:ListTagsForResource",
    "sqs:GetQueueUrl",
    "sqs:GetQueueAttributes",
    "sqs:ListQueueTags",
    "kinesis:ListTagsForStream",
    "dynamodb:ListTagsOfResource",
    "events:ListEventBuses",
    "events:ListRules",
    "events:ListTargetsByRule",
    "events:ListTagsForResource",
)

POLICY_NAME = "fnguard-scan-readonly"


def policy_document() -> dict[str, Any]:
    """The IAM policy document granting exactly :data:`ACTIONS` on every resource."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "FnguardScanReadOnly", "Effect": "Allow", "Action": list(ACTIONS), "Resource": "*"}],
    }


def render() -> str:
    """The policy as pretty JSON, ready for ``aws iam create-policy --policy-document``."""
    return json.dumps(policy_document(), indent=2) + "\n"


def hint() -> str:
    """What every missing-permission message ends with."""
    return "grant the read-only policy printed by 'fnguard scan --aws --print-policy'"
