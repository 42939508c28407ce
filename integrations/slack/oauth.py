"""One deployment, many Slack workspaces: the OAuth v2 install flow with slack-bolt's async OAuth support.

On when ``[slack] client_id`` and ``client_secret`` are set and no ``bot_token`` (HTTP mode). The bot's HTTP
server then serves, next to ``/slack/events``:

- ``install_path`` (``/slack/install``): the "Add to Slack" page. Its link carries a fresh ``state``, also set as
  a cookie in the installer's browser, valid ``[slack] state_minutes``.
- ``redirect_path`` (``/slack/oauth_redirect``): where Slack sends the installer back with a one-time ``code``.
  The state must match the cookie, be known, unused and unexpired (it is consumed here: a replayed callback is
  refused with a page that says so, and nothing is stored); the code is exchanged with ``oauth.v2.access`` for
  the workspace's bot token, which is stored with its refresh token and expiry when the app rotates tokens.

Every request is then authorized with its own workspace's token (`WorkspaceAuthorize`, no ``auth.test`` per
request), and outgoing messages use the community's workspace token (routing.py). ``app_uninstalled`` and
``tokens_revoked`` delete the workspace's installation; its community stays in the store, its data following
``engagement.retention_days``, and its scheduled work (rounds, intros) is skipped until it installs again.

No secret reaches a log line: the client secret travels as HTTP basic auth (slack_sdk redacts it), and the
OAuth client's own debug lines (codes, tokens in answers) are masked by `Redacting`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncFailureArgs, AsyncSuccessArgs
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from core.dispatcher import App
from core.refs import CommunityRef, Platform
from core.settings.platforms import SlackSettings
from integrations.slack.client import make_web_client
from integrations.slack.installation_store import StoredInstallations, StoredStates
from integrations.slack.manifest import BOT_SCOPES
from integrations.slack.workspaces import Workspaces
from storage.slack_installs import OAuthStateRepo, SlackInstallRepo

log = logging.getLogger(__name__)

_SECRETS = (
    (re.compile(r"xox[a-z.]*-[A-Za-z0-9.-]+"), "***"),
    (re.compile(r"(code: )\S+"), r"\1***"),
    (re.compile(r"""(['"](?:code|state|refresh_token|access_token|client_secret)['"]: ?\[?['"])[^'"]+"""),
     r"\1***"),
    (re.compile(r"\b((?:code|state|refresh_token|client_secret)=)[^&\s'\"]+"), r"\1***"),
)


