"""slack-bolt's installation and OAuth state stores, kept in Kindred's own store (never in files).

`StoredInstallations` is slack_sdk's `AsyncInstallationStore` over storage/slack_installs.py: bolt's OAuth flow
saves each workspace's installation through it, and it is where the token of a workspace is looked up (and a
rotated token saved). Kindred is a bot-only app: the installer's user token, if Slack sent one, is not kept.

`StoredStates` is the `AsyncOAuthStateStore`: a state is issued with each install link and consumed by the
callback. Consuming deletes the row, so a replayed callback (same state) is refused in any process, and a state
older than `[slack] state_minutes` is refused too.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from storage.slack_installs import OAuthStateRepo, SlackInstall, SlackInstallRepo

log = logging.getLogger(__name__)


def _when(timestamp: float | int | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(float(timestamp), UTC)


def _scopes(scopes: str | list[str] | None) -> str:
    if not scopes:
        return ""
    return scopes if isinstance(scopes, str) else ",".join(scopes)


def to_row(source: Installation | Bot, installed_at: datetime, installer: str = "") -> SlackInstall:
    """An installation (or the bot part of one, after a token rotation) as Kindred stores it."""
    if not source.bot_token:
        raise ValueError("an installation without a bot token cannot be stored (Kindred is a bot-only app)")
    return SlackInstall(
        team_id=source.team_id or "",
        enterprise_id=source.enterprise_id or "",
        is_enterprise_install=bool(source.is_enterprise_install),
        team_name=source.team_name or "",
        enterprise_name=source.enterprise_name or "",
        app_id=source.app_id or "",
        bot_token=source.bot_token,
        bot_id=source.bot_id or "",
        bot_user_id=source.bot_user_id or "",
        bot_scopes=_scopes(source.bot_scopes),
        bot_refresh_token=source.bot_refresh_token,
        bot_token_expires_at=_when(source.bot_token_expires_at),
        installer_user_id=installer,
        installed_at=installed_at,
    )


def to_installation(row: SlackInstall) -> Installation:
    """A stored row as slack_sdk's Installation (what bolt's OAuth flow and token rotation work with)."""
    return Installation(
        app_id=row.app_id or None,
        enterprise_id=row.enterprise_id or None,
        enterprise_name=row.enterprise_name or None,
        team_id=row.team_id or None,
        team_name=row.team_name or None,
        bot_token=row.bot_token,
        bot_id=row.bot_id or None,
        bot_user_id=row.bot_user_id or None,
        bot_scopes=row.bot_scopes,
        bot_refresh_token=row.bot_refresh_token,
        bot_token_expires_at=(int(row.bot_token_expires_at.timestamp())
                              if row.bot_token_expires_at is not None else None),
        user_id=row.installer_user_id,
        is_enterprise_install=row.is_enterprise_install,
        token_type="bot",
        installed_at=row.installed_at.timestamp(),
    )


class StoredInstallations(AsyncInstallationStore):
    """Installations in the `slack_installations` table; `on_change(team_id)` is told of every save and delete
    (the integration drops its cached client for that workspace)."""

    def __init__(self, repo: SlackInstallRepo, clock: Callable[[], datetime],
                 on_change: Callable[[str], None] | None = None) -> None:
        self.repo = repo
        self.clock = clock
        self.on_change = on_change

    @property
    def logger(self) -> logging.Logger:
        return log

    def _changed(self, team_id: str | None) -> None:
        if self.on_change is not None:
            self.on_change(team_id or "")

    async def async_save(self, installation: Installation) -> None:
        await self.repo.save(to_row(installation, self.clock(), installation.user_id or ""))
        log.info("Slack workspace %s installed Kindred", installation.team_id or installation.enterprise_id)
        self._changed(installation.team_id)

    async def async_save_bot(self, bot: Bot) -> None:
        """A rotated bot token: the row keeps its installer and install time."""
        earlier = await self.repo.find(bot.team_id or "", bot.enterprise_id or "")
        installed = earlier.installed_at if earlier is not None else self.clock()
        installer = earlier.installer_user_id if earlier is not None else ""
        await self.repo.save(to_row(bot, installed, installer))
        self._changed(bot.team_id)

    async def async_find_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                      user_id: str | None = None,
                                      is_enterprise_install: bool | None = False) -> Installation | None:
        row = await self.repo.find("" if is_enterprise_install else team_id or "", enterprise_id or "")
        if row is None or (user_id is not None and user_id != row.installer_user_id):
            return None  # no user tokens are kept: only the installation itself is found
        return to_installation(row)

    async def async_find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                             is_enterprise_install: bool | None = False) -> Bot | None:
        row = await self.repo.find("" if is_enterprise_install else team_id or "", enterprise_id or "")
        return to_installation(row).to_bot() if row is not None else None

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        if await self.repo.delete(team_id or "", enterprise_id or ""):
            log.info("Slack workspace %s removed Kindred's bot token", team_id or enterprise_id)
        self._changed(team_id)

    async def async_delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                        user_id: str | None = None) -> None:
        if user_id is not None:
            return  # a user's own token: none are kept
        await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)


class StoredStates(AsyncOAuthStateStore):
    """Install-link states in the `slack_oauth_states` table, each valid once and for `minutes`."""

    def __init__(self, repo: OAuthStateRepo, clock: Callable[[], datetime], minutes: int) -> None:
        self.repo = repo
        self.clock = clock
        self.lifetime = timedelta(minutes=minutes)

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: object, **kwargs: object) -> str:
        state = secrets.token_urlsafe(32)[:43]
        now = self.clock()
        await self.repo.purge(now)
        await self.repo.issue(state, now + self.lifetime)
        return state

    async def async_consume(self, state: str) -> bool:
        if not state or len(state) > 64:
            return False
        accepted = await self.repo.consume(state, self.clock())
        if not accepted:
            log.info("refused an OAuth callback: its state is unknown, used before or expired")
        return accepted
