"""Event sources of CloudFormation resources: which resource makes which function run.

One reader per resource type (a bucket's notifications, a rule's targets, a permission's
principal...), each adding :class:`~fnguard.model.Trigger` values to the functions it reaches
through the :class:`~fnguard.load.cloudformation.Mapper`. API Gateway has its own module.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from fnguard.load.intrinsics import items, mapping, nested, nested_text, text_or_none, to_text
from fnguard.model import Trigger

if TYPE_CHECKING:
    from fnguard.load.cloudformation import Mapper

_ACCOUNT = re.compile(r"^(\d{12}|arn:aws[a-z-]*:iam::\d{12}:root)$")
BATCH_KEYS = {
    "BatchSize": "batch_size",
    "MaximumBatchingWindowInSeconds": "maximum_batching_window",
    "MaximumRetryAttempts": "maximum_retry_attempts",
    "BisectBatchOnFunctionError": "bisect_batch_on_function_error",
    "MaximumRecordAgeInSeconds": "maximum_record_age",
    "ParallelizationFactor": "parallelization_factor",
    "StartingPosition": "starting_position",
    "TumblingWindowInSeconds": "tumbling_window",
    "FunctionResponseTypes": "function_response_types",
}
DEFAULT_BATCH = {"sqs": 10, "kinesis": 100, "dynamodb": 100, "kafka": 100, "mq": 100}
_SERVICE_TRIGGER_PRINCIPALS = {"alexa-appkit.amazon.com": "alexa", "alexa-connectedhome.amazon.com": "alexa"}


def permission(m: Mapper, lid: str, props: Mapping[str, Any]) -> None:
    """A resource policy letting anyone (``*``), an account or an Alexa skill invoke the function."""
    principal = to_text(props.get("Principal", ""))
    action = to_text(props.get("Action", ""))
    if action == "lambda:InvokeFunctionUrl" or props.get("FunctionUrlAuthType") is not None \
            or props.get("InvokedViaFunctionUrl") in (True, "true"):
        return
    function = m.fn(props.get("FunctionName"))
    conditions = {k: props[k] for k in ("SourceArn", "SourceAccount", "PrincipalOrgID", "EventSourceToken")
                  if k in props}
    if principal in _SERVICE_TRIGGER_PRINCIPALS:
        m.add_trigger(function, Trigger(
            type="alexa", source=text_or_none(props.get("EventSourceToken")), public="EventSourceToken" not in props,
            config={"principal": principal, **conditions}, location=m.loc(lid)))
        return
    if principal != "*" and not _ACCOUNT.match(principal) and not principal.startswith("arn:"):
        return
    public = principal == "*" and not conditions
    m.add_trigger(function, Trigger(
        type="invoke", source=principal, public=public, auth="none" if public else "iam",
        config={"principal": principal, "action": action, "permission": lid, **conditions},
        location=m.loc(lid)))


def url(m: Mapper, lid: str, props: Mapping[str, Any]) -> None:
    """A function URL: public with ``AuthType: NONE``."""
    function = m.fn(props.get("TargetFunctionArn"))
    auth = "iam" if str(props.get("AuthType", "")).upper() == "AWS_IAM" else "none"
    settings = {"auth": auth, "cors": props.get("Cors"), "invoke_mode": props.get("InvokeMode", "BUFFERED")}
    if function is None:
        return
    m.urls[function] = settings
    m.add_trigger(function, Trigger(
        type="url", source=lid, public=auth == "none", auth=auth,
        config={"cors": props.get("Cors"), "invoke_mode": settings["invoke_mode"], "qualifier": props.get("Qualifier")},
        location=m.loc(lid)))


def event_source_mapping(m: Mapper, lid: str, props: Mapping[str, Any]) -> None:
    """Polling sources (SQS, Kinesis, DynamoDB, Kafka, MQ) with their batch and retry settings."""
    function = m.fn(props.get("FunctionName"))
    source = props.get("EventSourceArn")
    kind = m.source_kind(source) if source is not None else "other"
    servers = nested(props, "SelfManagedEventSource", "Endpoints", "KafkaBootstrapServers")
    if props.get("SelfManagedEventSource") is not None:
        kind = "kafka"
        source = ",".join(to_text(server) for server in items(servers)) or None
    batch = {new: props[old] for old, new in BATCH_KEYS.items() if old in props}
    if kind in DEFAULT_BATCH:
        batch.setdefault("batch_size", DEFAULT_BATCH[kind])
    scaling = props.get("ScalingConfig")
    if isinstance(scaling, Mapping) and "MaximumConcurrency" in scaling:
        batch["maximum_concurrency"] = scaling["MaximumConcurrency"]
    destination = nested_text(props, "DestinationConfig", "OnFailure", "Destination")
    if destination:
        batch["on_failure"] = destination
        if function:
            m.on_failure.setdefault(function, destination)
    config: dict[str, Any] = {"mapping": lid}
    if props.get("Topics") is not None or props.get("Queues") is not None:
        config["topics"] = props.get("Topics") or props.get("Queues")
    if props.get("FilterCriteria") is not None:
        config["filter_criteria"] = props["FilterCriteria"]
    if str(props.get("Enabled", True)).lower() == "false":
        config["enabled"] = False
    if kind == "other":
        config["event_source"] = to_text(source)
    m.add_trigger(function, Trigger(
        type=kind, source=m.source_of(source) if source is not None else None,
        public=m.ref(source) in m.public_sources, batch=batch, config=config, location=m.loc(lid)))


def event_invoke_config(m: Mapper, lid: str, props: Mapping[str, Any]) -> None:
    """Where failed asynchronous invocations go (``on_failure``)."""
    function = m.fn(props.get("FunctionName"))
    destination = nested_text(props, "DestinationConfig", "OnFailure", "Destination")
    if function and destination:
        m.on_failure[function] = destination


def bucket(m: Mapper, lid: str, props: Mapping[str, Any]) -> None:
    """S3 notifications to the function, with their key filters."""
    notifications = props.get("NotificationConfiguration")
    if not isinstance(notifications, Mapping):
        return
    for index, item in enumerate(items(notifications.get("LambdaConfigurations"))):
        if not isinstance(item, Mapping):
            continue
        config: dict[str, Any] = {"event": item.get("Event")}
        rules = nested(item, "Filter", "S3Key", "Rules")
        if isinstance(rules, list):
            config["rules"] = [{str(r.get("Name", "")).lower(): r.get("Value")} for r in rules
                               if isinstance(r, Mapping)]
        public = lid in m.public_sources
        m.add_trigger(m.fn(item.get("Function")), Trigger(
            type="s3", source=lid, public=public, config=config,
            location=m.loc(lid, "NotificationConfiguration", "LambdaConfigurations", index)))


def sns_subscription(m: Mapper, lid: str, props: Mapping[str, Any]) -> None:
    """A ``lambda`` subscription of a topic."""
    if str(props.get("Protocol", "")).lower() != "lambda":
        return
    topic = props.get("TopicArn")
    config = {k: props[k] for k in ("FilterPolicy", "FilterPolicyScope", "RedrivePolicy") if k in props}
    m.add_trigger(m.fn(props.get("Endpoint")), Trigger(
        type="sns", source=m.source_of(topic), public=m.ref(topic) in m.public_sources,
        config=config, location=m.loc(lid)))


def sns_topic(m: Mapper, lid: str, props: Mapping[str, Any]) -> None:
    """Subscriptions written inline in a topic."""
    for item in items(props.get("Subscription")):
        if isinstance(item, Mapping) and str(item.get("Protocol", "")).lower() == "lambda":
            m.add_trigger(m.fn(item.get("Endpoint")), Trigger(
                type="sns", source=lid, public=lid in m.public_sources, location=m.loc(lid)))


def events_rule(m: Mapper, lid: str, props: Mapping[str, Any]) -> None:
    """EventBridge rule targets: a schedule or an event pattern on a bus."""
    schedule = props.get("ScheduleExpression")
    for index, target in enumerate(items(props.get("Targets"))):
        if not isinstance(target, Mapping):
            continue
        function = m.fn(target.get("Arn"))
        if function is None:
            continue
        config: dict[str, Any] = {"rule": lid}
        if target.get("Input") is not None:
            config["input"] = target["Input"]
        if props.get("State") in ("DISABLED",):
            config["enabled"] = False
        if schedule is not None:
            config["rate"] = [to_text(schedule)]
            trigger = Trigger(type="schedule", source=to_text(schedule), config=config,
                              location=m.loc(lid, "Targets", index))
        else:
            config["pattern"] = props.get("EventPattern")
            bus = props.get("EventBusName", "default")
            config["event_bus"] = to_text(bus)
            source = m.source_of(bus)
            trigger = Trigger(type="eventBridge", source=source, public=source in m.public_sources,
                              config=config, location=m.loc(lid, "Targets", index))
        m.add_trigger(function, trigger)


def schedule(m: Mapper, lid: str, props: Mapping[str, Any]) -> None:
    """EventBridge Scheduler schedules."""
    target = props.get("Target")
    if not isinstance(target, Mapping):
        return
    expression = to_text(props.get("ScheduleExpression", ""))
    m.add_trigger(m.fn(target.get("Arn")), Trigger(
        type="schedule", source=expression, config={"rate": [expression], "schedule": lid,
                                                     "scheduler": True},
        location=m.loc(lid)))


def user_pool(m: Mapper, lid: str, props: Mapping[str, Any]) -> None:
    """Cognito user pool hooks (pre sign-up, custom message, token generation...)."""
    hooks = props.get("LambdaConfig")
    if not isinstance(hooks, Mapping):
        return
    # Anyone who knows an app client id can sign up unless only admins create users, and the
    # sign-up and sign-in hooks then run on their input: the perimeter rules need to know.
    admin_only = str(nested(props, "AdminCreateUserConfig", "AllowAdminCreateUserOnly")).lower() == "true"
    for hook, value in hooks.items():
        candidates = [value] if not isinstance(value, Mapping) else [value.get("LambdaArn"), value]
        for candidate in candidates:
            function = m.fn(candidate)
            if function:
                m.add_trigger(function, Trigger(
                    type="cognito", source=lid, config={"trigger": hook, "self_sign_up": not admin_only},
                    location=m.loc(lid, "LambdaConfig", hook)))
                break


def topic_rule(m: Mapper, lid: str, props: Mapping[str, Any]) -> None:
    """IoT topic rules with a Lambda action."""
    payload = props.get("TopicRulePayload")
    if not isinstance(payload, Mapping):
        return
    for action in items(payload.get("Actions")):
        target = nested(action, "Lambda", "FunctionArn")
        if target is not None:
            m.add_trigger(m.fn(target), Trigger(type="iot", source=lid, config={"sql": payload.get("Sql")},
                                               location=m.loc(lid)))


def log_subscription(m: Mapper, lid: str, props: Mapping[str, Any]) -> None:
    """A CloudWatch Logs subscription filter to the function."""
    m.add_trigger(m.fn(props.get("DestinationArn")), Trigger(
        type="cloudwatchLog", source=m.source_of(props.get("LogGroupName")),
        config={"filter": props.get("FilterPattern")}, location=m.loc(lid)))


def account_log_policy(m: Mapper, lid: str, props: Mapping[str, Any]) -> None:
    """An account-wide subscription filter: every log group of the account feeds the function."""
    if str(props.get("PolicyType", "")).upper() != "SUBSCRIPTION_FILTER_POLICY":
        return
    document = props.get("PolicyDocument")
    if isinstance(document, dict) and "Fn::Sub" in document:
        document = to_text(document)
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return
    if isinstance(document, Mapping):
        m.add_trigger(m.fn(document.get("DestinationArn")), Trigger(
            type="cloudwatchLog", source="account", config={"filter": document.get("FilterPattern"),
                                                            "account_policy": lid},
            location=m.loc(lid)))


def lattice_target_group(m: Mapper, lid: str, props: Mapping[str, Any]) -> None:
    """VPC Lattice: reachable from the service network's VPCs, with the service's auth type."""
    if str(props.get("Type", "")).upper() != "LAMBDA":
        return
    auth = "none"
    for resource in m.res.values():
        groups = nested(resource.properties, "DefaultAction", "Forward", "TargetGroups")
        if resource.type != "AWS::VpcLattice::Listener" or not any(
                isinstance(g, Mapping) and m.ref(g.get("TargetGroupIdentifier")) == lid for g in items(groups)):
            continue
        service = m.ref(resource.properties.get("ServiceIdentifier"))
        if service and str(m.res[service].properties.get("AuthType", "")).upper() == "AWS_IAM":
            auth = "iam"
    for target in items(props.get("Targets")):
        if isinstance(target, Mapping):
            m.add_trigger(m.fn(target.get("Id")), Trigger(
                type="other", source=lid, auth=auth, config={"service": "vpc-lattice"},
                location=m.loc(lid)))


def state_machine(m: Mapper, lid: str, props: Mapping[str, Any]) -> None:
    """Functions a state machine's definition (or its substitutions) names: it invokes them."""
    found: list[str] = []

    def walk(value: Any, depth: int) -> None:
        named = isinstance(value, Mapping) or (isinstance(value, str) and ":function:" in value)
        function = m.fn(value) if named else None  # a state may share a function's name
        if function is not None:
            if function not in found:
                found.append(function)
        elif isinstance(value, Mapping) and depth < 30:
            for child in value.values():
                walk(child, depth + 1)
        elif isinstance(value, list) and depth < 30:
            for child in value:
                walk(child, depth + 1)

    walk({k: v for k, v in props.items() if k not in ("RoleArn", "Role", "Tags")}, 0)
    for function in found:
        m.add_trigger(function, Trigger(type="other", source=lid, config={"service": "states"},
                                           location=m.loc(lid)))


