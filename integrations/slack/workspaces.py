"""Which Slack workspace a request or a message belongs to, and the token to use there.

With one bot token (``[slack] bot_token``) there is one workspace and everything goes through its client. With
an app that many workspaces install through OAuth (``[slack] client_id`` and ``client_secret``), each workspace
has its own installation in the store (installation_store.py) and so its own token: a request is answered, and
a scheduled round's intros are sent, with the token of the workspace they belong to, never another's.

`Workspaces.get` finds a workspace's installation, refreshes its token first when the app rotates tokens and it
expires within ``[slack] token_rotation_minutes``, and keeps a client, a directory and a messenger per
workspace until the token would need refreshing or the installation changes (a reinstall, an uninstall).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from core.settings.platforms import SlackSettings
from integrations.slack.client import make_web_client
from integrations.slack.directory import Directory
from integrations.slack.errors import error_code
from integrations.slack.installation_store import StoredInstallations, to_installation
from integrations.slack.messenger import SlackMessenger
from storage.slack_installs import SlackInstall

if TYPE_CHECKING:
    from core.dispatcher import App

log = logging.getLogger(__name__)

RECHECK = timedelta(minutes=1)
"""How long a workspace's client is used before the store is asked again whether it is still installed: an
uninstall that reached another process behind the load balancer is noticed here within that time."""


@dataclass
class Workspace:
    """One workspace as Kindred talks to it: its id and name, and a client holding its own token."""

    team_id: str
    team_name: str
    client: AsyncWebClient
    directory: Directory
    messenger: SlackMessenger
    bot_id: str = ""
    scopes: str = ""
    fresh_until: datetime | None = None
    """When the installation must be read again (`RECHECK`, or sooner when the token then expires within the
    rotation margin); None: never (one workspace with a bot token)."""


def workspace(app: App, client: AsyncWebClient, team_id: str = "", team_name: str = "", *,
              bot_user_id: str = "", bot_id: str = "", scopes: str = "") -> Workspace:
    """A workspace around a client: its directory and messenger use that client, so that workspace's token."""
    directory = Directory(client)
    messenger = SlackMessenger(app, client, directory)
    messenger.bot_user_id = bot_user_id
    return Workspace(team_id, team_name, client, directory, messenger, bot_id, scopes)


class Workspaces:
    """The installed workspaces and their clients (see the module docstring)."""

    def __init__(self, app: App, settings: SlackSettings, installations: StoredInstallations,
                 oauth_client: AsyncWebClient) -> None:
        self.app = app
        self.settings = settings
        self.installations = installations
        secret = settings.client_secret.get_secret_value() if settings.client_secret else ""
        self.rotator = AsyncTokenRotator(client_id=settings.client_id, client_secret=secret, client=oauth_client)
        self.margin = timedelta(minutes=settings.token_rotation_minutes)
        self._cache: dict[str, Workspace] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def cached(self, team_id: str) -> Workspace | None:
        """The workspace if its client is at hand, without reading the store (for answering a failure)."""
        return self._cache.get(team_id)

    def forget(self, team_id: str) -> None:
        """Drop the cached client of a workspace (its installation changed or went)."""
        self._cache.pop(team_id, None)

    async def get(self, team_id: str) -> Workspace | None:
        """The workspace with a valid token, or None when it has no installation (never installed, uninstalled,
        or its token could not be refreshed)."""
        if not team_id:
            return None
        cached = self._cache.get(team_id)
        now = self.app.services.clock()
        if cached is not None and (cached.fresh_until is None or cached.fresh_until > now):
            return cached
        lock = self._locks.setdefault(team_id, asyncio.Lock())
        async with lock:  # one look-up (and one refresh) per workspace at a time
            cached = self._cache.get(team_id)
            if cached is not None and (cached.fresh_until is None or cached.fresh_until > now):
                return cached
            row = await self.installations.repo.find_team(team_id)
            if row is None:
                self._cache.pop(team_id, None)
                return None
            row = await self._rotated(row)
            if row is None:
                return None
            found = workspace(self.app, make_web_client(self.settings, token=row.bot_token), row.team_id,
                              row.team_name, bot_user_id=row.bot_user_id, bot_id=row.bot_id, scopes=row.bot_scopes)
            found.fresh_until = now + RECHECK
            if row.bot_token_expires_at is not None:
                found.fresh_until = min(found.fresh_until, row.bot_token_expires_at - self.margin)
            self._cache[team_id] = found
            return found

    async def _rotated(self, row: SlackInstall) -> SlackInstall | None:
        """The row with a token good for at least the rotation margin: refreshed (and saved) when it expires
        sooner. None when Slack refuses the refresh (the app was uninstalled meanwhile, the refresh token is
        revoked): the workspace is then treated as not installed until it installs again."""
        if row.bot_refresh_token is None or row.bot_token_expires_at is None:
            return row
        if row.bot_token_expires_at - self.margin > self.app.services.clock():
            return row
        bot = to_installation(row).to_bot()
        try:
            # slack_sdk compares with the wall clock; margin 0 here because the app's clock already decided
            refreshed = await self.rotator.perform_bot_token_rotation(bot=bot, minutes_before_expiration=10**6)
        except Exception as error:  # SlackTokenRotationError wraps the API error
            cause = error.__cause__ or (error.args[0] if error.args else error)
            code = error_code(cause) if isinstance(cause, SlackApiError) else type(error).__name__
            log.warning("Slack workspace %s: refreshing its token failed (%s)", row.team_id, code)
            return None
        if refreshed is None:
            return row
        await self.installations.async_save_bot(refreshed)
        log.info("Slack workspace %s: token refreshed", row.team_id)
        return await self.installations.repo.find_team(row.team_id)

    async def teams(self) -> list[str]:
        """The workspaces that have Kindred installed."""
        return await self.installations.repo.teams()
