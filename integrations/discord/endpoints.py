"""Point an unmodified discord.py at a Discord-compatible API: a proxy, or the fake Discord in the tests.

discord.py 2.7 reads its REST base from the class attribute `discord.http.Route.BASE` whenever it builds a
request (regular routes, interaction callbacks and webhooks alike), and a plain `discord.Client` connects
to `DiscordWebSocket.DEFAULT_GATEWAY` without asking `GET /gateway/bot` first (only the auto-sharded
client asks). After READY it resumes to the `resume_gateway_url` the gateway sent, and an invalidated
session falls back to `DEFAULT_GATEWAY` again. Setting these two class attributes is the supported seam
(`discord.http._set_api_version` sets `Route.BASE` the same way); no discord.py file is changed.

Both attributes are process-wide, which matches one bot per process; tests call this per fake server.
"""

from __future__ import annotations

from typing import Final

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

DISCORD_API_BASE_URL: Final = "https://discord.com/api/v10"
DISCORD_GATEWAY_URL: Final = "wss://gateway.discord.gg/"

_ALLOWED_API_SCHEMES: Final = ("https", "http")
_ALLOWED_GATEWAY_SCHEMES: Final = ("wss", "ws")


class EndpointError(ValueError):
    """A configured endpoint URL cannot work (wrong scheme, missing host)."""


def _checked(url: str, schemes: tuple[str, ...], what: str) -> yarl.URL:
    parsed = yarl.URL(url.strip())
    if parsed.scheme not in schemes or not parsed.host:
        raise EndpointError(f"{what} must be an absolute {' or '.join(schemes)} URL, got {url!r}")
    return parsed


def configure_endpoints(api_base_url: str, gateway_url: str | None) -> None:
    """Send discord.py's REST calls to `api_base_url` and its gateway connection to `gateway_url`.

    `api_base_url` includes the version path, e.g. `https://discord.com/api/v10`. `gateway_url=None`
    restores Discord's own gateway (a proxy that only rewrites REST keeps the real gateway).
    """
    api = _checked(api_base_url, _ALLOWED_API_SCHEMES, "api_base_url")
    gateway = _checked(gateway_url or DISCORD_GATEWAY_URL, _ALLOWED_GATEWAY_SCHEMES, "gateway_url")
    Route.BASE = str(api).rstrip("/")
    # discord.py adds ?v=10&encoding=json&compress=... itself; keep only scheme, host, port and path.
    DiscordWebSocket.DEFAULT_GATEWAY = gateway.with_query(None).with_fragment(None)


def reset_endpoints() -> None:
    """Back to Discord's own addresses."""
    configure_endpoints(DISCORD_API_BASE_URL, None)


def current_endpoints() -> tuple[str, str]:
    """(api_base_url, gateway_url) discord.py will use now; for logs and tests."""
    return Route.BASE, str(DiscordWebSocket.DEFAULT_GATEWAY)