def receipt_rule(m: Mapper, lid: str, props: Mapping[str, Any]) -> None:
    """SES receiving: anyone on the internet can send the email that runs the function."""
    rule = mapping(props.get("Rule"))
    for action in items(rule.get("Actions")):
        target = nested(action, "LambdaAction", "FunctionArn")
        if target is not None:
            m.add_trigger(m.fn(target), Trigger(
                type="other", source=lid, public=True, auth="none",
                config={"service": "ses", "recipients": rule.get("Recipients"),
                        "invocation": nested(action, "LambdaAction", "InvocationType")},
                location=m.loc(lid)))


def object_lambda(m: Mapper, lid: str, props: Mapping[str, Any]) -> None:
    """S3 Object Lambda: the function transforms objects read through the access point."""
    configuration = mapping(props.get("ObjectLambdaConfiguration"))
    for transformation in items(configuration.get("TransformationConfigurations")):
        target = nested(transformation, "ContentTransformation", "AwsLambda", "FunctionArn")
        if target is not None:
            m.add_trigger(m.fn(target), Trigger(
                type="other", source=lid, auth="iam",
                config={"service": "s3-object-lambda", "actions": nested(transformation, "Actions")},
                location=m.loc(lid)))


def pipe(m: Mapper, lid: str, props: Mapping[str, Any]) -> None:
    """EventBridge Pipes using the function as enrichment or target."""
    for role in ("Target", "Enrichment"):
        function = m.fn(props.get(role))
        if function:
            m.add_trigger(function, Trigger(type="other", source=lid,
                                        config={"pipe": lid, "role": role.lower(),
                                                "pipe_source": m.source_of(props.get("Source"))},
                                        location=m.loc(lid)))


