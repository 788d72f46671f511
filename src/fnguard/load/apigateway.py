"""API Gateway to triggers: REST APIs (v1) and HTTP/WebSocket APIs (v2).

Routes come from three places — OpenAPI bodies (what SAM writes and what DVSA inlines),
``AWS::ApiGateway::Method`` resources, and ``AWS::ApiGatewayV2::Route`` resources — and each
route's auth from its security requirement, authorizer or authorization type. Throttling comes
from stages and usage plans. Split from :mod:`fnguard.load.cloudformation`, which calls it.

``public`` means anyone on the internet can get the function run without credentials of ours: an
open route (auth ``none``, or ``api_key``, which identifies no one) on an endpoint that is not
private nor narrowed by a resource policy. A route behind Cognito, JWT, a Lambda authorizer or
IAM is not public; ``auth`` says which.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fnguard.load.intrinsics import items, json_document, mapping, nested, to_text
from fnguard.model import Location, Resource, Trigger

if TYPE_CHECKING:
    from fnguard.load.cloudformation import Mapper


_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method")


def _scheme_kind(scheme: Any) -> str:
    """Auth kind of an OpenAPI security scheme as API Gateway reads its extensions."""
    if not isinstance(scheme, Mapping):
        return "unknown"
    authtype = str(scheme.get("x-amazon-apigateway-authtype", "")).lower()
    authorizer = scheme.get("x-amazon-apigateway-authorizer")
    kind = str(authorizer.get("type", "")).lower() if isinstance(authorizer, Mapping) else ""
    if "cognito" in authtype or "cognito" in kind:
        return "cognito"
    if kind == "jwt" or scheme.get("type") in ("oauth2", "openIdConnect"):
        return "jwt"
    if authtype == "awssigv4" or kind == "aws_iam":
        return "iam"
    if kind in ("token", "request") or authtype == "custom":
        return "lambda"
    if scheme.get("type") == "apiKey" and not authtype and not authorizer:
        return "api_key"
    return "unknown"


def _route_auth(security: Any, schemes: Mapping[str, Any]) -> tuple[str, bool, list[str]]:
    """(auth kind, api key required, scheme names) of an operation's ``security`` list.

    Alternatives are ORed, so the weakest wins; names inside one requirement are ANDed, so a
    real authorizer beats an API key there.
    """
    if not isinstance(security, list) or not security:
        return "none", False, []
    rank = {"none": 0, "api_key": 1, "unknown": 2, "lambda": 3, "jwt": 3, "cognito": 3, "iam": 3}
    weakest: str | None = None
    key_required = True
    names: list[str] = []
    for requirement in security:
        if not isinstance(requirement, Mapping):
            continue
        kinds = []
        for name in requirement:
            names.append(str(name))
            kinds.append("none" if name == "NONE" and name not in schemes else _scheme_kind(schemes.get(name)))
        has_key = "api_key" in kinds
        key_required = key_required and has_key
        strong = [k for k in kinds if k not in ("api_key", "none")]
        kind = strong[0] if strong else ("api_key" if has_key else "none")
        if weakest is None or rank[kind] < rank[weakest]:
            weakest = kind
    return weakest or "none", key_required and bool(names), names


def _open_for_anyone(policy: Any) -> bool:
    """True when a resource policy does not narrow who may invoke (absent, or Allow * with no Deny)."""
    policy = json_document(policy)
    if not isinstance(policy, Mapping):
        return True
    statements = policy.get("Statement")
    statements = statements if isinstance(statements, list) else [statements]
    allows_anyone = False
    for item in statements:
        if not isinstance(item, Mapping):
            continue
        if item.get("Effect") == "Deny":
            return False
        principal = item.get("Principal")
        if (principal == "*" or isinstance(principal, Mapping) and principal.get("AWS") in ("*", ["*"])) \
                and not item.get("Condition"):
            allows_anyone = True
    return allows_anyone


def _body_validation(body: Mapping[str, Any], operation: Mapping[str, Any]) -> bool:
    """Whether API Gateway validates this operation's request (``x-amazon-apigateway-request-validator``)."""
    name = operation.get("x-amazon-apigateway-request-validator", body.get("x-amazon-apigateway-request-validator"))
    validator = nested(body, "x-amazon-apigateway-request-validators", str(name)) if name else None
    if not isinstance(validator, Mapping):
        return False
    return any(str(validator.get(key)).lower() == "true" for key in ("validateRequestBody", "validateRequestParameters"))


