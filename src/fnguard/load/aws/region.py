"""One region of an account to one :class:`~fnguard.model.App`.

The readers write what they find into a :class:`~fnguard.load.aws.template.Template`; the
CloudFormation loader reads that template into the model; then every location is pointed at
the ARN of what it describes (the account has no files and lines), statement sources at the
policy ARNs, and the temporary paths are dropped from warnings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from fnguard.iam.managed import policy_name
from fnguard.load.aws import apigateway, events, s3, sns, sources
from fnguard.load.aws.client import Account
from fnguard.load.aws.code import CodeStore
from fnguard.load.aws.functions import DeployedFunction, event_source_mappings, list_functions, read_function
from fnguard.load.aws.names import STACK
from fnguard.load.aws.roles import DeployedRole, RoleReader
from fnguard.load.aws.template import Template, ref
from fnguard.model import App, Location, Statement, Trigger

Progress = Callable[[str, int, int], None]
"""``(phase, done, total)``: called as the reading advances (for a progress bar)."""


def read_region(account: Account, account_id: str, region: str, work: Path, code: CodeStore,
                progress: Progress | None = None) -> App:
    """Read the selected functions of ``region`` and what reaches them; the region as an App."""
    report = progress or (lambda phase, done, total: None)
    template = Template()
    summaries = list_functions(account, region)
    functions: list[DeployedFunction] = []
    report("functions", 0, len(summaries))
    for index, function in enumerate(account.map(lambda s: read_function(account, region, s, code), summaries)):
        functions.append(function)
        report("functions", index + 1, len(summaries))
    for function in functions:
        template.functions[function.arn] = template.add(function.display, function.arn, "AWS::Lambda::Function", {},
                                                        {STACK: function.stack} if function.stack else {})
    reader = RoleReader(account, region)
    role_arns = sorted({str(f.configuration.get("Role")) for f in functions if f.configuration.get("Role")})
    roles: dict[str, DeployedRole | None] = {}
    report("roles", 0, len(role_arns))
    for index, (arn, role) in enumerate(zip(role_arns, account.map(reader.read, role_arns), strict=True)):
        roles[arn] = role
        report("roles", index + 1, len(role_arns))
    role_ids = _write_roles(template, roles)
    for function in functions:
        _write_function(template, function, role_ids)
    phases: list[tuple[str, Callable[[], None]]] = [
        ("event sources", lambda: sources.read(account, region, template,
                                               event_source_mappings(account, region, set(template.functions)))),
        ("API Gateway", lambda: apigateway.read(account, region, template)),
        ("S3", lambda: s3.read(account, region, template, region)),
        ("SNS", lambda: sns.read(account, region, template)),
        ("EventBridge", lambda: events.read(account, region, template)),
    ]
    for index, (phase, step) in enumerate(phases if functions else []):
        report(phase, index, len(phases))
        step()
    return _to_app(template, account_id, region, work, functions)


def _write_roles(template: Template, roles: Mapping[str, DeployedRole | None]) -> dict[str, str]:
    """Roles, and each attached policy once as a ManagedPolicy naming every role it is attached to."""
    ids: dict[str, str] = {}
    attached: dict[str, tuple[Any, list[str]]] = {}
    for arn, role in roles.items():
        if role is None:
            continue
        unreadable = [policy for policy, document in role.attached if document is None]
        props: dict[str, Any] = {"RoleName": role.name,
                                 "Policies": [{"PolicyName": name, "PolicyDocument": document}
                                              for name, document in role.inline if document is not None]}
        if unreadable:  # the loader falls back to its bundled AWS managed documents, or warns
            props["ManagedPolicyArns"] = unreadable
        ids[arn] = template.add(role.name, role.arn, "AWS::IAM::Role", props, role.tags)
        for policy, document in role.attached:
            if document is not None:
                attached.setdefault(policy, (document, []))[1].append(ids[arn])
    for policy, (document, users) in attached.items():
        name = policy_name(policy) or policy.rsplit("/", 1)[-1]
        template.add(name, policy, "AWS::IAM::ManagedPolicy",
                     {"ManagedPolicyName": name, "PolicyDocument": document, "Roles": [ref(u) for u in users]})
    return ids


_CONFIG_KEYS = {"Runtime": "Runtime", "Handler": "Handler", "MemorySize": "MemorySize", "Timeout": "Timeout",
                "Architectures": "Architectures", "FileSystemConfigs": "FileSystemConfigs",
                "KMSKeyArn": "KmsKeyArn", "PackageType": "PackageType", "Description": "Description"}


def _write_function(template: Template, function: DeployedFunction, role_ids: Mapping[str, str]) -> None:
    config = function.configuration
    lid = template.functions[function.arn]
    props: dict[str, Any] = {"FunctionName": function.name}
    props.update({target: config[key] for key, target in _CONFIG_KEYS.items() if config.get(key) is not None})
    role = str(config.get("Role", ""))
    props["Role"] = ref(role_ids[role]) if role in role_ids else role
    variables = (config.get("Environment") or {}).get("Variables")
    if variables:
        props["Environment"] = {"Variables": dict(variables)}
    if config.get("Layers"):
        props["Layers"] = [layer.get("Arn") for layer in config["Layers"] if isinstance(layer, Mapping)]
    mode = (config.get("TracingConfig") or {}).get("Mode")
    if mode:
        props["TracingConfig"] = {"Mode": mode}
    dead_letter = (config.get("DeadLetterConfig") or {}).get("TargetArn")
    if dead_letter:
        props["DeadLetterConfig"] = {"TargetArn": dead_letter}
    vpc = config.get("VpcConfig") or {}
    if vpc.get("SubnetIds") or vpc.get("SecurityGroupIds"):
        props["VpcConfig"] = {"SubnetIds": vpc.get("SubnetIds") or [], "SecurityGroupIds": vpc.get("SecurityGroupIds") or []}
    if (config.get("EphemeralStorage") or {}).get("Size"):
        props["EphemeralStorage"] = {"Size": config["EphemeralStorage"]["Size"]}
    if function.code_signing_config:
        props["CodeSigningConfigArn"] = function.code_signing_config
    if function.reserved_concurrency is not None:
        props["ReservedConcurrentExecutions"] = function.reserved_concurrency
    if function.provisioned:
        props["ProvisionedConcurrencyConfig"] = {"ProvisionedConcurrentExecutions": sum(
            int(p.get("RequestedProvisionedConcurrentExecutions") or 0) for p in function.provisioned)}
    if function.code_dir:
        props["Code"] = function.code_dir
    elif config.get("PackageType") == "Image":
        props["Code"] = {"ImageUri": "(container image)"}
    template.resources[lid]["Properties"] = props
    if function.url:
        url = function.url
        template.add(f"{function.logical_id or lid}Url", f"{function.arn}#url", "AWS::Lambda::Url", {
            "TargetFunctionArn": function.arn, "AuthType": url.get("AuthType", "AWS_IAM"), "Cors": url.get("Cors"),
            "InvokeMode": url.get("InvokeMode", "BUFFERED")})
    for index, statement in enumerate((function.policy or {}).get("Statement") or []):
        props = _permission(function.arn, statement)
        if props is not None:
            sid = str(statement.get("Sid") or index)
            template.add(f"{lid}Permission{sid}", f"{function.arn}#permission:{sid}", "AWS::Lambda::Permission", props)
    destination = ((function.invoke_config or {}).get("DestinationConfig") or {})
    if (destination.get("OnFailure") or {}).get("Destination"):
        template.add(f"{lid}EventInvokeConfig", f"{function.arn}#invoke-config", "AWS::Lambda::EventInvokeConfig", {
            "FunctionName": function.arn, "Qualifier": "$LATEST", "DestinationConfig": destination,
            "MaximumRetryAttempts": (function.invoke_config or {}).get("MaximumRetryAttempts")})


def _permission(arn: str, statement: Mapping[str, Any]) -> dict[str, Any] | None:
    """A resource-policy statement as the ``AWS::Lambda::Permission`` that would have added it."""
    if statement.get("Effect", "Allow") != "Allow":
        return None
    principal = statement.get("Principal")
    if isinstance(principal, Mapping):
        principal = principal.get("Service") or principal.get("AWS") or principal.get("Federated")
    if isinstance(principal, list):
        principal = principal[0] if principal else None
    if principal is None:
        return None
    action = statement.get("Action")
    props: dict[str, Any] = {"FunctionName": arn, "Principal": str(principal),
                             "Action": action[0] if isinstance(action, list) and action else action}
    if statement.get("FunctionUrlAuthType"):  # moto writes it beside the statement, AWS as a condition
        props["FunctionUrlAuthType"] = statement["FunctionUrlAuthType"]
    conditions = statement.get("Condition") or {}
    for operator in conditions.values():
        if not isinstance(operator, Mapping):
            continue
        for key, value in operator.items():
            lowered = key.lower()
            if lowered == "aws:sourcearn":
                props["SourceArn"] = value
            elif lowered == "aws:sourceaccount":
                props["SourceAccount"] = value
            elif lowered == "aws:principalorgid":
                props["PrincipalOrgID"] = value
            elif lowered == "lambda:functionurlauthtype":
                props["FunctionUrlAuthType"] = value
            elif lowered == "lambda:eventsourcetoken":
                props["EventSourceToken"] = value
    return props


def _to_app(template: Template, account_id: str, region: str, work: Path, deployed: list[DeployedFunction]) -> App:
    from fnguard.load import cloudformation

    source = f"aws:{account_id}:{region}"
    path = work / f"aws-{account_id}-{region}.json"
    app = cloudformation.load(path, template.document())
    arns = template.arns

    def where(lid: str | None, fallback: str) -> Location:
        return Location(arns.get(lid or "", fallback) if lid else fallback)

    layer_dirs = {template.functions[f.arn]: f.layer_dirs for f in deployed}
    functions = []
    for function in app.functions:
        arn = arns.get(function.name, source)
        role_arn = arns.get(function.role or "", function.role)
        functions.append(replace(
            function, location=Location(arn),
            triggers=tuple(_trigger_at(t, where(t.source if isinstance(t.source, str) else None, arn))
                           for t in function.triggers),
            statements=tuple(_statement_at(s, arns, role_arn or arn) for s in function.statements),
            managed_policies=tuple(arns.get(m[2:-1], m) if m.startswith("${") else m
                                   for m in function.managed_policies),
            layers=function.layers + layer_dirs.get(function.name, ()),  # local paths: read by the dependency audit
        ))
    resources = {lid: replace(r, location=where(lid, source)) for lid, r in app.resources.items()}
    warnings = tuple(w.replace(f"{path}: ", "").replace(str(path), source) for w in app.warnings)
    return replace(app, name=f"{account_id}/{region}", source=source, format="aws", root=str(work),
                   functions=tuple(functions), resources=resources, region=region, warnings=warnings)


def _trigger_at(trigger: Trigger, location: Location) -> Trigger:
    return replace(trigger, location=location)


def _statement_at(statement: Statement, arns: Mapping[str, str], role_arn: str) -> Statement:
    source = statement.source
    if source.startswith("policy:"):
        source = f"managed:{arns.get(source[7:], source[7:])}"
    return replace(statement, source=source, location=Location(role_arn))

