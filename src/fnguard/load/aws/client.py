"""boto3 access for the account reader: retries, paging, a bounded pool and readable errors.

Every call goes through :meth:`Account.call` so that a refused call becomes one line naming the
IAM action to grant (an :class:`~fnguard.model.InputError`, exit 2), a missing resource becomes
``None``, and an API the endpoint does not implement (an emulator) becomes a warning instead of
a crash. Throttling is retried by botocore itself (``adaptive`` mode: backoff and a client-side
rate limiter), so a large account slows the scan down rather than failing it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from fnguard.aws_policy import hint
from fnguard.model import InputError

T = TypeVar("T")
R = TypeVar("R")

_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess",
           "AuthorizationError", "AuthorizationErrorException", "Forbidden", "403", "InvalidClientTokenId",
           "UnrecognizedClientException", "ExpiredToken", "ExpiredTokenException", "SignatureDoesNotMatch"}
_CREDENTIALS = {"InvalidClientTokenId", "UnrecognizedClientException", "ExpiredToken", "ExpiredTokenException",
                "SignatureDoesNotMatch"}
_MISSING = {"ResourceNotFoundException", "NoSuchEntity", "NoSuchBucketPolicy", "NoSuchTagSet", "NoSuchTagSetError",
            "NoSuchPublicAccessBlockConfiguration", "NotFoundException", "NotFound", "NoSuchBucket",
            "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "NonExistentQueue"}
_THROTTLED = {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded",
              "SlowDown", "ThrottledException"}
_UNSUPPORTED = {"404", "NotImplemented", "InternalFailure", "500", "501"}

# IAM action of an operation, where it is not "<service>:<Operation>".
_IAM_ACTIONS = {
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
    ("s3", "GetBucketNotificationConfiguration"): "s3:GetBucketNotification",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("lambda", "ListFunctionEventInvokeConfigs"): "lambda:GetFunctionEventInvokeConfig",
    ("lambda", "GetLayerVersionByArn"): "lambda:GetLayerVersion",
}
_SIGNING = {"apigateway": "apigateway", "apigatewayv2": "apigateway"}


def iam_action(service: str, operation: str) -> str:
    """The IAM action an API operation needs (``apigateway:GET`` for every API Gateway read)."""
    if service in _SIGNING:
        return "apigateway:GET"
    return _IAM_ACTIONS.get((service, operation), f"{service}:{operation}")


@dataclass(frozen=True)
class Options:
    """What ``fnguard scan --aws`` was asked to read."""

    regions: tuple[str, ...] = ()
    """Regions to read; empty means the profile's (or the environment's) default region."""
    profile: str | None = None
    function_prefix: str | None = None
    """Only functions whose name starts with this are read (with what triggers them)."""
    endpoint_url: str | None = None
    """An emulator (moto, LocalStack) to talk to instead of AWS."""
    max_workers: int = 16
    """Calls in flight at once: enough to hide latency, few enough not to be throttled."""
    retry_mode: str = "adaptive"
    max_attempts: int | None = None
    """Attempts per call (throttling, 5xx); default 10 on AWS, 2 on an emulator, whose 500s
    mean "not implemented" and only slow the scan down when retried."""
    progress: bool = False


class Account:
    """One boto3 session and its clients, shared by every reader of a scan (thread-safe)."""

    def __init__(self, options: Options) -> None:
        try:
            import boto3
            from botocore.config import Config
            from botocore.exceptions import ProfileNotFound
        except ModuleNotFoundError:
            raise InputError("scanning an account needs boto3: pip install 'fnguard[aws]'") from None
        self.options = options
        try:
            self.session = boto3.Session(profile_name=options.profile)
        except ProfileNotFound:
            raise InputError(f"AWS profile {options.profile!r} not found in ~/.aws/config or ~/.aws/credentials") \
                from None
        self.attempts = options.max_attempts or (2 if options.endpoint_url else 10)
        self.config = Config(retries={"mode": options.retry_mode, "total_max_attempts": self.attempts},
                             max_pool_connections=max(10, options.max_workers * 2), connect_timeout=10,
                             read_timeout=60, user_agent_extra="fnguard-scan")
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._warned: set[str] = set()
        self._unsupported: set[tuple[str, str]] = set()
        self._memo: dict[Any, Any] = {}
        self.warnings: list[str] = []
        self.pool = ThreadPoolExecutor(max_workers=options.max_workers, thread_name_prefix="fnguard-aws")

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def regions(self) -> tuple[str, ...]:
        if self.options.regions:
            return tuple(dict.fromkeys(self.options.regions))
        if self.session.region_name:
            return (self.session.region_name,)
        raise InputError("no AWS region: pass --region (repeatable) or set AWS_DEFAULT_REGION")

    def client(self, service: str, region: str) -> Any:
        """A client per service and region; boto3 clients are thread-safe, sessions are not."""
        key = (service, region)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self.session.client(service, region_name=region, config=self.config,
                                                         endpoint_url=self.options.endpoint_url)
            return self._clients[key]

    def memo(self, key: Any, compute: Callable[[], R]) -> R:
        """``compute()`` once per scan for account-wide answers (S3 buckets serve every region)."""
        with self._lock:
            if key in self._memo:
                return self._memo[key]
        value = compute()
        with self._lock:
            return self._memo.setdefault(key, value)

    def warn(self, message: str) -> None:
        with self._lock:
            if message not in self._warned:
                self._warned.add(message)
                self.warnings.append(message)

    def call(self, service: str, region: str, operation: str, *, missing_ok: bool = True, **kwargs: Any) -> Any:
        """One API call; ``None`` when the thing asked for does not exist (or is not implemented)."""
        if (service, operation) in self._unsupported:  # asked once already: do not ask 500 times
            return None
        client = self.client(service, region)
        method = getattr(client, _snake(operation))
        try:
            return method(**kwargs)
        except Exception as exc:  # noqa: BLE001 - translated below, re-raised when unknown
            return self._failed(exc, service, region, operation, missing_ok)

    def pages(self, service: str, region: str, operation: str, key: str, **kwargs: Any) -> list[Any]:
        """Every item of a paged listing (botocore's paginator, errors translated as in :meth:`call`)."""
        if (service, operation) in self._unsupported:
            return []
        client = self.client(service, region)
        found: list[Any] = []
        name = _snake(operation)
        try:
            if not client.can_paginate(name):  # a few listings are not paged (API Gateway stages)
                return list((getattr(client, name)(**kwargs) or {}).get(key) or [])
            for page in client.get_paginator(name).paginate(**kwargs):
                found.extend(page.get(key) or [])
        except Exception as exc:  # noqa: BLE001 - translated below
            self._failed(exc, service, region, operation, True)
        return found

    def map(self, function: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """``function`` over ``items`` in the bounded pool; the first error stops the scan."""
        futures = [self.pool.submit(function, item) for item in items]
        try:
            for future in futures:
                yield future.result()
        finally:
            for future in futures:
                future.cancel()

    def _failed(self, exc: Exception, service: str, region: str, operation: str, missing_ok: bool) -> None:
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            EndpointConnectionError,
            NoCredentialsError,
            NoRegionError,
            PartialCredentialsError,
        )

        action = iam_action(service, operation)
        if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
            raise InputError("no AWS credentials found: configure a profile (--profile) or set "
                             "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY") from None
        if isinstance(exc, NoRegionError):
            raise InputError("no AWS region: pass --region or set AWS_DEFAULT_REGION") from None
        if isinstance(exc, EndpointConnectionError):
            raise InputError(f"cannot reach {service} in {region}: {exc}") from None
        if isinstance(exc, BotoCoreError):  # timeouts, closed connections, bad parameters
            raise InputError(f"{action} in {region} failed: {exc}") from None
        if not isinstance(exc, ClientError):
            raise exc
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in _CREDENTIALS:
            raise InputError(f"AWS rejected the credentials ({code}) calling {action} in {region}") from None
        if code in _DENIED or (status == 403 and code not in _MISSING):
            raise InputError(f"missing permission {action} (in {region}): {hint()}") from None
        if code in _THROTTLED:
            raise InputError(f"{action} still throttled in {region} after {self.attempts} attempts; "
                             "retry later or lower the parallelism") from None
        if code in _MISSING or status == 404 and code not in _UNSUPPORTED:
            if missing_ok:
                return None
            raise InputError(f"{action} in {region}: {error.get('Message') or code}") from None
        if self.options.endpoint_url and (code in _UNSUPPORTED or status in (404, 500, 501)):
            self._unsupported.add((service, operation))
            self.warn(f"{service} {operation} is not supported by {self.options.endpoint_url}: not read")
            return None
        if code in _UNSUPPORTED or (status or 0) >= 500:  # AWS itself failing after every retry: say what is missing
            self.warn(f"{action} failed in {region} after {self.attempts} attempts ({code}): what it returns is not "
                      "in this scan")
            return None
        raise InputError(f"{action} failed in {region}: {code}: {error.get('Message', '')}".rstrip(": ")) from None


def _snake(operation: str) -> str:
    out = []
    for index, char in enumerate(operation):
        if char.isupper() and index and (not operation[index - 1].isupper()
                                         or (index + 1 < len(operation) and operation[index + 1].islower())):
            out.append("_")
        out.append(char.lower())
    return "".join(out)
