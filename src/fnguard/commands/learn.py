"""``fnguard learn``: turn learn-mode profiles into allow-lists and IAM policy, and show drift."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from fnguard.model import InputError
from fnguard.output import write_output

HELP = "turn learn-mode profiles into runtime allow-lists (merge), IAM policy (policy), or show drift (diff)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="learn_action", metavar="ACTION", required=True,
                                    parser_class=type(parser))
    merge = actions.add_parser("merge", help="write fnguard.yml allow-lists from profiles")
    merge.add_argument("profiles", nargs="+", help="profile JSON files or log exports with learn_profile events")
    merge.add_argument("--output", "-o", help="fnguard.yml to write (default: stdout)")
    merge.add_argument("--force", action="store_true", help="update an existing file, keeping its other settings")
    policy = actions.add_parser("policy", help="IAM policy from observed AWS calls, joined with the static analysis")
    policy.add_argument("profiles", nargs="+")
    policy.add_argument("--app", help="the app (template directory) to join the static analysis of")
    policy.add_argument("--function", help="the function of the app the profiles belong to")
    diff = actions.add_parser("diff", help="observed behaviour the current config would refuse, and unused allowances")
    diff.add_argument("profiles", nargs="+")
    diff.add_argument("--config", required=True, help="the fnguard.yml in force")
    diff.add_argument("--format", choices=("text", "json"), default="text")


def _yaml_text(document: dict) -> str:
    import yaml

    return "# written by 'fnguard learn merge' from observed behaviour\n" + yaml.safe_dump(
        document, default_flow_style=False, sort_keys=False)


def _read_config(path: Path) -> dict:
    from fnguard.load.yamlsource import load_document

    document = load_document(path)
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise InputError(f"{path}: fnguard.yml must be a mapping")
    return json.loads(json.dumps(document))  # plain dicts, lines dropped


def run(args: argparse.Namespace) -> int:
    from fnguard import learn_profiles

    merged = learn_profiles.merge(learn_profiles.read_profiles(args.profiles))
    if args.learn_action == "merge":
        sections = learn_profiles.allow_lists(merged)
        if args.output and Path(args.output).exists():
            if not args.force:
                raise InputError(f"{args.output}: exists; use --force to update its allow-lists in place")
            existing = _read_config(Path(args.output))
            existing.update({k: v for k, v in sections.items() if k != "mode"})
            existing.setdefault("mode", sections["mode"])
            sections = existing
        write_output(_yaml_text(sections), args.output, force=True)
        return 0
    if args.learn_action == "diff":
        config = _read_config(Path(args.config))
        result = learn_profiles.diff(merged, config)
        if args.format == "json":
            print(json.dumps(result, indent=2))
        else:
            for line in result["refused"]:
                print(f"would be refused: {line}")
            for line in result["unused"]:
                print(f"allowed, never observed: {line}")
            if not any(result.values()):
                print("no drift: the config allows exactly what was observed")
        return 1 if result["refused"] else 0
    from fnguard.learn_policy import observed_policy

    document, notes = observed_policy(merged, app_path=args.app, function=args.function)
    print(json.dumps(document, indent=2))
    for note in notes:
        sys.stderr.write(f"fnguard: note: {note}\n")
    return 0
