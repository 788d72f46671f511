"""API Gateway: REST APIs (v1) and HTTP/WebSocket APIs (v2) that invoke a selected function.

Routes, methods, authorizers, request validators, stages (throttling) and usage plans are
written as the ``AWS::ApiGateway*`` resources CloudFormation would hold, so the CloudFormation
loader's API reading (auth kinds, public reachability, throttling) applies unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fnguard.load.aws.client import Account
from fnguard.load.aws.names import tags_to_dict
from fnguard.load.aws.template import Template, json_document, ref


def read(account: Account, region: str, template: Template) -> None:
    apis = account.pages("apigateway", region, "GetRestApis", "items")
    for found in account.map(lambda api: _rest_details(account, region, api), apis):
        if found is not None:
            _write_rest(template, region, *found)
    plans = account.pages("apigateway", region, "GetUsagePlans", "items") if template.arns else []
    _usage_plans(template, region, plans)
    http_apis = account.pages("apigatewayv2", region, "GetApis", "Items")
    for found in account.map(lambda api: _http_details(account, region, api), http_apis):
        if found is not None:
            _write_http(template, region, *found)


# -- REST APIs ------------------------------------------------------------------------------


def _rest_details(account: Account, region: str, api: Mapping[str, Any]) -> tuple[Any, ...] | None:
    api_id = api["id"]
    resources = account.pages("apigateway", region, "GetResources", "items", restApiId=api_id, embed=["methods"])
    for resource in resources:  # endpoints that do not embed the integration: ask for it
        for verb, method in list((resource.get("resourceMethods") or {}).items()):
            if isinstance(method, Mapping) and "methodIntegration" not in method:
                full = account.call("apigateway", region, "GetMethod", restApiId=api_id,
                                    resourceId=resource["id"], httpMethod=verb) or {}
                resource["resourceMethods"][verb] = full
    authorizers = account.pages("apigateway", region, "GetAuthorizers", "items", restApiId=api_id)
    if not any(_integration_uri(m) and ":function:" in _integration_uri(m)
               for r in resources for m in (r.get("resourceMethods") or {}).values()) \
            and not any(":function:" in str(a.get("authorizerUri", "")) for a in authorizers):
        return None
    validators = account.pages("apigateway", region, "GetRequestValidators", "items", restApiId=api_id)
    stages = account.pages("apigateway", region, "GetStages", "item", restApiId=api_id)
    return api, resources, authorizers, validators, stages


def _integration_uri(method: Any) -> str:
    return str((method.get("methodIntegration") or {}).get("uri", "")) if isinstance(method, Mapping) else ""


def _write_rest(template: Template, region: str, api: Mapping[str, Any], resources: list[Any],
                authorizers: list[Any], validators: list[Any], stages: list[Any]) -> None:
    invoked = [(r, verb, m) for r in resources for verb, m in (r.get("resourceMethods") or {}).items()
               if template.targets_function(_integration_uri(m))]
    called = [a for a in authorizers if template.targets_function(a.get("authorizerUri"))]
    if not invoked and not called:
        return
    api_id = str(api["id"])
    arn = f"arn:aws:apigateway:{region}::/restapis/{api_id}"
    props: dict[str, Any] = {"Name": api.get("name"),
                             "EndpointConfiguration": {"Types": (api.get("endpointConfiguration") or {}).get("types")
                                                       or ["EDGE"]}}
    policy = json_document(api.get("policy"))
    if policy is not None:
        props["Policy"] = policy
    if api.get("disableExecuteApiEndpoint"):
        props["DisableExecuteApiEndpoint"] = True
    lid = template.add(str(api.get("name") or api_id), arn, "AWS::ApiGateway::RestApi", props,
                       tags_to_dict(api.get("tags")))
    template.arns[lid] = arn
    ids: dict[str, str] = {}
    for item in authorizers:
        ids[item["id"]] = template.add(f"{lid}Authorizer{item.get('name', item['id'])}", f"{arn}/authorizers/{item['id']}",
                                       "AWS::ApiGateway::Authorizer", {
                                           "RestApiId": ref(lid), "Name": item.get("name"), "Type": item.get("type"),
                                           "AuthorizerUri": item.get("authorizerUri"),
                                           "ProviderARNs": item.get("providerARNs"),
                                           "IdentitySource": item.get("identitySource")})
    for item in validators:
        ids[item["id"]] = template.add(f"{lid}Validator{item['id']}", f"{arn}/requestvalidators/{item['id']}",
                                       "AWS::ApiGateway::RequestValidator", {
                                           "RestApiId": ref(lid), "Name": item.get("name"),
                                           "ValidateRequestBody": bool(item.get("validateRequestBody")),
                                           "ValidateRequestParameters": bool(item.get("validateRequestParameters"))})
    parents = {r["id"]: r for r in resources}
    for resource in resources:
        if resource.get("parentId") is None:
            ids[resource["id"]] = lid  # the root: methods on it have the path "/"
    for resource in sorted(resources, key=lambda r: str(r.get("path", "")).count("/")):
        if resource["id"] in ids:
            continue
        parent = ids.get(resource.get("parentId", ""), lid)
        ids[resource["id"]] = template.add(f"{lid}Resource{resource['id']}", f"{arn}/resources/{resource['id']}",
                                           "AWS::ApiGateway::Resource", {
                                               "RestApiId": ref(lid), "ParentId": ref(parent),
                                               "PathPart": resource.get("pathPart") or str(
                                                   parents.get(resource["id"], {}).get("path", "")).rsplit("/", 1)[-1]})
    for resource, verb, method in invoked:
        integration = method.get("methodIntegration") or {}
        props = {"RestApiId": ref(lid), "ResourceId": ref(ids[resource["id"]]), "HttpMethod": verb,
                 "AuthorizationType": method.get("authorizationType", "NONE"),
                 "ApiKeyRequired": bool(method.get("apiKeyRequired")),
                 "Integration": {"Type": integration.get("type"), "Uri": integration.get("uri"),
                                 "IntegrationHttpMethod": integration.get("httpMethod")}}
        if method.get("authorizerId") in ids:
            props["AuthorizerId"] = ref(ids[method["authorizerId"]])
        if method.get("requestValidatorId") in ids:
            props["RequestValidatorId"] = ref(ids[method["requestValidatorId"]])
        if method.get("authorizationScopes"):
            props["AuthorizationScopes"] = method["authorizationScopes"]
        template.add(f"{lid}Method{resource['id']}{verb}", f"{arn}/resources/{resource['id']}/methods/{verb}",
                     "AWS::ApiGateway::Method", props)
    for stage in stages:
        settings = []
        for key, value in (stage.get("methodSettings") or {}).items():
            path, _, verb = str(key).rpartition("/")
            settings.append({"ResourcePath": "/*" if path == "*" else "/" + path.replace("~1", "/").lstrip("/"),
                             "HttpMethod": verb or "*",
                             "ThrottlingRateLimit": value.get("throttlingRateLimit"),
                             "ThrottlingBurstLimit": value.get("throttlingBurstLimit")})
        template.add(f"{lid}Stage{stage.get('stageName')}", f"{arn}/stages/{stage.get('stageName')}",
                     "AWS::ApiGateway::Stage", {"RestApiId": ref(lid), "StageName": stage.get("stageName"),
                                                "MethodSettings": settings,
                                                "TracingEnabled": bool(stage.get("tracingEnabled"))})


def _usage_plans(template: Template, region: str, plans: list[Any]) -> None:
    by_id = {arn.rsplit("/", 1)[-1]: lid for lid, arn in template.arns.items() if "/restapis/" in arn
             and arn.count("/") == 2}
    for plan in plans:
        stages = [{"ApiId": ref(by_id[s["apiId"]]), "Stage": s.get("stage")} for s in plan.get("apiStages") or []
                  if s.get("apiId") in by_id]
        if not stages:
            continue
        throttle = plan.get("throttle") or {}
        template.add(f"UsagePlan{plan['id']}", f"arn:aws:apigateway:{region}::/usageplans/{plan['id']}",
                     "AWS::ApiGateway::UsagePlan", {
                         "UsagePlanName": plan.get("name"), "ApiStages": stages,
                         "Throttle": {"RateLimit": throttle.get("rateLimit"), "BurstLimit": throttle.get("burstLimit")}
                         if throttle else None,
                         "Quota": plan.get("quota")}, tags_to_dict(plan.get("tags")))


# -- HTTP and WebSocket APIs ----------------------------------------------------------------


def _http_details(account: Account, region: str, api: Mapping[str, Any]) -> tuple[Any, ...] | None:
    api_id = api["ApiId"]
    integrations = account.pages("apigatewayv2", region, "GetIntegrations", "Items", ApiId=api_id)
    authorizers = account.pages("apigatewayv2", region, "GetAuthorizers", "Items", ApiId=api_id)
    if not any(":function:" in str(i.get("IntegrationUri", "")) for i in integrations) \
            and not any(":function:" in str(a.get("AuthorizerUri", "")) for a in authorizers):
        return None
    routes = account.pages("apigatewayv2", region, "GetRoutes", "Items", ApiId=api_id)
    stages = account.pages("apigatewayv2", region, "GetStages", "Items", ApiId=api_id)
    return api, integrations, authorizers, routes, stages


def _write_http(template: Template, region: str, api: Mapping[str, Any], integrations: list[Any],
                authorizers: list[Any], routes: list[Any], stages: list[Any]) -> None:
    targeted = {i["IntegrationId"] for i in integrations if template.targets_function(i.get("IntegrationUri"))}
    called = [a for a in authorizers if template.targets_function(a.get("AuthorizerUri"))]
    if not targeted and not called:
        return
    api_id = str(api["ApiId"])
    arn = f"arn:aws:apigateway:{region}::/apis/{api_id}"
    props = {"Name": api.get("Name"), "ProtocolType": api.get("ProtocolType", "HTTP")}
    if api.get("CorsConfiguration"):
        props["CorsConfiguration"] = api["CorsConfiguration"]
    lid = template.add(str(api.get("Name") or api_id), arn, "AWS::ApiGatewayV2::Api", props,
                       tags_to_dict(api.get("Tags")))
    ids: dict[str, str] = {}
    for item in integrations:
        if item["IntegrationId"] in targeted:
            ids[item["IntegrationId"]] = template.add(
                f"{lid}Integration{item['IntegrationId']}", f"{arn}/integrations/{item['IntegrationId']}",
                "AWS::ApiGatewayV2::Integration", {"ApiId": ref(lid), "IntegrationType": item.get("IntegrationType"),
                                                    "IntegrationUri": item.get("IntegrationUri"),
                                                    "PayloadFormatVersion": item.get("PayloadFormatVersion")})
    for item in authorizers:
        ids[item["AuthorizerId"]] = template.add(
            f"{lid}Authorizer{item.get('Name', item['AuthorizerId'])}", f"{arn}/authorizers/{item['AuthorizerId']}",
            "AWS::ApiGatewayV2::Authorizer", {"ApiId": ref(lid), "Name": item.get("Name"),
                                              "AuthorizerType": item.get("AuthorizerType"),
                                              "AuthorizerUri": item.get("AuthorizerUri"),
                                              "JwtConfiguration": item.get("JwtConfiguration"),
                                              "IdentitySource": item.get("IdentitySource")})
    for route in routes:
        target = str(route.get("Target", ""))
        integration = target.rsplit("/", 1)[-1] if target.startswith("integrations/") else None
        if integration not in ids:
            continue
        props = {"ApiId": ref(lid), "RouteKey": route.get("RouteKey"),
                 "Target": {"Fn::Join": ["/", ["integrations", ref(ids[integration])]]},
                 "AuthorizationType": route.get("AuthorizationType", "NONE"),
                 "ApiKeyRequired": bool(route.get("ApiKeyRequired"))}
        if route.get("AuthorizerId") in ids:
            props["AuthorizerId"] = ref(ids[route["AuthorizerId"]])
        template.add(f"{lid}Route{route['RouteId']}", f"{arn}/routes/{route['RouteId']}",
                     "AWS::ApiGatewayV2::Route", props)
    for stage in stages:
        template.add(f"{lid}Stage{stage.get('StageName')}", f"{arn}/stages/{stage.get('StageName')}",
                     "AWS::ApiGatewayV2::Stage", {
                         "ApiId": ref(lid), "StageName": stage.get("StageName"),
                         "DefaultRouteSettings": stage.get("DefaultRouteSettings") or {},
                         "RouteSettings": stage.get("RouteSettings") or {}})