def _throttle(settings: Any, rate_key: str, burst_key: str) -> dict[str, Any] | None:
    if not isinstance(settings, Mapping):
        return None
    found = {}
    if settings.get(rate_key) is not None:
        found["rate"] = settings[rate_key]
    if settings.get(burst_key) is not None:
        found["burst"] = settings[burst_key]
    return found or None


def rest_endpoint(api: Resource) -> tuple[bool, dict[str, Any]]:
    """(reachable from the internet, facts for the trigger config) of a REST API or SAM Api."""
    props = api.properties
    endpoint = props.get("EndpointConfiguration")
    if isinstance(endpoint, Mapping):
        types = endpoint.get("Types") or endpoint.get("Type") or []
    else:
        types = endpoint or []
    body = props.get("Body") or props.get("DefinitionBody")
    body = body if isinstance(body, Mapping) else {}
    body_types = nested(body, "x-amazon-apigateway-endpoint-configuration", "types") or []
    types = [str(t).upper() for t in (types if isinstance(types, list) else [types])]
    types += [str(t).upper() for t in (body_types if isinstance(body_types, list) else [])]
    policy = props.get("Policy") or body.get("x-amazon-apigateway-policy") or nested(props, "Auth", "ResourcePolicy")
    if isinstance(policy, Mapping) and "Statement" not in policy and all("Blacklist" in k for k in policy):
        policy = None  # a SAM ResourcePolicy that only denies some callers leaves the API open
    config: dict[str, Any] = {"api": api.logical_id, "endpoint": types or ["EDGE"]}
    if policy is not None:
        config["resource_policy"] = policy
    private = "PRIVATE" in types or (policy is not None and not _open_for_anyone(policy))
    return not private, config


def authorizers(mapper: Mapper) -> None:
    """Lambda authorizers: API Gateway calls them with the caller's raw token, before any auth.

    So an authorizer function is reachable by anyone who can reach the API: an entry point of
    its own, whatever the routes it protects require.
    """
    seen: set[tuple[str, str]] = set()
    for lid, resource in mapper.res.items():
        props = resource.properties
        uri = None
        if resource.type == "AWS::ApiGateway::Authorizer" and str(props.get("Type", "")).upper() != "COGNITO_USER_POOLS":
            uri, api = props.get("AuthorizerUri"), mapper.ref(props.get("RestApiId"))
        elif resource.type == "AWS::ApiGatewayV2::Authorizer" and str(props.get("AuthorizerType", "")).upper() == "REQUEST":
            uri, api = props.get("AuthorizerUri"), mapper.ref(props.get("ApiId"))
        if uri is not None:
            _authorizer(mapper, uri, api or lid, lid, mapper.loc(lid), seen)
            continue
        body = props.get("Body") if resource.type in ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api") else None
        schemes = (nested(body, "securityDefinitions") or nested(body, "components", "securitySchemes")) if body else None
        for name, scheme in (schemes.items() if isinstance(schemes, Mapping) else ()):
            uri = nested(scheme, "x-amazon-apigateway-authorizer", "authorizerUri")
            if uri is not None:
                _authorizer(mapper, uri, lid, str(name), mapper.loc(lid), seen)


def _authorizer(mapper: Mapper, uri: Any, api: str, name: str, location: Location,
                seen: set[tuple[str, str]]) -> None:
    function = mapper.fn(uri)
    if function is None or (function, api) in seen:
        return
    seen.add((function, api))
    resource = mapper.res.get(api)
    reachable = rest_endpoint(resource)[0] if resource is not None and resource.type in (
        "AWS::ApiGateway::RestApi", "AWS::Serverless::Api") else True
    mapper.add_trigger(function, Trigger(
        type="other", source=api, public=reachable, auth="none",
        config={"service": "apigateway-authorizer", "authorizer": name}, location=location))


