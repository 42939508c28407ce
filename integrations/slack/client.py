"""The one Web API client Kindred uses on Slack, pointed at ``[slack] api_base_url`` and retrying politely.

Rate limits are normal on Slack: a 429 ``ratelimited`` answer is retried after the ``Retry-After`` Slack sends
(up to three times), dropped connections once; only then does a call fail. Socket Mode follows the same base URL,
because the Socket Mode client asks this client's ``apps.connections.open`` for its websocket address.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from core import metrics
from core.settings.platforms import SlackSettings

RATE_LIMIT_RETRIES = 3


class CountedRateLimitRetries(AsyncRateLimitErrorRetryHandler):
    """Retries after a 429 as slack_sdk does, and counts each 429 (core/metrics.py)."""

    async def can_retry_async(self, *, state: RetryState, request: HttpRequest,
                              response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        if response is not None and response.status_code == 429:
            metrics.rate_limited("slack")
        return await super().can_retry_async(state=state, request=request, response=response, error=error)


class CountedWebClient(AsyncWebClient):
    """Every Web API call counted, and those that failed in the end (core/metrics.py)."""

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        try:
            response = await super().api_call(api_method, **kwargs)
        except Exception:
            metrics.platform_call("slack", failed=True)
            raise
        metrics.platform_call("slack")
        return response


def make_web_client(settings: SlackSettings, *, logger: logging.Logger | None = None,
                    token: str | None = None) -> AsyncWebClient:
    """An ``AsyncWebClient`` with the bot token (``[slack] bot_token``, or a workspace's own ``token`` when
    Kindred is installed by many), the configured base URL and retry handlers."""
    if token is None and settings.bot_token is not None:
        token = settings.bot_token.get_secret_value() or None
    base_url = settings.api_base_url if settings.api_base_url.endswith("/") else settings.api_base_url + "/"
    return CountedWebClient(
        token=token,
        base_url=base_url,
        timeout=30,
        logger=logger or logging.getLogger("integrations.slack.web"),
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=1),
            CountedRateLimitRetries(max_retry_count=RATE_LIMIT_RETRIES),
            AsyncServerErrorRetryHandler(max_retry_count=1),
        ],
    )