def appsync_data_source(m: Mapper, lid: str, props: Mapping[str, Any]) -> None:
    """A GraphQL API resolving through the function: reachable as that API's auth allows."""
    if str(props.get("Type", "")).upper() != "AWS_LAMBDA":
        return
    function = m.fn(nested(props, "LambdaConfig", "LambdaFunctionArn"))
    api = m.ref(props.get("ApiId"))
    api_props = m.res[api].properties if api else {}
    modes = [api_props.get("AuthenticationType")] + [
        provider.get("AuthenticationType") for provider in items(api_props.get("AdditionalAuthenticationProviders"))
        if isinstance(provider, Mapping)]
    kinds = {"API_KEY": "api_key", "AWS_IAM": "iam", "AMAZON_COGNITO_USER_POOLS": "cognito",
             "OPENID_CONNECT": "jwt", "AWS_LAMBDA": "lambda"}
    auths = [kinds.get(str(mode).upper(), "unknown") for mode in modes if mode is not None] or ["unknown"]
    auth = "api_key" if "api_key" in auths else auths[0]
    m.add_trigger(function, Trigger(
        type="other", source=api or text_or_none(props.get("ApiId")), public=auth == "api_key", auth=auth,
        api_key_required=auth == "api_key",
        config={"service": "appsync", "data_source": lid, "authentication": [str(m) for m in modes if m]},
        location=m.loc(lid)))