class RestApis:
    """API Gateway REST APIs: swagger bodies, Method resources, stages and usage plans."""

    def __init__(self, mapper: Mapper) -> None:
        self.m = mapper
        self.apis = {lid: r for lid, r in mapper.res.items() if r.type == "AWS::ApiGateway::RestApi"}
        self.throttling: dict[str, dict[str, Any]] = {}
        self.route_throttling: dict[tuple[str, str, str], dict[str, Any]] = {}

    def collect(self) -> None:
        """Add a trigger for every route of the template's APIs that integrates a function."""
        if not self.apis:
            return
        self._stages()
        for lid, api in self.apis.items():
            body = api.properties.get("Body")
            if isinstance(body, Mapping):
                self._body(lid, api, body)
        for lid, resource in self.m.res.items():
            if resource.type == "AWS::ApiGateway::Method":
                self._method(lid, resource.properties)
        authorizers(self.m)

    def _stages(self) -> None:
        """Throttling of stages, deployments' stage descriptions and usage plans, per API and per route."""
        for resource in self.m.res.values():
            props = resource.properties
            if resource.type == "AWS::ApiGateway::Stage":
                self._method_settings(self.m.ref(props.get("RestApiId")), props.get("MethodSettings"))
            elif resource.type == "AWS::ApiGateway::Deployment":
                description = props.get("StageDescription")
                if isinstance(description, Mapping):
                    api = self.m.ref(props.get("RestApiId"))
                    limits = _throttle(description, "ThrottlingRateLimit", "ThrottlingBurstLimit")
                    if api and limits:
                        self.throttling.setdefault(api, limits)
                    self._method_settings(api, description.get("MethodSettings"))
        for resource in self.m.res.values():
            if resource.type != "AWS::ApiGateway::UsagePlan":
                continue
            limits = _throttle(resource.properties.get("Throttle"), "RateLimit", "BurstLimit")
            for stage in items(resource.properties.get("ApiStages")):
                api = self.m.ref(stage.get("ApiId")) if isinstance(stage, Mapping) else None
                if api and limits:
                    self.throttling.setdefault(api, {**limits, "usage_plan": True})

    def _method_settings(self, api: str | None, settings: Any) -> None:
        if api is None or not isinstance(settings, list):
            return
        for item in settings:
            limits = _throttle(item, "ThrottlingRateLimit", "ThrottlingBurstLimit")
            if not isinstance(item, Mapping) or not limits:
                continue
            path = str(item.get("ResourcePath", "/*")).replace("~1", "/")
            method = str(item.get("HttpMethod", "*")).upper()
            if path in ("/*", "*") and method == "*":
                self.throttling[api] = limits
            else:
                self.route_throttling[(api, path, method)] = limits

    def _limits(self, api: str, path: str | None, method: str | None) -> dict[str, Any] | None:
        for key in ((api, path, method), (api, path, "*")):
            if key in self.route_throttling:
                return self.route_throttling[key]
        return self.throttling.get(api)

    def _endpoint(self, api: Resource) -> tuple[bool, dict[str, Any]]:
        """(reachable from the internet, facts for the trigger config)."""
        return rest_endpoint(api)


    def _body(self, lid: str, api: Resource, body: Mapping[str, Any]) -> None:
        """Routes of an OpenAPI body: each operation with a Lambda integration, its security and throttling."""
        reachable, base_config = self._endpoint(api)
        schemes = body.get("securityDefinitions") or nested(body, "components", "securitySchemes") or {}
        default_security = body.get("security")
        for path, item in mapping(body.get("paths")).items():
            if not isinstance(item, Mapping):
                continue
            for verb, operation in item.items():
                if verb.lower() not in _HTTP_METHODS or not isinstance(operation, Mapping):
                    continue
                integration = operation.get("x-amazon-apigateway-integration")
                if not isinstance(integration, Mapping):
                    continue
                function = self.m.fn(integration.get("uri"))
                if function is None:
                    continue
                method = "ANY" if verb.lower() == "x-amazon-apigateway-any-method" else verb.upper()
                security = operation.get("security", default_security)
                auth, key_required, names = _route_auth(security, schemes if isinstance(schemes, Mapping) else {})
                config = dict(base_config, integration=integration.get("type"),
                              request_validation=_body_validation(body, operation), cors=self.m.cors_of(lid))
                if names:
                    config["authorizer"] = names
                self.m.add_trigger(function, Trigger(
                    type="http", source=lid, public=reachable and auth in ("none", "api_key"), auth=auth,
                    api_key_required=key_required, path=str(path), method=method,
                    throttling=self._limits(lid, str(path), method), config=config,
                    location=self.m.route_location(lid, function, str(path), verb)))

    def _path(self, resource_id: Any, depth: int = 0) -> str:
        """The path of an ``AWS::ApiGateway::Resource``, walking its parents up to the root."""
        lid = self.m.ref(resource_id)
        if lid is None or self.m.res[lid].type != "AWS::ApiGateway::Resource" or depth > 50:
            return ""
        props = self.m.res[lid].properties
        return f"{self._path(props.get('ParentId'), depth + 1)}/{to_text(props.get('PathPart', ''))}"

    def _method(self, lid: str, props: Mapping[str, Any]) -> None:
        """A route written as an ``AWS::ApiGateway::Method`` resource."""
        integration = props.get("Integration")
        function = self.m.fn(nested(integration, "Uri")) if isinstance(integration, Mapping) else None
        if function is None:
            return
        api_id = self.m.ref(props.get("RestApiId"))
        path = self._path(props.get("ResourceId")) or "/"
        method = str(props.get("HttpMethod", "ANY")).upper()
        kind = str(props.get("AuthorizationType", "NONE")).upper()
        auth = {"NONE": "none", "AWS_IAM": "iam", "COGNITO_USER_POOLS": "cognito", "CUSTOM": "lambda"}.get(kind,
                                                                                                          "unknown")
        authorizer = self.m.ref(props.get("AuthorizerId"))
        if authorizer and auth in ("lambda", "unknown"):
            declared = str(self.m.res[authorizer].properties.get("Type", "")).upper()
            auth = "cognito" if declared == "COGNITO_USER_POOLS" else "lambda"
        key_required = props.get("ApiKeyRequired") in (True, "true", "True")
        if auth == "none" and key_required:
            auth = "api_key"
        reachable, config = self._endpoint(self.m.res[api_id]) if api_id in self.apis else (True, {})
        validator = self.m.ref(props.get("RequestValidatorId"))
        validates = validator is not None and any(
            str(self.m.res[validator].properties.get(key)).lower() == "true"
            for key in ("ValidateRequestBody", "ValidateRequestParameters"))
        config = dict(config, integration=integration.get("Type"), method_resource=lid, request_validation=validates,
                      cors=self.m.cors_of(api_id))
        if authorizer:
            config["authorizer"] = authorizer
        self.m.add_trigger(function, Trigger(
            type="http", source=api_id, public=reachable and auth in ("none", "api_key"), auth=auth,
            api_key_required=key_required, path=path, method=method,
            throttling=self._limits(api_id, path, method) if api_id else None, config=config,
            location=self.m.loc(lid)))


