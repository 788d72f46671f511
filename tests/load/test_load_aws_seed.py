"""Deploys an app read from its template into an emulated account (moto server), with boto3.

What CloudFormation would create, call by call: execution roles with the same inline and
attached policies, functions with their code zipped (through S3, as CloudFormation deploys it)
and tagged with their logical id and stack, API routes with their authorizers and throttling,
queues, streams, buckets with notifications and policies, topics, schedules, function URLs.
Also imported by ``bench/account_scale.py``.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fnguard.load import load_path
from fnguard.load.aws.names import _serverless_normalize
from fnguard.model import App, Function, Statement, Trigger

ACCOUNT = "123456789012"
REGION = "us-east-1"
CODE_BUCKET = f"awslambda-{REGION}-tasks"
AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION,
           "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
_SUB = re.compile(r"\$\{([A-Za-z0-9:]+)(?:\.([A-Za-z0-9]+))?\}")


@dataclass
class Deployed:
    """What a deployment created: function names by model name, and the stack."""

    stack: str
    functions: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    """Model function name → role name."""


class Seeder:
    """boto3 clients on the emulator endpoint, and what was created so far (shared APIs, queues)."""

    def __init__(self, endpoint: str) -> None:
        import boto3

        self.session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                     region_name=REGION)
        self.endpoint = endpoint
        self._clients: dict[str, Any] = {}
        self._code: dict[str, tuple[str, str]] = {}
        self._apis: dict[tuple[str, str], str] = {}
        self._resources: dict[tuple[str, str], str] = {}
        self._sources: dict[tuple[str, str], str] = {}
        self._bucket_made = False

    def c(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(service, endpoint_url=self.endpoint)
        return self._clients[service]

    # -- code -------------------------------------------------------------------------------

    def upload_code(self, directory: str | None, inline: str | None = None) -> tuple[str, str]:
        """(bucket, key) of the zipped directory, uploaded once per directory."""
        key = directory or hashlib.sha256((inline or "").encode()).hexdigest()
        if key in self._code:
            return self._code[key]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            if directory:
                for path in sorted(Path(directory).rglob("*")):
                    if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".yml", ".yaml"):
                        archive.write(path, str(path.relative_to(directory)))
            else:
                archive.writestr("index.py", inline or "def handler(event, context):\n    return event\n")
        data = buffer.getvalue()
        if not self._bucket_made:
            self.c("s3").create_bucket(Bucket=CODE_BUCKET)
            self._bucket_made = True
        object_key = f"{hashlib.sha256(data).hexdigest()}.zip"
        self.c("s3").put_object(Bucket=CODE_BUCKET, Key=object_key, Body=data)
        self._code[key] = (CODE_BUCKET, object_key)
        return self._code[key]

    # -- a whole app -------------------------------------------------------------------------

    def deploy(self, app: App, stack: str, *, serverless_prefix: str | None = None) -> Deployed:
        deployed = Deployed(stack)
        values = _values(app)
        for function in app.functions:
            if serverless_prefix is not None:
                name, logical = f"{serverless_prefix}{function.name}", _serverless_normalize(function.name) + \
                    "LambdaFunction"
            else:
                name, logical = f"{stack}-{function.name}-ABC123"[:64], function.name
            role = self.role(function, stack, values)
            deployed.roles[function.name] = role.rsplit("/", 1)[-1]
            self.function(function, name, logical, stack, role, values)
            deployed.functions[function.name] = name
        for function in app.functions:
            arn = self.arn(deployed.functions[function.name])
            for trigger in function.triggers:
                self.trigger(app, function, trigger, arn, values)
        return deployed

    def arn(self, name: str) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"

    def role(self, function: Function, stack: str, values: dict[str, str]) -> str:
        name = f"{stack}-{function.role or function.name + 'Role'}"[:64]
        iam = self.c("iam")
        try:
            return iam.get_role(RoleName=name)["Role"]["Arn"]
        except iam.exceptions.NoSuchEntityException:
            pass
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                         "Action": "sts:AssumeRole"}]}
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        groups: dict[str, list[Statement]] = {}
        for statement in function.statements:
            groups.setdefault(statement.source, []).append(statement)
        for index, (source, statements) in enumerate(groups.items()):
            kind, _, rest = source.partition(":")
            if kind == "managed":
                iam.attach_role_policy(RoleName=name, PolicyArn=rest)
                continue
            document = {"Version": "2012-10-17", "Statement": [_substitute(s.to_json(), values) for s in statements]}
            policy = re.sub(r"[^\w+=,.@-]", "-", rest if kind == "inline" else f"{kind}-{rest}-{index}")[:128]
            iam.put_role_policy(RoleName=name, PolicyName=policy, PolicyDocument=json.dumps(document))
        return arn

    def function(self, function: Function, name: str, logical: str, stack: str, role: str,
                 values: dict[str, str]) -> None:
        bucket, key = self.upload_code(function.code_dir, function.inline_code)
        spec: dict[str, Any] = {
            "FunctionName": name, "Runtime": function.runtime or "python3.12", "Role": role,
            "Handler": function.handler or "index.handler", "Code": {"S3Bucket": bucket, "S3Key": key},
            "MemorySize": function.memory, "Timeout": function.timeout,
            "Architectures": [function.architecture],
            "Tags": {"aws:cloudformation:logical-id": logical, "aws:cloudformation:stack-name": stack},
        }
        if function.environment:
            spec["Environment"] = {"Variables": {k: _substitute(v, values) if isinstance(v, str) else
                                                 _substitute(_text(v), values) for k, v in function.environment.items()}}
        if function.tracing in ("Active", "PassThrough"):
            spec["TracingConfig"] = {"Mode": function.tracing}
        if function.dead_letter:
            spec["DeadLetterConfig"] = {"TargetArn": self.queue_arn(_substitute(function.dead_letter, values))}
        self.c("lambda").create_function(**spec)
        if function.reserved_concurrency is not None:
            self.c("lambda").put_function_concurrency(FunctionName=name,
                                                      ReservedConcurrentExecutions=function.reserved_concurrency)

    def queue_arn(self, text: str) -> str:
        name = text.rsplit(":", 1)[-1]
        url = self.c("sqs").create_queue(QueueName=name)["QueueUrl"]
        return self.c("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    # -- triggers ----------------------------------------------------------------------------

    def trigger(self, app: App, function: Function, trigger: Trigger, arn: str, values: dict[str, str]) -> None:
        handlers: dict[str, Callable[..., None]] = {
            "http": self._rest, "httpApi": self._http, "url": self._url, "sqs": self._sqs, "kinesis": self._kinesis,
            "s3": self._s3, "sns": self._sns, "schedule": self._schedule, "eventBridge": self._rule,
        }
        handler = handlers.get(trigger.type)
        if handler is not None:
            handler(app, function, trigger, arn, values)

    def _rest(self, app: App, function: Function, trigger: Trigger, arn: str, values: dict[str, str]) -> None:
        gateway = self.c("apigateway")
        source = str(trigger.source or "Api")
        if ("rest", source) not in self._apis:
            api = gateway.create_rest_api(name=f"{source}-api", tags={"aws:cloudformation:logical-id": source})
            self._apis[("rest", source)] = api["id"]
            self._resources[(api["id"], "/")] = api["rootResourceId"]
        api_id = self._apis[("rest", source)]
        parent = self._resources[(api_id, "/")]
        path = ""
        for part in [p for p in str(trigger.path or "/").split("/") if p]:
            path += "/" + part
            if (api_id, path) not in self._resources:
                self._resources[(api_id, path)] = gateway.create_resource(restApiId=api_id, parentId=parent,
                                                                          pathPart=part)["id"]
            parent = self._resources[(api_id, path)]
        kind = {"none": "NONE", "api_key": "NONE", "iam": "AWS_IAM", "cognito": "COGNITO_USER_POOLS",
                "lambda": "CUSTOM"}.get(trigger.auth, "NONE")
        extra: dict[str, Any] = {}
        if kind in ("COGNITO_USER_POOLS", "CUSTOM"):
            authorizer = gateway.create_authorizer(
                restApiId=api_id, name=f"auth{len(self._resources)}",
                type="COGNITO_USER_POOLS" if kind == "COGNITO_USER_POOLS" else "TOKEN",
                providerARNs=[f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{REGION}_pool"],
                identitySource="method.request.header.Authorization")
            extra["authorizerId"] = authorizer["id"]
        method = str(trigger.method or "ANY")
        gateway.put_method(restApiId=api_id, resourceId=parent, httpMethod=method, authorizationType=kind,
                           apiKeyRequired=trigger.api_key_required, **extra)
        gateway.put_integration(restApiId=api_id, resourceId=parent, httpMethod=method, type="AWS_PROXY",
                                integrationHttpMethod="POST",
                                uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations")
        self._lambda_permission(arn, "apigateway.amazonaws.com", f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/*")
        throttling = trigger.throttling or {}
        if ("rest-stage", api_id) not in self._apis:
            gateway.create_deployment(restApiId=api_id, stageName="dev")
            self._apis[("rest-stage", api_id)] = "dev"
            if throttling.get("usage_plan"):
                gateway.create_usage_plan(name=f"{source}-plan", apiStages=[{"apiId": api_id, "stage": "dev"}],
                                          throttle={"rateLimit": float(throttling.get("rate", 0)),
                                                    "burstLimit": int(throttling.get("burst", 0))})

    def _http(self, app: App, function: Function, trigger: Trigger, arn: str, values: dict[str, str]) -> None:
        v2 = self.c("apigatewayv2")
        source = str(trigger.source or "HttpApi")
        if ("http", source) not in self._apis:
            api = v2.create_api(Name=f"{source}-api", ProtocolType="HTTP",
                                Tags={"aws:cloudformation:logical-id": source})
            self._apis[("http", source)] = api["ApiId"]
            throttling = trigger.throttling or {}
            settings = {"ThrottlingRateLimit": float(throttling["rate"]), "ThrottlingBurstLimit": int(throttling["burst"])} \
                if throttling.get("rate") is not None else {}
            v2.create_stage(ApiId=api["ApiId"], StageName="$default", DefaultRouteSettings=settings)
        api_id = self._apis[("http", source)]
        integration = v2.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=arn,
                                            PayloadFormatVersion="2.0")["IntegrationId"]
        extra: dict[str, Any] = {"AuthorizationType": {"jwt": "JWT", "iam": "AWS_IAM", "lambda": "CUSTOM",
                                                       "cognito": "JWT"}.get(trigger.auth, "NONE")}
        if extra["AuthorizationType"] == "JWT":
            extra["AuthorizerId"] = v2.create_authorizer(
                ApiId=api_id, AuthorizerType="JWT", Name="jwt", IdentitySource=["$request.header.Authorization"],
                JwtConfiguration={"Audience": ["client"], "Issuer": f"https://cognito-idp.{REGION}.amazonaws.com/pool"},
            )["AuthorizerId"]
        v2.create_route(ApiId=api_id, RouteKey=f"{trigger.method or 'ANY'} {trigger.path or '/'}",
                        Target=f"integrations/{integration}", **extra)
        self._lambda_permission(arn, "apigateway.amazonaws.com", f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/*")

    def _url(self, app: App, function: Function, trigger: Trigger, arn: str, values: dict[str, str]) -> None:
        auth = "NONE" if trigger.auth == "none" else "AWS_IAM"
        self.c("lambda").create_function_url_config(FunctionName=arn, AuthType=auth)
        if auth == "NONE":
            self.c("lambda").add_permission(FunctionName=arn, StatementId="FunctionURLAllowPublicAccess",
                                            Action="lambda:InvokeFunctionUrl", Principal="*",
                                            FunctionUrlAuthType="NONE")

    def _sqs(self, app: App, function: Function, trigger: Trigger, arn: str, values: dict[str, str]) -> None:
        source = str(trigger.source)
        if ("sqs", source) not in self._sources:
            url = self.c("sqs").create_queue(QueueName=values.get(source, f"{source}-q"), tags={"aws:cloudformation:logical-id": source})[
                "QueueUrl"]
            self._sources[("sqs", source)] = self.c("sqs").get_queue_attributes(
                QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.c("lambda").create_event_source_mapping(EventSourceArn=self._sources[("sqs", source)], FunctionName=arn,
                                                     BatchSize=int((trigger.batch or {}).get("batch_size", 10)))

    def _kinesis(self, app: App, function: Function, trigger: Trigger, arn: str, values: dict[str, str]) -> None:
        source = str(trigger.source)
        kinesis = self.c("kinesis")
        stream = values.get(source, f"{source}-s")  # the name the template's ${Stream.Arn} became
        if ("kinesis", source) not in self._sources:
            kinesis.create_stream(StreamName=stream, ShardCount=1)
            kinesis.add_tags_to_stream(StreamName=stream, Tags={"aws:cloudformation:logical-id": source})
            self._sources[("kinesis", source)] = kinesis.describe_stream(StreamName=stream)[
                "StreamDescription"]["StreamARN"]
        batch = trigger.batch or {}
        extra = {k: batch[b] for b, k in (("maximum_retry_attempts", "MaximumRetryAttempts"),
                                         ("bisect_batch_on_function_error", "BisectBatchOnFunctionError"))
                 if b in batch}
        self.c("lambda").create_event_source_mapping(
            EventSourceArn=self._sources[("kinesis", source)], FunctionName=arn,
            BatchSize=int(batch.get("batch_size", 100)), StartingPosition=str(batch.get("starting_position", "LATEST")),
            **extra)

    def _s3(self, app: App, function: Function, trigger: Trigger, arn: str, values: dict[str, str]) -> None:
        source = str(trigger.source)
        resource = app.resources.get(source)
        props = resource.properties if resource is not None else {}
        name = _substitute(_text(props.get("BucketName") or f"{source.lower()}-bucket"), values)
        s3 = self.c("s3")
        s3.create_bucket(Bucket=name)
        event = str(trigger.config.get("event") or "s3:ObjectCreated:*")
        configuration: dict[str, Any] = {"LambdaFunctionArn": arn, "Events": [event]}
        rules = trigger.config.get("rules") or []
        if rules:
            configuration["Filter"] = {"Key": {"FilterRules": [{"Name": k, "Value": v} for r in rules
                                                               for k, v in r.items()]}}
        s3.put_bucket_notification_configuration(
            Bucket=name, NotificationConfiguration={"LambdaFunctionConfigurations": [configuration]})
        block = props.get("PublicAccessBlockConfiguration")
        if block:
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=dict(block))
        for other in app.resources.values():
            if other.type == "AWS::S3::BucketPolicy" and _text(other.properties.get("Bucket")) in (source, name,
                                                                                                    f"${{{source}}}"):
                s3.put_bucket_policy(Bucket=name, Policy=json.dumps(_substitute(other.properties["PolicyDocument"],
                                                                                values)))
        self._lambda_permission(arn, "s3.amazonaws.com", f"arn:aws:s3:::{name}")

    def _sns(self, app: App, function: Function, trigger: Trigger, arn: str, values: dict[str, str]) -> None:
        topic = self.c("sns").create_topic(Name=f"{trigger.source}-t", Tags=[
            {"Key": "aws:cloudformation:logical-id", "Value": str(trigger.source)}])["TopicArn"]
        self.c("sns").subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)

    def _schedule(self, app: App, function: Function, trigger: Trigger, arn: str, values: dict[str, str]) -> None:
        rule = f"{function.name}-schedule"[:64]
        self.c("events").put_rule(Name=rule, ScheduleExpression=str(trigger.source))
        self.c("events").put_targets(Rule=rule, Targets=[{"Id": "1", "Arn": arn}])

    def _rule(self, app: App, function: Function, trigger: Trigger, arn: str, values: dict[str, str]) -> None:
        rule = f"{function.name}-rule"[:64]
        pattern = trigger.config.get("pattern") or {"source": ["app"]}
        self.c("events").put_rule(Name=rule, EventPattern=json.dumps(pattern))
        self.c("events").put_targets(Rule=rule, Targets=[{"Id": "1", "Arn": arn}])

    def _lambda_permission(self, arn: str, principal: str, source_arn: str) -> None:
        statement = hashlib.sha256(f"{principal}{source_arn}".encode()).hexdigest()[:16]
        try:
            self.c("lambda").add_permission(FunctionName=arn, StatementId=statement, Action="lambda:InvokeFunction",
                                            Principal=principal, SourceArn=source_arn)
        except Exception:  # noqa: BLE001 - already granted by an earlier route of the same API
            pass


def _values(app: App) -> dict[str, str]:
    """What ``${X}`` / ``${X.Arn}`` of the template become once deployed."""
    values = {"AWS::AccountId": ACCOUNT, "AWS::Region": REGION, "AWS::Partition": "aws", "AWS::StackName": app.name}
    arns = {"AWS::S3::Bucket": "arn:aws:s3:::{}", "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{{}}",
            "AWS::SQS::Queue": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{{}}",
            "AWS::Kinesis::Stream": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{{}}"}
    for lid, resource in app.resources.items():
        name = resource.properties.get("BucketName") or resource.properties.get("TableName") or lid.lower()
        name = name if isinstance(name, str) else lid.lower()
        values[lid] = name
        values[f"{lid}.Arn"] = arns.get(resource.type, f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:{{}}").format(name)
    return values


def _substitute(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _SUB.sub(lambda m: values.get(m.group(0)[2:-1], values.get(m.group(1), m.group(1))), value)
    if isinstance(value, list):
        return [_substitute(v, values) for v in value]
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in ("Ref", "Fn::GetAtt", "Fn::Sub"):
            return _substitute(_text(value), values)
        return {k: _substitute(v, values) for k, v in value.items()}
    return value


def _text(value: Any) -> str:
    from fnguard.load.intrinsics import to_text

    return to_text(value)


def deploy_example(seeder: Seeder, example: Path, stack: str) -> tuple[App, Deployed]:
    """Deploy the app under ``example`` (a Serverless service or a SAM template) as ``stack``."""
    app = load_path(example)[0]
    prefix = f"{stack}-" if app.format == "serverless" else None
    return app, seeder.deploy(app, stack, serverless_prefix=prefix)


def test_values_resolve_template_references() -> None:
    app = App(name="a", source="t", format="sam", root="/")
    assert _substitute("media-${AWS::AccountId}/x", _values(app)) == f"media-{ACCOUNT}/x"
