"""Configuration rules (FG430+): secrets in plaintext configuration, runtimes, failure handling, hardening.

FG401–FG429 are code rules (analyze/code.py); configuration starts at FG430. The hardening
checks that differ only by a property and an expected value (tracing, code signing) are rows of
:data:`HARDENING`; the runtime calendar is data (``fnguard/data/runtimes.json``) so that a new
AWS deprecation schedule is a data change, not a code change.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from fnguard.analyze.context import ScanContext
from fnguard.analyze.perimeter import fix, function_key_line, line_in, raw_document, raw_line
from fnguard.analyze.registry import check, define, finding
from fnguard.analyze.secrets_patterns import classify
from fnguard.model import App, Finding, Function

define("FG430", "high", "Secret in a plaintext environment variable",
       "Store the secret in Secrets Manager or SSM SecureString and read it at runtime (or use a dynamic reference).")
define("FG431", "high", "Secret in a template parameter default",
       "Remove the Default, set NoEcho: true, and pass the value at deploy time or use a dynamic reference.")
define("FG432", "medium", "Deprecated or soon-deprecated Lambda runtime",
       "Move the function to a supported runtime.")
define("FG433", "medium", "Asynchronous trigger (S3, SNS, EventBridge) without a dead-letter queue or on-failure destination",
       "Give the function a DeadLetterQueue or an OnFailure destination so failed events are kept.")
define("FG434", "low", "X-Ray tracing is not enabled",
       "Set Tracing: Active (serverless: provider.tracing.lambda: true).")
define("FG435", "info", "Code signing is not configured",
       "Attach a CodeSigningConfig so only signed code can be deployed.")
define("FG436", "low", "Layer published by another AWS account",
       "Pin layers you control, or review and pin the exact version of a third-party layer.")

# Trigger types whose invocations are asynchronous and are dropped after two retries.
ASYNC_FAILURE_TYPES = frozenset({"s3", "sns", "eventBridge"})
# Accounts that publish AWS's own layers (Lambda Insights, Powertools, AWS SDK for pandas, ADOT,
# Parameters and Secrets extension, AppConfig, Lambda Web Adapter). Their layers are not "someone else's code".
AWS_LAYER_ACCOUNTS = frozenset({
    "580247275435", "017000801446", "336392948345", "901920570463", "177933569100", "027255383542",
    "634166935893", "094274105915", "553035198032", "753240598075",
})
OWN_ACCOUNTS = frozenset({"123456789012", "${aws:accountId}", "${AWS::AccountId}"})


# --------------------------------------------------------------------------------------------
# FG430 / FG431 — secrets written in configuration
# --------------------------------------------------------------------------------------------

def _env_line(app: App, context: ScanContext, function: Function, name: str) -> int | None:
    """The line of the variable itself: on the function, else under provider / Globals."""
    line = line_in(function.environment, name) if function.environment is not None else None
    if line is not None and line != line_in(function.environment):
        return line
    if app.format == "serverless":
        return raw_line(app, context, ("functions", function.name, "environment", name),
                        ("provider", "environment", name))
    return raw_line(app, context, ("Resources", function.name, "Properties", "Environment", "Variables", name),
                    ("Globals", "Function", "Environment", "Variables", name))


@check("FG430")
def env_secrets(app: App, context: ScanContext) -> Iterator[Finding]:
    """Environment variables are visible in plain text to anyone who can read the function configuration."""
    reported: set[tuple[str | None, int | None, str]] = set()
    for function in app.functions:
        for name, value in (function.environment or {}).items():
            match = classify(str(name), value)
            if match is None:
                continue
            line = _env_line(app, context, function, str(name))
            if line is not None and (function.location.file, line, str(name)) in reported:
                continue  # one provider/Globals variable shared by every function: reported once
            reported.add((function.location.file, line, str(name)))
            sharing = [f.name for f in app.functions if (f.environment or {}).get(name) == value]
            severity = "low" if match.placeholder else "medium" if match.example or match.deploy_time else match.severity
            state = ("comes from the deployer's environment and is then stored" if match.deploy_time else
                     "holds a placeholder today; the real value would be stored" if match.placeholder
                     else "holds AWS's documentation example key (not a live credential) where a real key would be "
                     "stored" if match.example else "is stored")
            why = "" if match.example else f" ({match.detail})"
            yield finding(
                "FG430",
                f"Environment variable {name} of {function.name} {state} in plain text{why}: anyone "
                "with lambda:GetFunctionConfiguration, and every log of the deployment, can read it.",
                function=function.name, file=function.location.file, line=line or function.location.line,
                severity=severity,
                remediation=fix(
                    app,
                    f"Replace the value with a reference fetched at runtime: store it with `aws ssm put-parameter "
                    f"--type SecureString --name /{app.name}/{name}` and read it in code (or pass "
                    f"`{name}_PARAM: /{app.name}/{name}` and grant ssm:GetParameter on it).",
                    f"Store it in Secrets Manager and set `{name}_SECRET_ARN: !Ref MySecret` instead, reading it at "
                    "runtime (or use `{{resolve:secretsmanager:MySecret:SecretString:password}}` if it must be an env var).",
                ),
                details={"subject": f"env:{name}", "variable": str(name), "kind": match.kind, "detail": match.detail,
                         "placeholder": match.placeholder, "example": match.example,
                         "functions": sharing},
            )


@check("FG431")
def parameter_default_secrets(app: App, context: ScanContext) -> Iterator[Finding]:
    """A parameter default is part of the template: it lands in git and in every stack's parameters."""
    if app.format not in ("sam", "cloudformation"):
        return
    parameters = raw_document(app, context).get("Parameters")
    if not isinstance(parameters, Mapping):
        return
    for name, spec in parameters.items():
        if not isinstance(spec, Mapping) or "Default" not in spec:
            continue
        default = spec.get("Default")
        match = classify(str(name), default if isinstance(default, str) else None)
        if match is None:
            continue
        no_echo = str(spec.get("NoEcho", "")).lower() == "true"
        severity = "low" if match.placeholder else "medium" if match.example else match.severity
        yield finding(
            "FG431",
            f"Parameter {name} has a default that looks like a secret ({match.detail})"
            f"{' — NoEcho hides it in the console, not in the template' if no_echo else ''}: the value is committed "
            "with the template.",
            file=app.source, line=line_in(spec, "Default") or line_in(parameters, str(name)), severity=severity,
            remediation=(f"Delete `Default:` from parameter {name}, set `NoEcho: true`, and pass it with "
                         f"`--parameter-overrides {name}=...` from a secret store — or drop the parameter and use "
                         "`{{resolve:secretsmanager:...}}` where it is used."),
            details={"subject": f"param:{name}", "parameter": str(name), "kind": match.kind,
                     "placeholder": match.placeholder},
        )


