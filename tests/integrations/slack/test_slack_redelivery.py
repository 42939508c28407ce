"""Slack redeliveries are handled once across processes and restarts: the check is in the store (seen_events).

Every test drives the real bot (real slack-bolt) against the fake Slack, in Socket Mode and in HTTP mode, on
SQLite and on PostgreSQL: the same event delivered again with Slack's retry marks (``X-Slack-Retry-Num`` /
``retry_attempt``) to another process sharing the store, or to the same process after a restart, is dropped.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from cogs.engagement.tables import engagement_events
from core.events import MemberJoined, MessagePosted
from storage.engine import alembic_config
from storage.seen_events import SEEN_EVENT_TTL, SeenEventRepo
from tests.clock import FakeClock
from tests.fakes.slack import FakeSlack
from tests.integrations.slack.conftest import Bot, BotFactory

Store = tuple[str, dict[str, Any]]


def handled(*bots: Bot) -> list[Any]:
    """What the features saw, over every process."""
    return [e for bot in bots for e in bot.probe.events]


async def messages_logged(bot: Bot) -> int:
    """Messages in the engagement log (flushed first)."""
    engagement = bot.app.cog("engagement")
    assert engagement is not None
    await engagement.recorder.flush(within=5.0)  # type: ignore[attr-defined]
    async with bot.app.services.store.read() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(engagement_events).where(
            engagement_events.c.kind == "message"))).scalar_one())


async def test_a_retry_reaching_another_process_is_dropped(
        start_bot: BotFactory, slack: FakeSlack, mode: str, store_url: Store) -> None:
    callback = slack.payloads.event_callback(slack.payloads.message("U0ALICE", "hello, once"))
    async with start_bot(mode=mode, store=store_url) as one, start_bot(mode=mode, store=store_url) as two:
        await one.event(callback)
        await two.event(callback, retry=1, reason="http_timeout")
        await one.event(callback, retry=2, reason="http_timeout")
        await two.event(callback, retry=3, reason="http_timeout")

        posted = [e for e in handled(one, two) if isinstance(e, MessagePosted)]
        assert [(e.member.user_id, e.length) for e in posted] == [("U0ALICE", len("hello, once"))]
        assert one.integration.stats["events"] + two.integration.stats["events"] == 1
        assert one.integration.stats["duplicates"] == 1 and two.integration.stats["duplicates"] == 2
        assert await messages_logged(one) == 1
        delivered = (len(one.http_replies) + len(two.http_replies) if mode == "http"
                     else len(slack.socket.acks))
        assert delivered == 4, "every delivery, retried or not, is acknowledged"


async def test_a_retry_after_a_restart_is_dropped(
        start_bot: BotFactory, slack: FakeSlack, mode: str, store_url: Store) -> None:
    callback = slack.payloads.event_callback(slack.payloads.team_join("U0CAROL", "carol"))
    async with start_bot(mode=mode, store=store_url) as before:
        await before.event(callback)
        assert [e.member.user_id for e in handled(before)] == ["U0CAROL"]
    async with start_bot(mode=mode, store=store_url) as after:
        await after.event(callback, retry=1)
        assert handled(after) == [] and after.integration.stats["duplicates"] == 1
        # a new event is still handled, of course
        await after.event(slack.payloads.event_callback(slack.payloads.team_join("U0DAN", "dan")))
        assert [e.member.user_id for e in handled(after)] == ["U0DAN"]


async def test_a_newcomer_redelivered_to_two_processes_is_greeted_once(
        start_bot: BotFactory, slack: FakeSlack, mode: str, store_url: Store) -> None:
    callback = slack.payloads.event_callback(slack.payloads.team_join("U0ERIN", "erin"))
    welcome = {"delay_seconds": 0}
    async with (start_bot(mode=mode, store=store_url, welcome=welcome) as one,
                start_bot(mode=mode, store=store_url, welcome=welcome) as two):
        await one.event(callback)
        await two.event(callback, retry=1)
        await one.event(callback, retry=2)
        assert len([e for e in handled(one, two) if isinstance(e, MemberJoined)]) == 1
        opened = await slack.wait_for_call("conversations.open", lambda c: c.args.get("users") == "U0ERIN")
        dm = str(opened.response["channel"]["id"])
        await slack.wait_for_call("chat.postMessage", lambda c: c.args.get("channel") == dm)
        for bot in (one, two):
            welcome_cog = bot.app.cog("welcome")
            assert welcome_cog is not None
            await welcome_cog.flow.tick()  # type: ignore[attr-defined]
    assert len(slack.workspace.messages_in(dm)) == 1


async def test_deliveries_without_an_event_id_or_in_other_workspaces_are_not_confused(
        start_bot: BotFactory, slack: FakeSlack, store_url: Store) -> None:
    pay = slack.payloads
    async with start_bot(store=store_url) as bot:
        first = pay.event_callback(pay.message("U0ALICE", "one"), event_id="Ev0SAME")
        other_team = {**pay.event_callback(pay.message("U0BOB", "two"), event_id="Ev0SAME"), "team_id": "T0OTHER"}
        bare = pay.event_callback(pay.message("U0BOB", "three"))
        bare.pop("event_id")
        for callback in (first, other_team, bare, bare):
            await bot.event(callback)
    assert [e.length for e in handled(bot)] == [3, 3, 5, 5], "only a known event id can mark a redelivery"


async def test_old_deliveries_are_forgotten_and_a_very_late_redelivery_counts_as_new(
        start_bot: BotFactory, slack: FakeSlack, store_url: Store) -> None:
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    late = slack.payloads.event_callback(slack.payloads.message("U0ALICE", "late"))
    async with start_bot(store=store_url, clock=clock) as bot:
        await bot.event(late)
        repo = SeenEventRepo(bot.app.services.store)
        assert await repo.count() == 1
        clock.advance(seconds=(SEEN_EVENT_TTL + timedelta(minutes=1)).total_seconds())
        await bot.event(slack.payloads.event_callback(slack.payloads.message("U0BOB", "later")))
        assert await repo.count() == 1, "the purge forgot the old delivery and kept the new one"
    async with start_bot(store=store_url, clock=clock) as restarted:
        await restarted.event(late, retry=3)
        assert [e.member.user_id for e in handled(restarted)] == ["U0ALICE"]


async def test_a_store_that_cannot_check_deliveries_lets_events_through_with_one_warning(
        start_bot: BotFactory, slack: FakeSlack, store_url: Store, caplog: pytest.LogCaptureFixture) -> None:
    """Losing an event is worse than a rare double: without the store's check the events are handled (the
    features' own keys keep their work once), the memory still drops retries to this process, and the log says
    so once, not once per event."""
    pay = slack.payloads

    def step(sync: sa.Connection, down: bool) -> None:
        (command.downgrade if down else command.upgrade)(alembic_config(sync), "platform@base" if down else "heads")

    async with start_bot(store=store_url) as bot:
        async with bot.app.services.store.engine.begin() as conn:
            await conn.run_sync(step, True)  # the table is gone: every claim fails
        caplog.set_level(logging.INFO, logger="integrations.slack.dedupe")
        callbacks = [pay.event_callback(pay.message("U0ALICE", "x" * n)) for n in range(1, 4)]
        for callback in callbacks:
            await bot.event(callback)
        await bot.event(callbacks[0], retry=1)
        assert [e.length for e in handled(bot)] == [1, 2, 3]
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1 and "handling them without that check" in warnings[0].getMessage()
        assert all(r.exc_info is None for r in caplog.records), "no traceback"
        async with bot.app.services.store.engine.begin() as conn:
            await conn.run_sync(step, False)
        await bot.event(pay.event_callback(pay.message("U0BOB", "back")))
        assert any("answers again" in r.getMessage() for r in caplog.records)
        assert await SeenEventRepo(bot.app.services.store).count() == 1
