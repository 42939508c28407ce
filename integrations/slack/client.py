"""The one Web API client Kindred uses on Slack, pointed at ``[slack] api_base_url`` and retrying politely.

Rate limits are normal on Slack: a 429 ``ratelimited`` answer is retried after the ``Retry-After`` Slack sends
(up to three times), dropped connections once; only then does a call fail. Socket Mode follows the same base URL,
because the Socket Mode client asks this client's ``apps.connections.open`` for its websocket address.
"""

from __future__ import annotations

import logging

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from core.settings.platforms import SlackSettings

RATE_LIMIT_RETRIES = 3


def make_web_client(settings: SlackSettings, *, logger: logging.Logger | None = None) -> AsyncWebClient:
    """An ``AsyncWebClient`` with the bot token, the configured base URL and retry handlers."""
    token = settings.bot_token.get_secret_value() if settings.bot_token is not None else None
    base_url = settings.api_base_url if settings.api_base_url.endswith("/") else settings.api_base_url + "/"
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        timeout=30,
        logger=logger or logging.getLogger("integrations.slack.web"),
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=1),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
            AsyncServerErrorRetryHandler(max_retry_count=1),
        ],
    )
