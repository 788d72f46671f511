"""Exceptions the guard raises into the platform or reports about itself."""

from __future__ import annotations


class Blocked(Exception):
    """The guard stopped a non-HTTP event in block mode.

    Raised out of the handler on purpose: the platform's retry and dead-letter handling then
    applies to the hostile event (SQS redrive, async DLQ / on-failure destination).
    """

    def __init__(self, message: str, *, rule_ids: tuple[str, ...] = (), request_id: str | None = None) -> None:
        super().__init__(message)
        self.rule_ids = rule_ids
        self.request_id = request_id


class GuardUnavailable(Exception):
    """The guard failed internally and its config says ``fail: closed``: the handler did not run."""


class ConfigError(ValueError):
    """The guard configuration is unreadable or invalid; the message names the key."""
