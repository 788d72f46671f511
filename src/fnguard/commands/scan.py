"""``fnguard scan PATH``: the public contract of DESIGN.md (formats, --output, --fail-on, exit codes)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fnguard.commands.load_options import add_load_arguments, load_kwargs
from fnguard.model import SEVERITIES, InputError, severity_at_least
from fnguard.output import write_output

HELP = "scan a serverless app (serverless.yml, SAM or CloudFormation), or a live AWS account with --aws, and report findings"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?",
                        help="directory holding serverless.yml or template.yaml, or the template file "
                             "(not with --aws)")
    parser.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    parser.add_argument("--output", "-o", help="write the report to this file instead of stdout")
    parser.add_argument("--fail-on", choices=SEVERITIES, default="high",
                        help="exit 1 when a finding is at or above this severity (default: high)")
    parser.add_argument("--baseline", help="a previous JSON report: findings already in it are hidden and counted")
    parser.add_argument("--db", dest="vuln_db", help="vulnerability database to use (default: bundled snapshot)")
    parser.add_argument("--force", action="store_true", help="overwrite --output if it exists")
    add_load_arguments(parser)
    account = parser.add_argument_group("live account (read-only, needs boto3: pip install 'fnguard[aws]')")
    account.add_argument("--aws", action="store_true", help="scan what is deployed in an AWS account instead of PATH")
    account.add_argument("--region", action="append", dest="regions", metavar="REGION",
                         help="region to read (repeatable; default: the profile's or AWS_DEFAULT_REGION)")
    account.add_argument("--profile", help="AWS profile to use (default: the usual credential chain)")
    account.add_argument("--function-prefix", metavar="PREFIX", help="only functions whose name starts with PREFIX")
    account.add_argument("--endpoint-url", metavar="URL", help="an AWS emulator (moto, LocalStack) instead of AWS")
    account.add_argument("--print-policy", action="store_true",
                         help="print the read-only IAM policy --aws needs, and exit")


def run(args: argparse.Namespace) -> int:
    from fnguard.scan import scan_path

    if getattr(args, "print_policy", False):
        from fnguard.aws_policy import render as render_policy

        write_output(render_policy(), args.output, force=args.force)
        return 0
    baseline = Path(args.baseline) if args.baseline else None
    if baseline is not None and not baseline.is_file():
        raise InputError(f"{baseline}: baseline report not found")
    if getattr(args, "aws", False):
        if args.path:
            raise InputError("give either PATH or --aws, not both")
        from fnguard.load.aws import Options
        from fnguard.load.aws.scan import scan_account

        options = Options(regions=tuple(args.regions or ()), profile=args.profile,
                          function_prefix=args.function_prefix, endpoint_url=args.endpoint_url,
                          progress=sys.stderr.isatty())
        result = scan_account(options, baseline=baseline, vuln_db=args.vuln_db)
    elif not args.path:
        raise InputError("PATH is required (or --aws to scan a live account)")
    else:
        result = scan_path(args.path, baseline=baseline, vuln_db=args.vuln_db, **load_kwargs(args))
    if args.format == "json":
        from fnguard.report.json import render
    elif args.format == "sarif":
        from fnguard.report.sarif import render
    else:
        from fnguard.report.text import render
    text = render(result)
    write_output(text, args.output, force=args.force)
    if args.format != "text" or args.output:
        for warning in result.warnings:
            sys.stderr.write(f"fnguard: warning: {warning}\n")
    failing = any(severity_at_least(item.severity, args.fail_on) for item in result.findings)
    return 1 if failing else 0
