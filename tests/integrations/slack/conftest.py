"""Fixtures shared by the Slack tests: a fake Slack on loopback, and the real bot (real slack-bolt) against it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bootstrap.discovery import discover
from bootstrap.runtime import running_app
from core.dispatcher import App
from core.refs import CommunityRef
from core.settings import Settings, load_settings
from integrations.slack.integration import SlackIntegration
from tests.fakes.slack import FakeSlack, Reply, SignedSender
from tests.integrations.slack.probe import SlackProbe

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack_sdk picks proxies up from the environment; tests must talk to 127.0.0.1 directly."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    """A fake Slack workspace with Alice and Bob in #general."""
    fake = FakeSlack()
    fake.workspace.add_user("U0ALICE", "alice", real_name="Alice Example")
    fake.workspace.add_user("U0BOB", "bob", real_name="Bob Example")
    fake.workspace.channels["C0GENERAL"].members.extend(["U0ALICE", "U0BOB"])
    async with fake:
        yield fake


class Bot:
    """The running Kindred app with its Slack integration, as a test sees it.

    ``command``, ``interactive`` and ``event`` deliver the way Slack does in the bot's mode: as Socket Mode
    envelopes, or as signed HTTP requests to the bot's endpoint (``http_replies`` keeps what it answered).
    """

    def __init__(self, app: App, integration: SlackIntegration, slack: FakeSlack, connection: int = -1) -> None:
        self.app = app
        self.integration = integration
        self.slack = slack
        self.connection = connection  # which of the open Socket Mode connections is this bot's
        self.http_replies: list[Reply] = []

    @property
    def mode(self) -> str:
        return self.integration.settings.mode

    @property
    def sender(self) -> SignedSender:
        assert self.integration.http_endpoint is not None, "the bot is not in HTTP mode"
        return SignedSender(self.integration.http_endpoint, self.slack.signing_secret)

    def _http_ok(self, reply: Reply) -> None:
        self.http_replies.append(reply)
        assert reply.status == 200, f"the bot answered HTTP {reply.status}: {reply.text[:200]}"

    @property
    def probe(self) -> SlackProbe:
        cog = self.app.cog("slackprobe")
        assert isinstance(cog, SlackProbe)
        return cog

    async def community(self) -> CommunityRef:
        return await self.integration.community()

    async def member_id(self, user_id: str) -> int:
        row = await self.app.services.members.by_user_id((await self.community()).id, user_id)
        assert row is not None, f"{user_id} is not in the store"
        return row.id

    async def profile(self, user_id: str) -> dict[str, list[str]] | None:
        row = await self.app.services.members.by_user_id((await self.community()).id, user_id)
        if row is None:
            return None
        profile = await self.app.services.profiles.get(row.id)
        return None if profile is None or profile.empty else profile.facets

    async def command(self, command: str, text: str = "", *, user_id: str = "U0ALICE",
                      channel_id: str = "C0GENERAL") -> dict[str, str]:
        """Deliver a slash command (Socket Mode or signed HTTP), wait for its ack and for the work after it."""
        payload = self.slack.payloads.slash_command(command, text, user_id=user_id, channel_id=channel_id)
        if self.mode == "http":
            self._http_ok(await self.sender.slash_command(payload))
        else:
            ack = await self.slack.socket.deliver("slash_commands", payload, connection=self.connection)
            assert ack.envelope_id
        await self.integration.idle()
        return payload

    async def interactive(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Deliver an interaction, wait for its ack and for the work after it; the ack's body is returned, and a
        modal submit's ack is applied to the fake's modal as Slack would (closed, or open with errors)."""
        if self.mode == "http":
            reply = await self.sender.interaction(payload)
            self._http_ok(reply)
            answer = reply.json()
        else:
            answer = (await self.slack.socket.deliver("interactive", payload, connection=self.connection)).payload
        view = self.slack.workspace.views.get(str((payload.get("view") or {}).get("id", "")))
        if payload.get("type") == "view_submission" and view is not None:
            view.settle(answer)
        await self.integration.idle()
        return answer

    async def event(self, callback: dict[str, Any], *, retry: int | None = None, reason: str = "timeout") -> None:
        """Deliver an Events API callback (``retry``: as Slack's n-th redelivery), wait for its ack, for the
        listener and for the work after it."""
        seen = self.integration.events_seen
        if self.mode == "http":
            self._http_ok(await self.sender.event(callback, retry_num=retry, retry_reason=reason))
        elif retry is None:
            await self.slack.socket.deliver("events_api", callback, connection=self.connection)
        else:
            await self.slack.socket.deliver("events_api", callback, retry_attempt=retry, retry_reason=reason,
                                            connection=self.connection)
        await self.integration.wait_for_events(seen + 1)
        await self.integration.idle()


BotFactory = Callable[..., AbstractAsyncContextManager[Bot]]


def bot_settings(
    slack: FakeSlack, tmp_path: Path, mode: str = "socket", slack_options: dict[str, Any] | None = None,
    store_url: str | None = None, **sections: Any,
) -> Settings:
    """Settings for a bot talking to the fake: its tokens, its API URL, a SQLite store in tmp_path (or the
    store at ``store_url``)."""
    return load_settings(
        None,
        storage={"url": store_url or f"sqlite+aiosqlite:///{tmp_path / 'kindred.db'}"},
        slack={
            "bot_token": slack.bot_token,
            "app_token": slack.app_token,
            "signing_secret": slack.signing_secret,
            "mode": mode,
            "api_base_url": slack.api_url,
            "host": "127.0.0.1",
            **(slack_options or {}),
        },
        **sections,
    )


@pytest.fixture
def start_bot(slack: FakeSlack, tmp_path: Path) -> BotFactory:
    """``async with start_bot(mode="socket"|"http", **settings_sections) as bot:`` runs the real bot.

    Starting it twice in one test (one after the other) is a restart: same store, new process state; starting a
    second one inside the first is a second process on the same store (behind a load balancer in HTTP mode, a
    second Socket Mode connection otherwise). ``store=(url, connect_args)`` picks the store (e.g. the
    ``store_url`` fixture's PostgreSQL schema), ``clock`` the bot's clock.
    """

    @asynccontextmanager
    async def start(
        mode: str = "socket", slack_options: dict[str, Any] | None = None, *,
        store: tuple[str, dict[str, Any]] | None = None, clock: Callable[[], datetime] | None = None,
        **sections: Any,
    ) -> AsyncIterator[Bot]:
        url, connect_args = store or (None, None)
        settings = bot_settings(slack, tmp_path, mode, slack_options, url, **sections)
        extra = {"clock": clock} if clock is not None else {}
        async with running_app(settings, cogs=[*discover(), SlackProbe], start_scheduler=False,
                               connect_args=connect_args, **extra) as app:
            integration = SlackIntegration(app, settings.slack, http_port=0 if mode == "http" else None)
            connections = slack.socket.connections_opened
            await integration.start()
            try:
                connection = -1
                if mode == "socket":
                    await slack.wait_for_socket(count=connections + 1)
                    connection = slack.socket.open_connections - 1
                yield Bot(app, integration, slack, connection)
            finally:
                await integration.stop()

    return start


@pytest.fixture
async def bot(start_bot: BotFactory) -> AsyncIterator[Bot]:
    """The bot in Socket Mode (the default mode)."""
    async with start_bot() as running:
        yield running


@pytest.fixture(params=["socket", "http"])
def mode(request: pytest.FixtureRequest) -> str:
    """Both ways Slack reaches the bot: Socket Mode and signed HTTP requests."""
    return str(request.param)


@pytest.fixture
async def any_bot(start_bot: BotFactory, mode: str) -> AsyncIterator[Bot]:
    """The bot in each mode in turn (tests using it run twice)."""
    async with start_bot(mode=mode) as running:
        yield running
