"""One deployment, many workspaces: the OAuth install flow against the fake Slack, with the real slack-bolt.

Two workspaces install Kindred through /slack/install and /slack/oauth_redirect; commands and events from both
are served, each with its own workspace's token, and so are messages Kindred sends by itself; one workspace
uninstalls (its token is never used again, its scheduled work is skipped, its community stays); replayed,
forged and expired states are refused with nothing stored; a rotating token is refreshed before it is used.
The store is SQLite and PostgreSQL in turn.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bootstrap.discovery import discover
from bootstrap.ops_http import Readiness
from bootstrap.runtime import running_app
from core.dispatcher import App
from core.errors import DeliveryFailed
from core.messages import Message
from core.refs import ChannelRef, CommunityKey, CommunityRef, Platform
from core.services import utcnow
from core.settings import load_settings
from integrations.slack.integration import HTTP_PATH, SlackIntegration
from integrations.slack.manifest import BOT_SCOPES
from storage.slack_installs import SlackInstallRepo
from tests.fakes.slack import Browser, FakeSlack, Page, SignedSender, text_value
from tests.integrations.slack.probe import SlackProbe

SECOND = "T0SECOND"


@dataclass
class ManyBot:
    """Kindred installed by many workspaces, as a test sees it."""

    app: App
    integration: SlackIntegration
    slack: FakeSlack

    @property
    def base(self) -> str:
        assert self.integration.http_endpoint is not None
        return self.integration.http_endpoint.removesuffix(HTTP_PATH)

    @property
    def install_url(self) -> str:
        return f"{self.base}/slack/install"

    @property
    def sender(self) -> SignedSender:
        assert self.integration.http_endpoint is not None
        return SignedSender(self.integration.http_endpoint, self.slack.signing_secret)

    @property
    def installs(self) -> SlackInstallRepo:
        return SlackInstallRepo(self.app.services.store)

    async def install(self, team_id: str) -> Page:
        async with Browser() as browser:
            return await browser.install(self.install_url, team_id)

    async def command(self, team_id: str, command: str, text: str, user_id: str) -> None:
        payload = self.slack.payloads_for(team_id).slash_command(command, text, user_id=user_id)
        reply = await self.sender.slash_command(payload)
        assert reply.status == 200, reply.text
        await self.integration.idle()

    async def event(self, callback: dict[str, Any]) -> None:
        seen = self.integration.events_seen
        reply = await self.sender.event(callback)
        assert reply.status == 200, reply.text
        await self.integration.wait_for_events(seen + 1)
        await self.integration.idle()

    def probe(self) -> SlackProbe:
        cog = self.app.cog("slackprobe")
        assert isinstance(cog, SlackProbe)
        return cog

    async def community(self, team_id: str) -> CommunityRef:
        return await self.app.community(CommunityKey(Platform.SLACK, team_id))

    async def profile(self, team_id: str, user_id: str) -> dict[str, list[str]] | None:
        community = await self.community(team_id)
        row = await self.app.services.members.by_user_id(community.id, user_id)
        if row is None:
            return None
        profile = await self.app.services.profiles.get(row.id)
        return None if profile is None or profile.empty else profile.facets


ManyFactory = Callable[..., AbstractAsyncContextManager[ManyBot]]


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    """Two workspaces: Kindred Test (Alice, Bob) and Second Team (Carol, Dan), neither with Kindred yet."""
    fake = FakeSlack()
    fake.workspace.add_user("U0ALICE", "alice", real_name="Alice Example")
    fake.workspace.add_user("U0BOB", "bob", real_name="Bob Example")
    fake.workspace.channels["C0GENERAL"].members.extend(["U0ALICE", "U0BOB"])
    second = fake.add_team(SECOND, "Second Team")
    second.add_user("U0CAROL", "carol", real_name="Carol Example")
    second.add_user("U0DAN", "dan", real_name="Dan Example")
    second.channels["C0GENERAL"].members.extend(["U0CAROL", "U0DAN"])
    second.installer_id = "U0CAROL"
    async with fake:
        yield fake


@pytest.fixture
def start_many(slack: FakeSlack, tmp_path: Path) -> ManyFactory:
    @asynccontextmanager
    async def start(*, store: tuple[str, dict[str, Any]] | None = None,
                    clock: Callable[[], datetime] = utcnow, **options: Any) -> AsyncIterator[ManyBot]:
        url, connect_args = store or (f"sqlite+aiosqlite:///{tmp_path / 'kindred.db'}", {})
        settings = load_settings(None, storage={"url": url}, slack={
            "client_id": slack.oauth.client_id, "client_secret": slack.oauth.client_secret,
            "signing_secret": slack.signing_secret, "mode": "http", "host": "127.0.0.1",
            "api_base_url": slack.api_url, "authorize_url": slack.authorize_url, **options})
        assert settings.slack.multi_workspace and settings.slack.configured
        async with running_app(settings, cogs=[*discover(), SlackProbe], start_scheduler=False,
                               connect_args=connect_args, clock=clock) as app:
            readiness = Readiness(app, ["slack"])
            assert await readiness.problems() == ["slack: not connected"]
            integration = SlackIntegration(app, settings.slack, http_port=0)
            await integration.start()
            assert await readiness.problems() == [], "/readyz: serving the install pages and events is connected"
            try:
                bot = ManyBot(app, integration, slack)
                slack.oauth.redirect_urls = [f"{bot.base}/slack/oauth_redirect"]
                yield bot
            finally:
                await integration.stop()

    return start


def tokens_used(slack: FakeSlack, team_id: str) -> set[str | None]:
    return {c.token for c in slack.calls if c.team == team_id}


async def test_two_workspaces_install_and_each_is_served_with_its_own_token(
        start_many: ManyFactory, slack: FakeSlack, store_url: tuple[str, dict[str, Any]]) -> None:
    async with start_many(store=store_url) as bot:
        first, second = await bot.install("T0KINDRED"), await bot.install(SECOND)
        assert (first.status, second.status) == (200, 200)
        assert "Thank you" in first.text and "Thank you" in second.text
        assert await bot.installs.teams() == ["T0KINDRED", SECOND]
        token1, token2 = slack.token_of("T0KINDRED"), slack.token_of(SECOND)
        assert token1 != token2

        await bot.command("T0KINDRED", "/profile", "set role:Chef", "U0ALICE")
        await bot.command(SECOND, "/profile", "set role:Baker", "U0CAROL")
        await bot.event(slack.payloads.event_callback(slack.payloads.team_join("U0EVE", "eve")))
        await bot.event(slack.payloads_for(SECOND).event_callback(slack.payloads_for(SECOND).team_join("U0FAY")))

        submit = slack.payloads_for(SECOND).view_submission("profile:edit:main",
                                                            {"topics": {"topics": text_value("bread")}},
                                                            user_id="U0DAN")
        assert (await bot.sender.interaction(submit)).status == 200
        await bot.integration.idle()

        assert await bot.profile("T0KINDRED", "U0ALICE") == {"role": ["Chef"]}
        assert await bot.profile(SECOND, "U0CAROL") == {"role": ["Baker"]}
        assert await bot.profile(SECOND, "U0DAN") == {"topics": ["bread"]}
        assert await bot.profile(SECOND, "U0ALICE") is None, "each workspace is its own community"
        joined = {(e.community.external_id, e.member.user_id) for e in bot.probe().events}
        assert joined == {("T0KINDRED", "U0EVE"), (SECOND, "U0FAY")}

        # what Kindred sends by itself (a round's intro, a greeting) goes out with the community's own token
        messenger = bot.app.messenger("slack")
        await messenger.send(await bot.community(SECOND), ChannelRef("slack", "C0GENERAL"), Message(text="hi 2"))
        await messenger.send(await bot.community("T0KINDRED"), ChannelRef("slack", "C0GENERAL"),
                             Message(text="hi 1"))
        said = {team: [(m.text or "").split("\n")[0] for m in ws.messages] for team, ws in slack.teams.items()}
        assert said == {"T0KINDRED": ["hi 1"], SECOND: ["Profile of dan", "hi 2"]}

        assert tokens_used(slack, "T0KINDRED") == {token1} and tokens_used(slack, SECOND) == {token2}
        assert not slack.calls_to("auth.test", ok=False)
        assert len(slack.calls_to("oauth.v2.access", ok=True)) == 2
        assert {g.scopes for g in slack.oauth.grants.values()} == {",".join(BOT_SCOPES)}, "the manifest's scopes"


async def test_an_uninstalled_workspace_is_no_longer_served_and_its_community_stays(
        start_many: ManyFactory, slack: FakeSlack, store_url: tuple[str, dict[str, Any]]) -> None:
    async with start_many(store=store_url) as bot:
        await bot.install("T0KINDRED")
        await bot.install(SECOND)
        await bot.command(SECOND, "/profile", "set role:Baker", "U0CAROL")
        community = await bot.community(SECOND)
        old_token = slack.token_of(SECOND)

        await bot.event(slack.uninstall(SECOND))

        assert await bot.installs.teams() == ["T0KINDRED"]
        assert await bot.profile(SECOND, "U0CAROL") == {"role": ["Baker"]}, "the data follows its retention"
        jobs = bot.app.services.jobs
        assert not await jobs.switched_on(community.id, "matching")
        assert await jobs.switched_on((await bot.community("T0KINDRED")).id, "matching")
        with pytest.raises(DeliveryFailed):
            await bot.app.messenger("slack").send(community, ChannelRef("slack", "C0GENERAL"), Message(text="x"))
        before = len(slack.calls)
        await bot.command(SECOND, "/profile", "set role:Ghost", "U0CAROL")
        assert await bot.profile(SECOND, "U0CAROL") == {"role": ["Baker"]}
        assert all(c.token != old_token for c in slack.calls[before:])
        await bot.command("T0KINDRED", "/profile", "set role:Chef", "U0ALICE")
        assert await bot.profile("T0KINDRED", "U0ALICE") == {"role": ["Chef"]}

        assert (await bot.install(SECOND)).status == 200  # installed again: served again, with the new token
        await bot.command(SECOND, "/profile", "set role:Back", "U0CAROL")
        assert await bot.profile(SECOND, "U0CAROL") == {"role": ["Back"]}
        assert await jobs.switched_on(community.id, "matching")
        assert slack.calls[-1].token == slack.token_of(SECOND) != old_token


async def test_replayed_forged_and_unknown_states_are_refused(
        start_many: ManyFactory, slack: FakeSlack, store_url: tuple[str, dict[str, Any]]) -> None:
    async with start_many(store=store_url) as bot:
        async with Browser() as browser:
            done = await browser.install(bot.install_url, SECOND)
            assert done.status == 200
            callback = browser.callbacks[0]
            again = await browser.get(callback)  # the same browser comes back with the same code and state
        state = dict(pair.split("=", 1) for pair in callback.split("?", 1)[1].split("&"))["state"]
        async with Browser() as attacker:  # another browser that copied the link and the state cookie
            attacker.set_cookie(callback, "slack-app-oauth-state", state)
            forged = await attacker.get(callback)
            attacker.set_cookie(callback, "slack-app-oauth-state", "made-up")
            unknown = await attacker.get(callback.replace(state, "made-up"))

        for page in (again, forged, unknown):
            assert page.status in (400, 401) and "Something Went Wrong" in page.text, page
        assert len(slack.calls_to("oauth.v2.access")) == 1, "a refused callback never reaches Slack"
        assert await bot.installs.teams() == [SECOND]


async def test_an_expired_install_link_is_refused(start_many: ManyFactory, slack: FakeSlack) -> None:
    now = [utcnow()]
    async with start_many(clock=lambda: now[0], state_minutes=10) as bot, Browser() as browser:
        link = await browser.install_link(bot.install_url)
        now[0] += timedelta(minutes=11)
        page = await browser.get(await browser.approve(link, SECOND))

        assert page.status == 401 and "invalid_state" in page.text
        assert slack.calls_to("oauth.v2.access") == []
        assert await bot.installs.teams() == []


async def test_a_rotating_token_is_refreshed_before_it_is_used(start_many: ManyFactory, slack: FakeSlack) -> None:
    slack.oauth.rotation = True
    slack.oauth.expires_in = 600  # expires within the 120 minutes of [slack] token_rotation_minutes
    async with start_many() as bot:
        await bot.install(SECOND)
        first = slack.token_of(SECOND)
        slack.oauth.expires_in = 43200
        installed = len(slack.calls)
        await bot.command(SECOND, "/profile", "set role:Baker", "U0CAROL")
        await bot.command(SECOND, "/profile", "set topics:bread", "U0CAROL")

        assert slack.oauth.refreshed == 1
        fresh = slack.token_of(SECOND)
        assert fresh != first
        assert {c.token for c in slack.calls[installed:] if c.team == SECOND} == {fresh}
        stored = await bot.installs.find_team(SECOND)
        assert stored is not None and stored.bot_token == fresh and stored.bot_refresh_token
        assert await bot.profile(SECOND, "U0CAROL") == {"role": ["Baker"], "topics": ["bread"]}


async def test_tokens_revoked_for_the_bot_uninstalls(start_many: ManyFactory, slack: FakeSlack) -> None:
    async with start_many() as bot:
        await bot.install(SECOND)
        payloads = slack.payloads_for(SECOND)
        await bot.event(payloads.event_callback({"type": "tokens_revoked", "tokens": {"oauth": ["U0CAROL"]}}))
        assert await bot.installs.teams() == [SECOND], "a user's token is not Kindred's"
        await bot.event(payloads.event_callback({"type": "tokens_revoked",
                                                 "tokens": {"bot": [slack.teams[SECOND].bot_user_id]}}))
        assert await bot.installs.teams() == []


async def test_the_install_page_needs_http_mode(slack: FakeSlack, tmp_path: Path) -> None:
    from integrations.slack.errors import SlackStartupError

    settings = load_settings(None, storage={"url": f"sqlite+aiosqlite:///{tmp_path / 'k.db'}"}, slack={
        "client_id": "1.2", "client_secret": "s", "api_base_url": slack.api_url, "mode": "socket"})
    async with running_app(settings, start_scheduler=False) as app:
        with pytest.raises(SlackStartupError, match="mode must be"):
            await SlackIntegration(app, settings.slack).start()


async def test_no_token_code_or_secret_reaches_the_log(start_many: ManyFactory, slack: FakeSlack,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    slack.oauth.rotation = True
    slack.oauth.expires_in = 600
    caplog.set_level(logging.DEBUG)  # KINDRED_LOGGING__LEVEL=DEBUG, with the drivers kept quiet as core/logs.py does
    noisy = [logging.getLogger(n) for n in ("aiosqlite", "apscheduler", "alembic", "slack_bolt", "asyncio")]
    levels = [logger.level for logger in noisy]
    for logger in noisy:
        logger.setLevel(logging.WARNING)
    try:
        async with start_many() as bot:
            await bot.install(SECOND)
            await bot.command(SECOND, "/profile", "set role:Baker", "U0CAROL")
    finally:
        for logger, level in zip(noisy, levels, strict=True):
            logger.setLevel(level)
    secrets = {slack.oauth.client_secret, slack.signing_secret, *slack.teams[SECOND].tokens,
               *slack.oauth.refresh_tokens, *slack.oauth.grants}
    logged = "\n".join(f"{r.name}: {r.getMessage()}" for r in caplog.records)
    assert "oauth.v2.access" in logged, "debug logging was on"
    assert [s for s in secrets if s in logged] == []
    assert "xoxb-" not in logged and "xoxe" not in logged