# --------------------------------------------------------------------------------------------
# FG432 — runtimes past (or near) their deprecation date
# --------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def runtime_calendar() -> Mapping[str, Any]:
    """The runtime table shipped in ``fnguard/data/runtimes.json``."""
    text = resources.files("fnguard").joinpath("data/runtimes.json").read_text(encoding="utf-8")
    return json.loads(text)


def runtime_status(runtime: str, today: dt.date) -> tuple[str, dt.date, str | None] | None:
    """``("deprecated"|"soon", date, upgrade)`` for a runtime, or None when it is fine or unknown."""
    calendar = runtime_calendar()
    entry = calendar["runtimes"].get(runtime)
    if not entry:
        return None
    date = dt.date.fromisoformat(entry["deprecation"])
    if date <= today:
        return "deprecated", date, entry.get("upgrade")
    if (date - today).days <= int(calendar.get("soon_days", 180)):
        return "soon", date, entry.get("upgrade")
    return None


def _today(context: ScanContext) -> dt.date:
    """Today, unless the scan pins a date (``fnguard.yml`` ``today:``; tests use it)."""
    pinned = context.config.get("today") if context.config else None
    if isinstance(pinned, dt.date):
        return pinned
    if isinstance(pinned, str):
        return dt.date.fromisoformat(pinned)
    return dt.date.today()


@check("FG432")
def deprecated_runtimes(app: App, context: ScanContext) -> Iterator[Finding]:
    """A deprecated runtime gets no security patches, and soon cannot even be updated to fix a bug."""
    today = _today(context)
    for function in app.functions:
        if not function.runtime:
            continue
        status = runtime_status(function.runtime, today)
        if status is None:
            continue
        state, date, upgrade = status
        when = (f"has been deprecated since {date.isoformat()}: it no longer receives security patches"
                if state == "deprecated" else
                f"will be deprecated on {date.isoformat()}: security patches stop then")
        line = function_key_line(app, context, function, "Runtime")
        target = upgrade or "a supported runtime"
        yield finding(
            "FG432",
            f"{function.name} runs on {function.runtime}, which {when}.",
            function=function.name, file=function.location.file, line=line or function.location.line,
            remediation=fix(app, f"Set `runtime: {target}` (on the function or under provider) and re-test.",
                            f"Set `Runtime: {target}` (on the function or under Globals.Function) and re-test."),
            details={"subject": function.runtime, "runtime": function.runtime, "deprecation": date.isoformat(),
                     "state": state, "upgrade": upgrade},
        )


# --------------------------------------------------------------------------------------------
# FG433 — asynchronous triggers without somewhere for failed events to go
# --------------------------------------------------------------------------------------------

