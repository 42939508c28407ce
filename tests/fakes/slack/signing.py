"""Sends Slack-style signed HTTP requests to a bot's endpoint, correctly signed or deliberately not.

Slack signs every HTTP request: ``X-Slack-Signature: v0=HMAC_SHA256(secret, "v0:{ts}:{body}")`` with
``X-Slack-Request-Timestamp: {ts}``; apps must refuse bad signatures and timestamps older than five minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import urlencode

import aiohttp

STALE_AGE_SECONDS = 6 * 60
"""Older than Slack's five-minute replay window."""


class Signing(Enum):
    """How to sign a request: properly, with a wrong secret/garbage, or not at all."""

    GOOD = "good"
    BAD = "bad"
    MISSING = "missing"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Slack-Signature`` value for a body sent at ``timestamp``."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Reply:
    """What the bot answered."""

    status: int
    text: str
    content_type: str

    def json(self) -> Any:
        """The body as JSON (slash command and modal responses are JSON)."""
        return json.loads(self.text) if self.text else None


class SignedSender:
    """Posts slash commands, interactions and events to one endpoint the way Slack does in HTTP mode."""

    def __init__(self, endpoint: str, signing_secret: str, *, clock: Callable[[], float] = time.time) -> None:
        if not endpoint.startswith(("http://127.0.0.1", "http://localhost")):
            raise ValueError("tests only talk to loopback endpoints")
        self.endpoint = endpoint
        self.signing_secret = signing_secret
        self._clock = clock

    def headers(
        self,
        body: bytes,
        content_type: str,
        *,
        signing: Signing = Signing.GOOD,
        age_seconds: float = 0,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        forged: dict[str, str] | None = None,
    ) -> dict[str, str]:
        """Headers Slack would send; ``age_seconds`` back-dates the timestamp (use STALE_AGE_SECONDS);
        ``forged`` replaces headers with what an attacker sends instead (e.g. a timestamp that is no number)."""
        timestamp = str(int(self._clock() - age_seconds))
        headers = {"Content-Type": content_type, "User-Agent": "Slackbot 1.0 (+fake)"}
        if signing is Signing.GOOD:
            headers["X-Slack-Signature"] = signature(self.signing_secret, timestamp, body)
            headers["X-Slack-Request-Timestamp"] = timestamp
        elif signing is Signing.BAD:
            headers["X-Slack-Signature"] = signature(self.signing_secret + "-wrong", timestamp, body)
            headers["X-Slack-Request-Timestamp"] = timestamp
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        return headers | (forged or {})

    async def post(self, body: bytes, content_type: str, *, timeout: float = 10.0, **options: Any) -> Reply:
        """Send raw bytes with Slack's headers."""
        headers = self.headers(body, content_type, **options)
        client_timeout = aiohttp.ClientTimeout(total=timeout)
        async with (
            aiohttp.ClientSession(timeout=client_timeout, trust_env=False) as session,
            session.post(self.endpoint, data=body, headers=headers) as response,
        ):
            return Reply(
                status=response.status, text=await response.text(), content_type=response.content_type
            )

    async def slash_command(self, fields: dict[str, str], **options: Any) -> Reply:
        """A slash command: form-encoded fields."""
        body = urlencode(fields).encode()
        return await self.post(body, "application/x-www-form-urlencoded", **options)

    async def interaction(self, payload: dict[str, Any], **options: Any) -> Reply:
        """Buttons, selects, modal submits: form-encoded ``payload=<json>``."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.post(body, "application/x-www-form-urlencoded", **options)

    async def event(self, callback: dict[str, Any], **options: Any) -> Reply:
        """An Events API callback: JSON; pass ``retry_num`` to mark a redelivery."""
        body = json.dumps(callback).encode()
        return await self.post(body, "application/json", **options)
