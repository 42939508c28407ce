"""Reading a delivery back on Slack: the real bot (slack_sdk) against the fake, which keeps conversation history
with message metadata and checks the history scopes as Slack does.

A crash is simulated by cancelling a delivery while the fake holds its ``chat.postMessage`` (before Slack
carried it out, or after): nothing of the delivery's own code runs after that moment, as after a kill.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from core.delivery import Deliverer, State
from core.errors import DeliveryUnverified
from core.messages import Message
from core.refs import ChannelRef, MemberRef
from integrations.slack.blocks import DELIVERY_EVENT
from integrations.slack.manifest import BOT_SCOPES
from storage.deliveries import DeliveryRepo
from tests.fakes.slack import FakeSlack
from tests.fakes.slack.state import BOT_SCOPES as FAKE_SCOPES
from tests.integrations.slack.conftest import Bot

ALICE = MemberRef("slack", "U0ALICE", "alice")
BOB = MemberRef("slack", "U0BOB", "bob")


def deliverer(bot: Bot) -> Deliverer:
    """A new process's view of the ledger (its own token)."""
    return Deliverer(DeliveryRepo(bot.app.services.store), bot.app.services.clock)


async def cut_off(slack: FakeSlack, work: Any, *, phase: str) -> None:
    rule = slack.hold("chat.postMessage", phase=phase)
    task = asyncio.create_task(work)
    await asyncio.wait_for(rule.held.wait(), 10)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    rule.release.set()


def test_the_fake_grants_exactly_the_manifest_scopes() -> None:
    assert set(BOT_SCOPES) == set(FAKE_SCOPES)
    assert {"im:history", "mpim:history", "channels:history", "groups:history"} <= set(BOT_SCOPES)


async def test_history_has_slacks_shape_and_metadata_only_when_asked(slack: FakeSlack) -> None:
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    for i in range(5):
        await client.chat_postMessage(channel="C0GENERAL", text=f"m{i}",
                                      metadata={"event_type": DELIVERY_EVENT, "event_payload": {"ref": f"K-{i}"}})
    page = await client.conversations_history(channel="C0GENERAL", limit=2)
    assert [m["text"] for m in page["messages"]] == ["m4", "m3"] and page["has_more"] is True
    assert "metadata" not in page["messages"][0] and page["messages"][0]["bot_id"] == slack.workspace.bot_id
    rest = await client.conversations_history(channel="C0GENERAL", limit=10, include_all_metadata=True,
                                              cursor=page["response_metadata"]["next_cursor"])
    assert [m["text"] for m in rest["messages"]] == ["m2", "m1", "m0"] and rest["has_more"] is False
    assert rest["messages"][0]["metadata"] == {"event_type": DELIVERY_EVENT, "event_payload": {"ref": "K-2"}}
    with pytest.raises(SlackApiError) as bad:
        await client.chat_postMessage(channel="C0GENERAL", text="x", metadata={"event_type": 3})
    assert bad.value.response["error"] == "invalid_metadata_format"


async def test_without_a_history_scope_nothing_is_resent(bot: Bot, slack: FakeSlack) -> None:
    community = await bot.community()
    messenger = bot.app.messenger("slack")
    await messenger.dm(community, ALICE, Message(text="hello", ref="K-00000000000000aa"))
    found = await messenger.find_delivered(community, ALICE, "K-00000000000000aa")
    assert found is not None and found.channel_id.startswith("D")
    assert await messenger.find_delivered(community, ALICE, "K-00000000000000bb") is None
    assert await messenger.find_delivered(community, ChannelRef("slack", "C0GENERAL"), "K-00000000000000aa") is None
    slack.workspace.scopes.discard("im:history")
    with pytest.raises(DeliveryUnverified) as error:
        await messenger.find_delivered(community, ALICE, "K-00000000000000aa")
    assert error.value.reason == "missing_scope"
    failed = slack.calls_to("conversations.history", ok=False)[-1]
    assert failed.response["needed"] == "im:history"


@pytest.mark.parametrize("phase", ["before", "after"])
async def test_a_cut_off_dm_is_sent_once(bot: Bot, slack: FakeSlack, phase: str) -> None:
    community = await bot.community()
    messenger = bot.app.messenger("slack")
    message = Message(text="Did you meet?")
    await cut_off(slack, deliverer(bot).send(messenger, community, "checkin:1:1", ALICE, message), phase=phase)
    dm = slack.workspace.dm_channel_of("U0ALICE").id
    assert len(slack.workspace.messages_in(dm)) == (phase == "after")
    done = await deliverer(bot).send(messenger, community, "checkin:1:1", ALICE, message, force=True)
    assert done.status == ("found" if phase == "after" else "sent")
    [only] = slack.workspace.messages_in(dm)
    assert only.metadata is not None and only.metadata["event_payload"]["ref"].startswith("K-")
    row = await DeliveryRepo(bot.app.services.store).get(community.id, "checkin:1:1", "dm:U0ALICE")
    assert row is not None and row.state == State.SENT and row.message_id == only.ts


@pytest.mark.parametrize("phase", ["before", "after"])
async def test_a_cut_off_group_dm_intro_is_posted_once(bot: Bot, slack: FakeSlack, phase: str) -> None:
    community = await bot.community()
    messenger = bot.app.messenger("slack")
    intro = Message(text="Meet each other!")
    await cut_off(slack, deliverer(bot).introduce(messenger, community, "intro:7", [ALICE, BOB], intro),
                  phase=phase)
    group = slack.workspace.open_conversation(["U0ALICE", "U0BOB"]).id
    assert len(slack.workspace.messages_in(group)) == (phase == "after")
    done = await deliverer(bot).introduce(messenger, community, "intro:7", [ALICE, BOB], intro, force=True)
    assert done.conversation is not None and done.conversation.channel_ids == (group,)
    assert len(slack.workspace.messages_in(group)) == 1
    assert slack.workspace.messages_in(slack.workspace.dm_channel_of("U0ALICE").id) == []  # no DM fallback