def distribution(m: Mapper, lid: str, props: Mapping[str, Any]) -> None:
    """Lambda@Edge: CloudFront runs the function on requests from anyone on the internet."""
    config = mapping(props.get("DistributionConfig"))
    behaviors = [config.get("DefaultCacheBehavior")] + items(config.get("CacheBehaviors"))
    for behavior in behaviors:
        for association in items(nested(behavior, "LambdaFunctionAssociations")):
            if not isinstance(association, Mapping):
                continue
            m.add_trigger(m.fn(association.get("LambdaFunctionARN")), Trigger(
                type="other", source=lid, public=True, auth="none",
                path=text_or_none(nested(behavior, "PathPattern")) or "*",
                config={"service": "cloudfront", "event_type": association.get("EventType")},
                location=m.loc(lid)))


def target_group(m: Mapper, lid: str, props: Mapping[str, Any]) -> None:
    """An ALB target group of type lambda; public when an internet-facing listener forwards to it unauthenticated."""
    if str(props.get("TargetType", "")).lower() != "lambda":
        return
    listeners = _alb_listeners(m, lid)
    public = any(scheme == "internet-facing" for scheme, _auth in listeners)
    auths = {auth for _scheme, auth in listeners}
    auth = "none" if not auths or "none" in auths else sorted(auths)[0]
    for target in items(props.get("Targets")):
        if isinstance(target, Mapping):
            m.add_trigger(m.fn(target.get("Id")), Trigger(
                type="alb", source=lid, public=public and auth == "none", auth=auth,
                config={"listeners": len(listeners)}, location=m.loc(lid)))


