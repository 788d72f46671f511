"""Cognito user pool triggers: user name, attributes, answers and metadata come from the user."""

from __future__ import annotations

from typing import Any

from fnguard.guard.envelopes.base import Caller, Envelope, Part, dig, mapping, text

TRIGGER = "cognito"
# Keys under ``request`` that the signing-up / signing-in user controls.
_REQUEST_KEYS = (
    "userAttributes", "validationData", "clientMetadata", "challengeAnswer", "password",
    "privateChallengeParameters", "codeParameter", "usernameParameter", "session",
)


def match(event: dict[str, Any]) -> bool:
    return isinstance(event.get("triggerSource"), str) and "userPoolId" in event


def open_event(event: dict[str, Any]) -> Envelope:
    parts: list[Part] = []
    if isinstance(event.get("userName"), str):
        parts.append(Part("userName", event["userName"]))
    request = mapping(event.get("request"))
    for key in _REQUEST_KEYS:
        if request.get(key) not in (None, "", {}):
            parts.append(Part(f"request.{key}", request[key]))
    return Envelope(
        trigger=TRIGGER,
        parts=tuple(parts),
        caller=Caller(sub=text(dig(request, "userAttributes", "sub"))),
    )