def _has_failure_target(function: Function) -> bool:
    if function.dead_letter or function.on_failure:
        return True
    props = function.properties or {}
    if props.get("DeadLetterConfig") or props.get("DeadLetterQueue"):
        return True
    invoke = props.get("EventInvokeConfig")
    return isinstance(invoke, Mapping) and bool((invoke.get("DestinationConfig") or {}).get("OnFailure"))


@check("FG433")
def async_without_dlq(app: App, context: ScanContext) -> Iterator[Finding]:
    """Lambda retries an asynchronous event twice, then drops it: without a DLQ the event is lost silently."""
    for function in app.functions:
        kinds = sorted({t.type for t in function.triggers if t.type in ASYNC_FAILURE_TYPES})
        if not kinds or _has_failure_target(function):
            continue
        yield finding(
            "FG433",
            f"{function.name} is invoked asynchronously by {', '.join(kinds)} and has no dead-letter queue or "
            "on-failure destination: events that fail twice are dropped without a trace (and attacks that crash "
            "the function leave no evidence).",
            function=function.name, location=function.location,
            remediation=fix(app,
                            "Add `destinations: {onFailure: arn:aws:sqs:...:my-dlq}` (or `onError: <sqs/sns arn>`) to the function.",
                            "Add `DeadLetterQueue: {Type: SQS, TargetArn: !GetAtt MyDlq.Arn}` or "
                            "`EventInvokeConfig: {DestinationConfig: {OnFailure: {Type: SQS, Destination: !GetAtt MyDlq.Arn}}}`.",
                            "Add `DeadLetterConfig: {TargetArn: !GetAtt MyDlq.Arn}` to the function, or an "
                            "AWS::Lambda::EventInvokeConfig with DestinationConfig.OnFailure."),
            details={"subject": ",".join(kinds), "triggers": kinds},
        )


# --------------------------------------------------------------------------------------------
# FG434 / FG435 — hardening switches: rows of one table
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Hardening:
    """A per-function switch that should be on; differs from its siblings only by data."""

    rule_id: str
    subject: str
    is_set: Callable[[Function], bool]
    why: str
    serverless_fix: str
    sam_fix: str


def _tracing_on(function: Function) -> bool:
    return str(function.tracing or "").lower() in ("active", "true")


def _code_signing_on(function: Function) -> bool:
    return bool(function.code_signing or (function.properties or {}).get("CodeSigningConfigArn"))


HARDENING: tuple[Hardening, ...] = (
    Hardening("FG434", "tracing", _tracing_on,
              "without traces an attack's path through the functions cannot be reconstructed",
              "Under provider add `tracing: {lambda: true, apiGateway: true}`.",
              "Set `Tracing: Active` on the function (or under Globals.Function)."),
    Hardening("FG435", "code-signing", _code_signing_on,
              "without code signing anyone who can update the function can deploy any code",
              "Add a `CodeSigningConfig` in resources and set `CodeSigningConfigArn` on the function via "
              "`provider.iam`/extensions.",
              "Set `CodeSigningConfigArn: !Ref MySigningConfig` (an AWS::Lambda::CodeSigningConfig with your signing profile)."),
)


@check("FG434", "FG435")
def hardening(app: App, context: ScanContext) -> Iterator[Finding]:
    """One finding per function and switch that is off."""
    for row in HARDENING:
        for function in app.functions:
            if row.is_set(function):
                continue
            yield finding(
                row.rule_id, f"{function.name}: {row.subject} is not enabled; {row.why}.",
                function=function.name, location=function.location,
                remediation=fix(app, row.serverless_fix, row.sam_fix),
                details={"subject": row.subject},
            )


# --------------------------------------------------------------------------------------------
# FG436 — layers from other accounts
# --------------------------------------------------------------------------------------------

_LAYER_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[^:]*:(?P<account>[^:]+):layer:(?P<name>[^:]+)(?::(?P<version>\d+))?$")


@check("FG436")
def foreign_layers(app: App, context: ScanContext) -> Iterator[Finding]:
    """A layer's code runs inside the function with all its permissions: its publisher is trusted."""
    for function in app.functions:
        for layer in function.layers:
            match = _LAYER_ARN.match(str(layer))
            if not match or match.group("account") in OWN_ACCOUNTS:
                continue
            account = match.group("account")
            aws_owned = account in AWS_LAYER_ACCOUNTS
            yield finding(
                "FG436",
                f"{function.name} loads layer {match.group('name')} from account {account}"
                f"{' (published by AWS)' if aws_owned else ''}: its code runs with the function's role and data.",
                function=function.name, location=function.location, severity="info" if aws_owned else None,
                remediation=("Copy the layer into your own account (or build it from source) and reference your copy; "
                             "at least pin an exact version you have reviewed."),
                details={"subject": str(layer), "account": account, "aws_owned": aws_owned,
                         "version": match.group("version")},
            )

