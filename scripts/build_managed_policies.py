"""Build src/fnguard/data/managed_policies.json from moto's copy of the AWS managed policies.

Why: the scanner analyses a function's real permissions, and a role that names
``arn:aws:iam::aws:policy/AmazonS3FullAccess`` grants whatever that document says. We ship the
documents of the policies serverless templates commonly attach (every one the development corpus
references, plus the usual AWSLambda* roles) and, for all others, only the name → ARN map so the
SAM translator can expand ``Policies: [SomeName]`` and the loader can say which ARNs it could
not read.

Source: moto (https://github.com/getmoto/moto), ``moto/iam/aws_managed_policies.py``, licensed
Apache-2.0, itself generated from the AWS IAM API. Run: ``python3 scripts/build_managed_policies.py``
(optionally ``--corpus DIR`` to add every managed policy a directory of templates references).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).resolve().parent.parent / "src" / "fnguard" / "data" / "managed_policies.json"

# The common policies of serverless apps, and every one the corpus under /work/shared references.
SHIPPED = (
    "AdministratorAccess",
    "PowerUserAccess",
    "ReadOnlyAccess",
    "IAMFullAccess",
    "AmazonS3FullAccess",
    "AmazonS3ReadOnlyAccess",
    "AmazonS3ObjectLambdaExecutionRolePolicy",
    "AmazonDynamoDBFullAccess",
    "AmazonDynamoDBReadOnlyAccess",
    "AWSLambda_FullAccess",
    "AWSLambda_ReadOnlyAccess",
    "AWSLambdaRole",
    "AWSLambdaExecute",
    "AWSLambdaBasicExecutionRole",
    "AWSLambdaBasicDurableExecutionRolePolicy",
    "AWSLambdaVPCAccessExecutionRole",
    "AWSLambdaDynamoDBExecutionRole",
    "AWSLambdaKinesisExecutionRole",
    "AWSLambdaSQSQueueExecutionRole",
    "AWSLambdaMSKExecutionRole",
    "AmazonSESFullAccess",
    "AmazonSNSFullAccess",
    "AmazonSQSFullAccess",
    "AmazonCognitoPowerUser",
    "CloudWatchFullAccess",
    "CloudWatchLogsFullAccess",
    "AWSXRayDaemonWriteAccess",
    "AWSXrayWriteOnlyAccess",
    "AWSStepFunctionsFullAccess",
    "SecretsManagerReadWrite",
    "AmazonKinesisFullAccess",
    "AmazonEventBridgeFullAccess",
    "AmazonAPIGatewayAdministrator",
    "AmazonAPIGatewayInvokeFullAccess",
    "AmazonAPIGatewayPushToCloudWatchLogs",
    "AWSAppSyncPushToCloudWatchLogs",
    "AWSCodeCommitFullAccess",
    "AmazonECSTaskExecutionRolePolicy",
    "AmazonEKSClusterPolicy",
    "AmazonEKSServicePolicy",
    "AmazonPollyReadOnlyAccess",
    "AmazonRoute53ReadOnlyAccess",
    "AmazonSSMReadOnlyAccess",
    "AmazonTextractFullAccess",
    "AWSPrivateCAReadOnly",
    "TranslateReadOnly",
    "AmazonRekognitionFullAccess",
    "AmazonBedrockFullAccess",
    "AWSKeyManagementServicePowerUser",
)

_ARN_NAME = re.compile(r"iam::aws:policy/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)")


def _moto_policies() -> dict[str, Any]:
    try:
        from moto.iam.aws_managed_policies import aws_managed_policies_data
    except ImportError:
        sys.exit("moto is not installed: pip install moto")
    return json.loads(aws_managed_policies_data)


def _corpus_names(corpus: Path, known: dict[str, Any]) -> set[str]:
    """Managed policy names a directory of templates mentions (as ARNs or SAM policy names)."""
    names: set[str] = set()
    for path in corpus.rglob("*"):
        if path.suffix not in (".yaml", ".yml", ".json") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        names.update(_ARN_NAME.findall(text))
        names.update(re.findall(r"^\s*-\s*([A-Z][\w-]+)\s*$", text, flags=re.MULTILINE))
    return {name for name in names if name in known}


def build(names: set[str], policies: dict[str, Any]) -> dict[str, Any]:
    missing = sorted(name for name in names if name not in policies)
    if missing:
        print(f"not in moto's data, skipped: {', '.join(missing)}", file=sys.stderr)
    shipped = {
        name: {
            "arn": f"arn:aws:iam::aws:policy{policies[name].get('Path', '/')}{name}",
            "version": policies[name].get("DefaultVersionId"),
            "updated": policies[name].get("UpdateDate"),
            "document": policies[name]["Document"],
        }
        for name in sorted(names)
        if name in policies
    }
    return {
        "source": "moto (https://github.com/getmoto/moto) moto/iam/aws_managed_policies.py, "
        "generated from the AWS IAM API; built by scripts/build_managed_policies.py",
        "licence": "Apache-2.0 (moto); the policy documents are published by AWS",
        "policies": shipped,
        "arns": {
            name: f"arn:aws:iam::aws:policy{entry.get('Path', '/')}{name}"
            for name, entry in sorted(policies.items())
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="add the managed policies these templates use")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    policies = _moto_policies()
    names = set(SHIPPED)
    if args.corpus:
        names |= _corpus_names(args.corpus, policies)
    data = build(names, policies)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{args.output}: {len(data['policies'])} documents, {len(data['arns'])} names")


if __name__ == "__main__":
    main()
