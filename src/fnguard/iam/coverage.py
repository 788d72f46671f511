"""How well the boto3 → IAM mapping covers botocore, measured against the reference map.

Run ``python -m fnguard.iam.coverage [REFERENCE_MAP_JSON_GZ]`` (needs botocore). Figures per
service:

- ``ops``: operations of the installed botocore;
- ``mapped``: resolved by the shipped table (reference map entries, corrected);
- ``fallback``: resolved by ``<prefix>:<Operation>`` validated against the catalogue, or an override;
- ``unresolved``: neither (reported as such by the scanner, never guessed);
- ``agree``: share of reference entries whose action set fnguard reproduces exactly (the rest are
  the deliberate corrections: invalid actions fixed, parameter-only actions made conditional);
- ``fallback_accuracy``: on operations the reference *does* map, how often the naive
  ``<prefix>:<Operation>`` guess equals the reference's action set — an estimate of how right the
  fallback is on the operations the reference lacks.
"""

from __future__ import annotations

import gzip
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from fnguard.iam import boto3_map, catalog

SERVERLESS_SERVICES = (
    "s3", "dynamodb", "sqs", "sns", "lambda", "kinesis", "secretsmanager", "ssm", "kms", "sts",
    "events", "stepfunctions", "ses", "cloudwatch", "logs", "iam", "cognito-idp", "athena", "glue",
)


@dataclass(frozen=True)
class ServiceCoverage:
    service: str
    operations: int
    mapped: int
    fallback: int
    unresolved: tuple[str, ...]
    reference_entries: int
    agree: int
    fallback_checked: int
    fallback_right: int

    @property
    def coverage(self) -> float:
        return (self.mapped + self.fallback) / self.operations if self.operations else 1.0

    @property
    def agreement(self) -> float:
        return self.agree / self.reference_entries if self.reference_entries else 1.0

    @property
    def fallback_accuracy(self) -> float:
        return self.fallback_right / self.fallback_checked if self.fallback_checked else 1.0


def _reference(path: Path) -> dict[str, set[str]]:
    doc = json.load(gzip.open(path))
    ref = {key: {e["action"] for e in entries} for key, entries in doc["sdk_method_iam_mappings"].items()}
    for key in doc.get("sdk_permissionless_actions", []):
        ref[key] = set()
    return ref


def measure(service: str, reference: dict[str, set[str]]) -> ServiceCoverage:
    import botocore.session
    from botocore import xform_name

    model = botocore.session.get_session().get_service_model(service)
    sdk_classes = boto3_map._data()["services"].get(service, {}).get("sdk", [])
    prefix = boto3_map.service_prefix(service) or ""
    mapped = fallback = agree = entries = checked = right = 0
    unresolved: list[str] = []
    for operation in model.operation_names:
        method = xform_name(operation)
        needs = boto3_map.method_actions(service, method, None)
        if needs is None:
            unresolved.append(operation)
        elif needs and all(n.origin == boto3_map.MAPPED for n in needs) or (
            not needs and any(f"{c}.{operation}" in reference for c in sdk_classes)
        ):
            mapped += 1
        else:
            fallback += 1
        ref = next((reference[f"{c}.{operation}"] for c in sdk_classes if f"{c}.{operation}" in reference), None)
        if ref is None:
            continue
        entries += 1
        # Compare with every conditional action included, as the reference lists them.
        ours = {n.action.lower() for n in boto3_map.method_actions(service, method, frozenset({"*"})) or ()}
        ours |= {n.action.lower() for n in needs or ()}
        conditional = {r[0].lower() for r in boto3_map._data()["services"][service]["ops"].get(method, []) if r[2]}
        ours |= conditional
        agree += ours == {a.lower() for a in ref}
        info = catalog.lookup(f"{prefix}:{operation}")
        if ref:
            checked += 1
            right += info is not None and {info.action.lower()} == {a.lower() for a in ref}
    return ServiceCoverage(service, len(model.operation_names), mapped, fallback, tuple(unresolved),
                           entries, agree, checked, right)


def main(argv: list[str]) -> int:
    default = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "iam" / "map.json.gz"
    reference = _reference(Path(argv[1]) if len(argv) > 1 else default)
    services = argv[2:] or list(SERVERLESS_SERVICES)
    print(f"{'service':16} {'ops':>5} {'mapped':>6} {'fallbk':>6} {'unres':>5} {'cover':>6} "
          f"{'ref':>4} {'agree':>6} {'fb-acc':>6}")
    total = [0, 0, 0, 0, 0, 0, 0, 0]
    for service in services:
        c = measure(service, reference)
        print(f"{service:16} {c.operations:5} {c.mapped:6} {c.fallback:6} {len(c.unresolved):5} "
              f"{c.coverage:6.1%} {c.reference_entries:4} {c.agreement:6.1%} {c.fallback_accuracy:6.1%}")
        for i, v in enumerate((c.operations, c.mapped, c.fallback, len(c.unresolved), c.reference_entries,
                               c.agree, c.fallback_checked, c.fallback_right)):
            total[i] += v
    ops, mapped, fb, unres, ref, agree, checked, right = total
    print(f"{'TOTAL':16} {ops:5} {mapped:6} {fb:6} {unres:5} {(mapped + fb) / ops:6.1%} {ref:4} "
          f"{agree / ref:6.1%} {right / checked:6.1%}")
    for service in services:
        c = measure(service, reference)
        if c.unresolved:
            print(f"unresolved {service}: {', '.join(c.unresolved)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