class Redacting(logging.Filter):
    """Masks tokens, codes and refresh tokens in the OAuth client's and flow's log lines (slack_sdk logs request
    bodies and answers at debug level, bolt the code of a failed exchange)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = message
        for pattern, replacement in _SECRETS:
            masked = pattern.sub(replacement, masked)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def _redacted(name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    if not any(isinstance(f, Redacting) for f in logger.filters):
        logger.addFilter(Redacting())
    return logger


class WorkspaceAuthorize(AsyncAuthorize):
    """bolt's authorize step: the request's workspace and its bot token, from the installation in the store
    (refreshed first when it expires soon); None (bolt then refuses the request) when it is not installed."""

    def __init__(self, workspaces: Workspaces) -> None:
        super().__init__()
        self.workspaces = workspaces

    async def __call__(self, *, context: AsyncBoltContext, enterprise_id: str | None, team_id: str | None,
                       user_id: str | None, actor_enterprise_id: str | None = None,
                       actor_team_id: str | None = None, actor_user_id: str | None = None) -> AuthorizeResult | None:
        found = await self.workspaces.get(team_id or "")
        if found is None:
            log.info("refused a request from Slack workspace %s: Kindred is not installed there", team_id)
            return None
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=found.team_id, team=found.team_name,
                               bot_user_id=found.messenger.bot_user_id, bot_id=found.bot_id,
                               bot_token=found.client.token, bot_scopes=found.scopes, user_id=user_id)


class SlackOAuth:
    """The installation flow, the stores behind it and the per-workspace clients (see the module docstring)."""

    def __init__(self, app: App, settings: SlackSettings) -> None:
        self.app = app
        self.settings = settings
        store, clock = app.services.store, app.services.clock
        self.client: AsyncWebClient = make_web_client(settings, logger=_redacted("integrations.slack.oauth.web"))
        self.installations = StoredInstallations(SlackInstallRepo(store), clock, on_change=self._changed)
        self.states = StoredStates(OAuthStateRepo(store), clock, settings.state_minutes)
        self.workspaces = Workspaces(app, settings, self.installations, self.client)
        self.authorize = WorkspaceAuthorize(self.workspaces)
        secret = settings.client_secret.get_secret_value() if settings.client_secret else ""
        redirect = f"{settings.public_url}{settings.redirect_path}" if settings.public_url else None
        flow_log = _redacted("integrations.slack.oauth.flow")
        self.flow = AsyncOAuthFlow(client=self.client, logger=flow_log, settings=AsyncOAuthSettings(
            client_id=settings.client_id, client_secret=secret, scopes=list(BOT_SCOPES), user_scopes=[],
            redirect_uri=redirect, install_path=settings.install_path, redirect_uri_path=settings.redirect_path,
            authorization_url=settings.authorize_url, installation_store=self.installations,
            token_rotation_expiration_minutes=settings.token_rotation_minutes, state_store=self.states,
            state_expiration_seconds=settings.state_minutes * 60, logger=flow_log,
            callback_options=AsyncCallbackOptions(success=self._installed, failure=self._refused)))

    def _changed(self, team_id: str) -> None:
        self.workspaces.forget(team_id)

    async def _installed(self, args: AsyncSuccessArgs) -> BoltResponse:
        installation = args.installation
        log.info("installed in Slack workspace %s (%s)", installation.team_name or "", installation.team_id)
        return await args.default.success(args)

    async def _refused(self, args: AsyncFailureArgs) -> BoltResponse:
        log.info("an installation was refused: %s", args.reason)
        return await args.default.failure(args)

    async def uninstalled(self, team_id: str, enterprise_id: str = "") -> None:
        """The workspace uninstalled Kindred (or revoked its bot token): forget its installation."""
        await self.installations.async_delete_bot(enterprise_id=enterprise_id or None, team_id=team_id)
        log.info("Slack workspace %s uninstalled Kindred; its community stays, its data follows its retention",
                 team_id)

    def listen_for_uninstalls(self, bolt: AsyncApp, seen: Callable[[], Awaitable[None]]) -> None:
        """``app_uninstalled``, and ``tokens_revoked`` naming the bot's token, forget the workspace's installation
        (user tokens are never kept, so revoking one changes nothing); `seen` counts the delivery."""

        async def uninstalled(body: dict[str, Any]) -> None:
            await self.uninstalled(str(body.get("team_id") or ""), str(body.get("enterprise_id") or ""))
            await seen()

        async def revoked(body: dict[str, Any], event: dict[str, Any]) -> None:
            if (event.get("tokens") or {}).get("bot"):
                await self.uninstalled(str(body.get("team_id") or ""), str(body.get("enterprise_id") or ""))
            await seen()

        bolt.event("app_uninstalled")(uninstalled)
        bolt.event("tokens_revoked")(revoked)

    async def reaches(self, community: CommunityRef) -> bool:
        """Whether scheduled work may run for the community: a Slack workspace must have Kindred installed."""
        if community.platform != Platform.SLACK.value:
            return True
        return await self.installations.repo.find_team(community.external_id) is not None

    def bolt_options(self) -> dict[str, Any]:
        """What `AsyncApp` needs for many workspaces: the flow (install pages) and the per-workspace authorize."""
        return {"oauth_flow": self.flow, "authorize": self.authorize}