def _alb_listeners(m: Mapper, group: str) -> list[tuple[str, str]]:
    """(scheme, auth) of every listener or rule that forwards to target group ``group``."""
    found: list[tuple[str, str]] = []
    for lid, resource in m.res.items():
        if resource.type == "AWS::ElasticLoadBalancingV2::Listener":
            actions, listener = resource.properties.get("DefaultActions"), lid
        elif resource.type == "AWS::ElasticLoadBalancingV2::ListenerRule":
            actions, listener = resource.properties.get("Actions"), m.ref(resource.properties.get("ListenerArn"))
        else:
            continue
        actions = actions if isinstance(actions, list) else []
        if not any(_forwards_to(m, action, group) for action in actions):
            continue
        auth = "none"
        for action in actions:
            kind = str(action.get("Type", "")).lower() if isinstance(action, Mapping) else ""
            auth = "cognito" if kind == "authenticate-cognito" else "jwt" if kind == "authenticate-oidc" else auth
        scheme = "internet-facing"
        if listener and listener in m.res:
            balancer = m.ref(m.res[listener].properties.get("LoadBalancerArn"))
            if balancer:
                scheme = str(m.res[balancer].properties.get("Scheme", "internet-facing"))
        found.append((scheme, auth))
    return found


def _forwards_to(m: Mapper, action: Any, group: str) -> bool:
    if not isinstance(action, Mapping):
        return False
    if m.ref(action.get("TargetGroupArn")) == group:
        return True
    groups = nested(action, "ForwardConfig", "TargetGroups")
    return isinstance(groups, list) and any(
        isinstance(g, Mapping) and m.ref(g.get("TargetGroupArn")) == group for g in groups)

# -- untranslated SAM events --------------------------------------------------------------


TRIGGER_READERS: dict[str, Callable[[Mapper, str, Mapping[str, Any]], None]] = {
    "AWS::Lambda::Permission": permission,
    "AWS::Lambda::Url": url,
    "AWS::Lambda::EventSourceMapping": event_source_mapping,
    "AWS::Lambda::EventInvokeConfig": event_invoke_config,
    "AWS::S3::Bucket": bucket,
    "AWS::SNS::Subscription": sns_subscription,
    "AWS::SNS::Topic": sns_topic,
    "AWS::Events::Rule": events_rule,
    "AWS::Scheduler::Schedule": schedule,
    "AWS::Cognito::UserPool": user_pool,
    "AWS::IoT::TopicRule": topic_rule,
    "AWS::Logs::SubscriptionFilter": log_subscription,
    "AWS::Logs::AccountPolicy": account_log_policy,
    "AWS::ElasticLoadBalancingV2::TargetGroup": target_group,
    "AWS::VpcLattice::TargetGroup": lattice_target_group,
    "AWS::Pipes::Pipe": pipe,
    "AWS::AppSync::DataSource": appsync_data_source,
    "AWS::CloudFront::Distribution": distribution,
    "AWS::StepFunctions::StateMachine": state_machine,
    "AWS::SES::ReceiptRule": receipt_rule,
    "AWS::S3ObjectLambda::AccessPoint": object_lambda,
}