class HttpApis:
    """API Gateway v2: HTTP APIs and WebSocket APIs (bodies, routes, quick-create targets)."""

    def __init__(self, mapper: Mapper) -> None:
        self.m = mapper
        self.apis = {lid: r for lid, r in mapper.res.items() if r.type == "AWS::ApiGatewayV2::Api"}
        self.throttling: dict[str, dict[str, Any]] = {}
        self.route_throttling: dict[tuple[str, str], dict[str, Any]] = {}

    def collect(self) -> None:
        """Add a trigger for every route of the template's APIs that integrates a function."""
        if not self.apis:
            return
        for resource in self.m.res.values():
            if resource.type == "AWS::ApiGatewayV2::Stage":
                api = self.m.ref(resource.properties.get("ApiId"))
                limits = _throttle(resource.properties.get("DefaultRouteSettings"),
                                   "ThrottlingRateLimit", "ThrottlingBurstLimit")
                if api and limits:
                    self.throttling[api] = limits
                routes = resource.properties.get("RouteSettings")
                for key, settings in (routes.items() if isinstance(routes, Mapping) else ()):
                    limits = _throttle(settings, "ThrottlingRateLimit", "ThrottlingBurstLimit")
                    if api and limits:
                        self.route_throttling[(api, key)] = limits
        for lid, api in self.apis.items():
            props = api.properties
            kind = "websocket" if str(props.get("ProtocolType", "HTTP")).upper() == "WEBSOCKET" else "httpApi"
            function = self.m.fn(props.get("Target")) if props.get("Target") is not None else None
            if function:
                self._route(function, lid, kind, to_text(props.get("RouteKey") or "$default"), "none", False, {},
                            self.m.loc(lid))
            body = props.get("Body")
            if isinstance(body, Mapping):
                self._body(lid, kind, body)
        if not any(r.type == "AWS::ApiGateway::RestApi" for r in self.m.res.values()):
            authorizers(self.m)  # else RestApis.collect already did
        connect_auth = self._connect_auth()
        for lid, resource in self.m.res.items():
            if resource.type == "AWS::ApiGatewayV2::Route":
                self._route_resource(lid, resource.properties, connect_auth)

    def _route(self, function: str, api: str, kind: str, key: str, auth: str, key_required: bool,
               config: dict[str, Any], location: Location) -> None:
        method, _, path = key.partition(" ") if " " in key else (None, "", key)
        self.m.add_trigger(function, Trigger(
            type=kind, source=api, public=auth in ("none", "api_key"), auth=auth, api_key_required=key_required,
            path=path, method=method.upper() if method else None,
            throttling=self.route_throttling.get((api, key)) or self.throttling.get(api),
            config=dict(config, api=api, route_key=key, cors=self.m.cors_of(api)), location=location))

    def _body(self, lid: str, kind: str, body: Mapping[str, Any]) -> None:
        """Routes of an OpenAPI body: each operation with a Lambda integration, its security and throttling."""
        schemes = nested(body, "components", "securitySchemes") or body.get("securityDefinitions") or {}
        default_security = body.get("security")
        for path, item in mapping(body.get("paths")).items():
            if not isinstance(item, Mapping):
                continue
            for verb, operation in item.items():
                if verb.lower() not in _HTTP_METHODS or not isinstance(operation, Mapping):
                    continue
                integration = operation.get("x-amazon-apigateway-integration")
                function = self.m.fn(integration.get("uri")) if isinstance(integration, Mapping) else None
                if function is None:
                    continue
                method = "ANY" if verb.lower() == "x-amazon-apigateway-any-method" else verb.upper()
                auth, key_required, names = _route_auth(operation.get("security", default_security),
                                                        schemes if isinstance(schemes, Mapping) else {})
                config = {"authorizer": names} if names else {}
                key = "$default" if path == "$default" else f"{method} {path}"
                self._route(function, lid, kind, key, auth, key_required, config,
                            self.m.route_location(lid, function, str(path), verb))

    def _auth_of(self, props: Mapping[str, Any]) -> str:
        kind = str(props.get("AuthorizationType", "NONE")).upper()
        auth = {"NONE": "none", "AWS_IAM": "iam", "JWT": "jwt", "CUSTOM": "lambda"}.get(kind, "unknown")
        authorizer = self.m.ref(props.get("AuthorizerId"))
        if authorizer:
            declared = str(self.m.res[authorizer].properties.get("AuthorizerType", "")).upper()
            auth = "jwt" if declared == "JWT" else "lambda" if declared == "REQUEST" else auth
        return auth

    def _connect_auth(self) -> dict[str, str]:
        found = {}
        for resource in self.m.res.values():
            props = resource.properties
            if resource.type == "AWS::ApiGatewayV2::Route" and props.get("RouteKey") == "$connect":
                api = self.m.ref(props.get("ApiId"))
                if api:
                    found[api] = self._auth_of(props)
        return found

    def _route_resource(self, lid: str, props: Mapping[str, Any], connect_auth: Mapping[str, str]) -> None:
        """A route written as an ``AWS::ApiGatewayV2::Route``; WebSocket routes inherit ``$connect``'s auth."""
        integration = self.m.ref(props.get("Target"))
        if integration is None or self.m.res[integration].type != "AWS::ApiGatewayV2::Integration":
            return
        function = self.m.fn(self.m.res[integration].properties.get("IntegrationUri"))
        api = self.m.ref(props.get("ApiId"))
        if function is None or api is None:
            return
        kind = "websocket" if str(self.apis[api].properties.get("ProtocolType", "")).upper() == "WEBSOCKET" \
            else "httpApi" if api in self.apis else "httpApi"
        auth = self._auth_of(props)
        if kind == "websocket" and props.get("RouteKey") != "$connect":
            auth = connect_auth.get(api, auth)
        key_required = props.get("ApiKeyRequired") in (True, "true")
        if auth == "none" and key_required:
            auth = "api_key"
        config: dict[str, Any] = {"route": lid}
        if props.get("AuthorizerId") is not None:
            config["authorizer"] = self.m.ref(props["AuthorizerId"]) or to_text(props["AuthorizerId"])
        self._route(function, api, kind, to_text(props.get("RouteKey", "$default")), auth, key_required, config,
                    self.m.loc(lid))
