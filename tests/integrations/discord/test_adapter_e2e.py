"""End to end: the Discord adapter's context, components, forms, events, intros and errors.

The real App (shipped cogs plus the probe cog) runs on real discord.py against the fake Discord.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator

import pytest

from bootstrap.discovery import discover
from core.events import CommunityJoined, MemberJoined, MemberLeft, MessagePosted, ReactionAdded
from core.settings import Settings
from core.settings.community import CommunitySettings
from tests.fakes.discord import (
    CANNOT_DM_USER,
    MISSING_ACCESS,
    MISSING_PERMISSIONS,
    ChannelType,
    DefaultWorld,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    Permissions,
    default_world,
    new_user,
)
from tests.integrations.discord.harness import KindredOnDiscord, kindred_on_discord
from tests.integrations.discord.probe import Probe

EPHEMERAL = 1 << 6


@pytest.fixture
def world() -> DefaultWorld:
    world = default_world()
    greeter = FakeRole("Greeter", permissions=Permissions.EVERYONE_DEFAULT)
    world.guild.roles.append(greeter)
    world.guild.members.append(FakeMember(new_user("greta", global_name="Greta"), role_ids=[greeter.id]))
    return world


@pytest.fixture
def probed_settings(settings: Settings, world: DefaultWorld) -> Settings:
    # The intro channel by name (the welcome tests use a channel id).
    community = CommunitySettings(moderator_roles=["Greeter"], intro_channel="#intros")
    return settings.model_copy(update={"community": community})


@pytest.fixture
async def probed(probed_settings: Settings, fake: FakeDiscord) -> AsyncIterator[KindredOnDiscord]:
    async with kindred_on_discord(probed_settings, fake, cogs=[*discover(), Probe]) as running:
        yield running


def probe_of(bot: KindredOnDiscord) -> Probe:
    cog = bot.app.cog("probe")
    assert isinstance(cog, Probe)
    return cog


async def reply_text(fake: FakeDiscord, record) -> str:  # type: ignore[no-untyped-def]
    message = await fake.wait_for_reply(record)
    return message["content"] + "".join(e.get("description", "") for e in message["embeds"])


# --------------------------------------------------------------------------- permissions
async def test_moderator_only_command_is_refused_for_a_member(
    probed: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld
) -> None:
    registered = {c["name"]: c for c in fake.registered_commands(world.guild)}
    assert registered["probemod"]["default_member_permissions"] == str(Permissions.MANAGE_GUILD)
    refused = await fake.wait_for_reply(await fake.slash("probemod", user=world.members[0]))
    assert refused["flags"] & EPHEMERAL
    assert refused["content"].startswith("Only a moderator can use /probemod")
    allowed = await fake.wait_for_reply(await fake.slash("probemod", user=world.moderator))
    assert allowed["content"] == "moderated"
    greta = next(m.user for m in world.guild.members if m.user.username == "greta")
    by_role = await fake.wait_for_reply(await fake.slash("probemod", user=greta))
    assert by_role["content"] == "moderated"  # configured moderator role, no Discord permission


# --------------------------------------------------------------------------- responses
async def test_slow_handler_is_deferred_then_its_reply_edits_the_placeholder(
    probed_settings: Settings, fake: FakeDiscord, world: DefaultWorld
) -> None:
    async with kindred_on_discord(probed_settings, fake, cogs=[*discover(), Probe], auto_defer_after=0.01) as bot:
        probe = probe_of(bot)
        record = await fake.slash("probe late", user=world.members[0])
        callback = await fake.wait_for_callback(record)
        assert callback["type"] == 5 and callback["data"]["flags"] & EPHEMERAL
        probe.release.set()
        reply = await fake.wait_for_reply(record)
        assert reply["content"] == "late but private" and reply["flags"] & EPHEMERAL
        assert fake.followups(record) == []


async def test_public_reply_after_a_private_defer_is_a_followup(
    probed_settings: Settings, fake: FakeDiscord, world: DefaultWorld
) -> None:
    async with kindred_on_discord(probed_settings, fake, cogs=[*discover(), Probe], auto_defer_after=0.01) as bot:
        probe = probe_of(bot)
        record = await fake.slash("probe latepublic", user=world.members[0])
        await fake.wait_for_callback(record)
        probe.release.set()
        await fake.wait_until(lambda: fake.followups(record), what="the public follow-up")
        [public] = fake.followups(record)
        assert public["content"] == "late and public" and not public["flags"] & EPHEMERAL
        await fake.wait_for_request("DELETE", re.compile(r"/webhooks/\d+/[^/]+/messages/@original"))


async def test_a_handler_that_answers_nothing_leaves_no_failed_interaction(
    probed: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld
) -> None:
    record = await fake.slash("probe quiet", user=world.members[0])
    callback = await fake.wait_for_callback(record)
    assert callback["type"] == 5
    await fake.wait_for_request("DELETE", re.compile(r"/webhooks/\d+/[^/]+/messages/@original"))


async def test_files_are_attachments(probed: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld) -> None:
    record = await fake.slash("probe file", user=world.members[0])
    reply = await fake.wait_for_reply(record)
    assert reply["attachments"][0]["filename"] == "export.csv"
    upload = fake.requests("POST", re.compile(r"/interactions/.*/callback"))[-1]
    assert upload.files[0].content == b"id,name\n1,Ana\n"


# --------------------------------------------------------------------------- components and forms
async def test_select_values_reach_the_handler(
    probed: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld
) -> None:
    await fake.wait_for_reply(await fake.slash("probe pick", user=world.members[0]))
    click = await fake.click("probe:pick:select", user=world.members[0], values=["b"])
    assert await reply_text(fake, click) == f"picked select b in {world.guild.id}"


async def test_button_sent_by_dm_knows_its_community(
    probed: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld
) -> None:
    ana = world.members[0]
    await fake.wait_for_reply(await fake.slash("probe dmbutton", user=ana))
    [dm] = fake.dms_to(ana)
    scoped = dm["components"][0]["components"][0]["custom_id"]
    assert scoped == f"g{world.guild.id}|probe:pick:dm"
    click = await fake.click(scoped, user=ana, message=dm)
    assert "guild_id" not in click.payload
    assert await reply_text(fake, click) == f"picked dm  in {world.guild.id}"


async def test_profile_form_is_a_modal(probed: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld) -> None:
    ana = world.members[0]
    record = await fake.slash("profile edit", user=ana)
    modal = await fake.wait_for_callback(record)
    assert modal["type"] == 9 and modal["data"]["custom_id"] == "profile:edit:main"
    labels = [c["label"] for c in modal["data"]["components"]]
    assert labels[0] == "Role"
    submit = await fake.submit_modal(record, {"role": "mentor", "topics": "rust, sql"})
    reply = await fake.wait_for_reply(submit)
    assert "Saved." in reply["content"] + reply["embeds"][0].get("description", "")
    row = await probed.app.services.members.by_user_id(
        (await probed.app.services.communities.all("discord"))[0].id, str(ana.id)
    )
    assert row is not None
    profile = await probed.app.services.profiles.get(row.id)
    assert profile is not None and profile.values("topics") == ["rust", "sql"]


async def test_button_still_works_after_a_restart(settings: Settings, fake: FakeDiscord, world: DefaultWorld) -> None:
    ana = world.members[0]
    async with kindred_on_discord(settings, fake) as first:
        await fake.wait_for_reply(await fake.slash("profile set", user=ana, options={"role": "developer"}))
        offer = await fake.wait_for_reply(await fake.slash("profile clear", user=ana))
        custom_id = offer["components"][0]["components"][0]["custom_id"]
        assert custom_id.startswith("profile:clear:")
        del first
    async with kindred_on_discord(settings, fake) as second:
        click = await fake.click(custom_id, user=ana, message=offer)
        assert await reply_text(fake, click) == "Your profile is deleted."
        community = (await second.app.services.communities.all("discord"))[0]
        row = await second.app.services.members.by_user_id(community.id, str(ana.id))
        assert row is not None
        profile = await second.app.services.profiles.get(row.id)
        assert profile is None or profile.empty


# --------------------------------------------------------------------------- events
async def test_member_join_leave_message_and_reaction_become_events(
    probed: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld
) -> None:
    probe = probe_of(probed)
    newcomer = new_user("newbie", global_name="New Bie")
    await fake.member_join(newcomer)
    joined = await fake.wait_until(lambda: probe.seen_of(MemberJoined), what="MemberJoined")
    assert joined[0].member.user_id == str(newcomer.id) and joined[0].member.id > 0
    community = joined[0].community
    row = await probed.app.services.members.by_user_id(community.id, str(newcomer.id))
    assert row is not None and row.joined_at is not None

    message = await fake.post_message(newcomer, "my secret plans", channel="general")
    posted = await fake.wait_until(lambda: probe.seen_of(MessagePosted), what="MessagePosted")
    assert posted[0].member.user_id == str(newcomer.id)
    assert posted[0].text is None and posted[0].length == 0 and not posted[0].in_thread

    await fake.add_reaction(world.members[0], message, "🙏")
    reacted = await fake.wait_until(lambda: probe.seen_of(ReactionAdded), what="ReactionAdded")
    assert reacted[0].emoji == "🙏"
    assert reacted[0].message_author is not None and reacted[0].message_author.user_id == str(newcomer.id)

    await fake.member_leave(newcomer)
    await fake.wait_until(lambda: probe.seen_of(MemberLeft), what="MemberLeft")
    row = await probed.app.services.members.by_user_id(community.id, str(newcomer.id))
    assert row is not None and row.left_at is not None
    # The bot's own messages are never engagement.
    await fake.wait_for_reply(await fake.slash("probe file", user=world.members[0]))
    assert all(e.member.user_id != str(world.bot.id) for e in probe.seen_of(MessagePosted))


async def test_guild_join_creates_the_community(probed: KindredOnDiscord, fake: FakeDiscord) -> None:
    probe = probe_of(probed)
    other = default_world(guild_name="Second Community").guild
    await fake.join_guild(other)
    joined = await fake.wait_until(lambda: probe.seen_of(CommunityJoined), what="CommunityJoined")
    assert joined[0].community is not None and joined[0].community.external_id == str(other.id)
    names = {c.name for c in await probed.app.services.communities.all("discord")}
    assert names == {"Kindred Test", "Second Community"}


# --------------------------------------------------------------------------- DMs, intros and errors
async def test_dm_closed_is_reported_in_plain_words(
    probed: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld
) -> None:
    shy = world.members[1]
    shy.dms_open = False
    record = await fake.slash("probe dm", user=world.members[0], options={"member": shy})
    reply = await fake.wait_for_reply(record)
    assert reply["content"] == "That member does not accept direct messages from me."
    assert reply["flags"] & EPHEMERAL
    assert fake.requests("POST", re.compile(r"/channels/\d+/messages"))[-1].response["code"] == CANNOT_DM_USER


async def test_intro_is_a_private_thread_pinging_only_the_introduced(
    probed: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld
) -> None:
    ana, ben = world.members[0], world.members[1]
    record = await fake.slash("probe intro", user=world.moderator, options={"first": ana, "second": ben})
    assert await reply_text(fake, record) == "thread:1"
    [thread] = fake.threads()
    assert thread.type == 12 and thread.parent_id == world.guild.channel_named("intros").id
    assert set(thread.member_ids) == {world.bot.id, ana.id, ben.id}
    [intro] = fake.messages_in(thread)
    assert {u["id"] for u in intro["mentions"]} == {str(ana.id), str(ben.id)}
    assert intro["mention_everyone"] is False and intro["mention_roles"] == []


async def test_intro_falls_back_to_dms_when_threads_are_not_allowed(
    probed: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld
) -> None:
    ana, ben = world.members[0], world.members[1]
    ben.dms_open = False
    intros = world.guild.channel_named("intros")
    fake.fail(
        "POST", f"/channels/{intros.id}/threads", status=403, code=MISSING_PERMISSIONS, message="Missing Permissions"
    )
    record = await fake.slash("probe intro", user=world.moderator, options={"first": ana, "second": ben})
    assert await reply_text(fake, record) == "dms:1"
    [dm] = fake.dms_to(ana)
    assert "meet" in dm["content"] and dm["mention_everyone"] is False
    assert fake.threads() == []


async def test_intro_reaches_by_dm_whoever_cannot_be_added_to_the_thread(
    probed: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld
) -> None:
    ana, ben = world.members[0], world.members[1]
    fake.fail(
        "PUT", re.compile(rf"/channels/\d+/thread-members/{ben.id}"), status=403, code=MISSING_ACCESS,
        message="Missing Access",
    )
    record = await fake.slash("probe intro", user=world.moderator, options={"first": ana, "second": ben})
    assert await reply_text(fake, record) == "thread:2"
    [thread] = fake.threads()
    assert set(thread.member_ids) == {world.bot.id, ana.id}
    [in_thread] = fake.messages_in(thread)
    [dm] = fake.dms_to(ben)
    assert "meet" in dm["content"] and dm["mention_everyone"] is False
    assert {u["id"] for u in dm["mentions"]} <= {str(ana.id), str(ben.id)}
    assert in_thread["content"] == dm["content"] or "meet" in in_thread["content"]
    assert fake.dms_to(ana) == []


async def test_intro_member_reachable_nowhere_is_logged_not_silently_dropped(
    probed: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld, caplog: pytest.LogCaptureFixture
) -> None:
    ana, ben = world.members[0], world.members[1]
    ben.dms_open = False
    fake.fail(
        "PUT", re.compile(rf"/channels/\d+/thread-members/{ben.id}"), status=403, code=MISSING_ACCESS,
        message="Missing Access",
    )
    caplog.set_level(logging.INFO, logger="integrations.discord")
    record = await fake.slash("probe intro", user=world.moderator, options={"first": ana, "second": ben})
    assert await reply_text(fake, record) == "thread:1"
    [thread] = fake.threads()
    assert set(thread.member_ids) == {world.bot.id, ana.id}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    community = (await probed.app.services.communities.all("discord"))[0]
    assert f"intro in community {community.id} reached 1 of 2 people" in "\n".join(warnings)
    assert fake.token not in caplog.text


async def test_intro_in_a_thread_nobody_can_be_added_to_falls_back_to_dms(
    probed: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld
) -> None:
    ana, ben = world.members[0], world.members[1]
    fake.fail(
        "PUT", re.compile(r"/channels/\d+/thread-members/\d+"), status=403, code=MISSING_ACCESS,
        message="Missing Access", count=2,
    )
    record = await fake.slash("probe intro", user=world.moderator, options={"first": ana, "second": ben})
    assert await reply_text(fake, record) == "dms:2"
    assert len(fake.dms_to(ana)) == len(fake.dms_to(ben)) == 1
    # nothing was posted where nobody could read it, and the empty thread is gone once the DMs went out
    [deleted] = fake.state.deleted_channels
    assert deleted.is_thread and fake.threads() == []
    assert [r.method for r in fake.requests(path=f"/channels/{deleted.id}/messages")] == []
    assert fake.requests("DELETE", f"/channels/{deleted.id}")


async def test_an_empty_intro_thread_that_cannot_be_deleted_stays_and_the_dms_still_go(
    probed: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld, caplog: pytest.LogCaptureFixture
) -> None:
    ana, ben = world.members[0], world.members[1]
    fake.fail("PUT", re.compile(r"/channels/\d+/thread-members/\d+"), status=403, code=MISSING_ACCESS,
              message="Missing Access", count=2)
    fake.fail("DELETE", re.compile(r"/channels/\d+"), status=403, code=MISSING_PERMISSIONS,
              message="Missing Permissions")
    record = await fake.slash("probe intro", user=world.moderator, options={"first": ana, "second": ben})
    assert await reply_text(fake, record) == "dms:2"
    assert len(fake.dms_to(ana)) == len(fake.dms_to(ben)) == 1
    assert len(fake.threads()) == 1 and fake.state.deleted_channels == []
    assert "delete of the empty intro thread" in caplog.text


async def test_intro_nobody_reachable_is_reported_not_dropped(
    probed: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld
) -> None:
    ana, ben = world.members[0], world.members[1]
    ana.dms_open = ben.dms_open = False
    intros = world.guild.channel_named("intros")
    fake.fail(
        "POST", f"/channels/{intros.id}/threads", status=403, code=MISSING_PERMISSIONS, message="Missing Permissions"
    )
    record = await fake.slash("probe intro", user=world.moderator, options={"first": ana, "second": ben})
    assert await reply_text(fake, record) == "intro failed: intro_failed"


async def test_rate_limited_reply_is_retried_and_delivered(
    probed: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld
) -> None:
    fake.rate_limit("POST", re.compile(r"/interactions/\d+/[^/]+/callback"), count=2, retry_after=0.01)
    record = await fake.slash("probemod", user=world.moderator)
    reply = await fake.wait_for_reply(record)
    assert reply["content"] == "moderated"
    assert [r.status for r in fake.requests("POST", re.compile(r"/interactions/.*"))] == [429, 429, 200]


async def test_missing_permission_when_posting_is_reported(
    probed: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld
) -> None:
    general = world.guild.channel_named("general")
    fake.fail(
        "POST", f"/channels/{general.id}/messages", status=403, code=MISSING_PERMISSIONS, message="Missing Permissions"
    )
    from core.errors import DeliveryFailed
    from core.messages import Message
    from core.refs import ChannelRef

    messenger = probed.app.messenger("discord")
    community = (await probed.app.services.communities.all("discord"))[0]
    with pytest.raises(DeliveryFailed) as caught:
        await messenger.send(community, ChannelRef("discord", str(general.id)), Message(text="hi"))
    assert caught.value.reason == "missing_permissions"


async def test_missing_permission_and_unknown_channel_are_told_in_plain_words(
    probed: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld, caplog: pytest.LogCaptureFixture
) -> None:
    general = world.guild.channel_named("general")
    fake.fail(
        "POST", f"/channels/{general.id}/messages", status=403, code=MISSING_PERMISSIONS, message="Missing Permissions"
    )
    caplog.set_level(logging.DEBUG, logger="integrations.discord")
    refused = await fake.slash("probe announce", user=world.members[0], options={"channel": str(general.id)})
    reply = await fake.wait_for_reply(refused)
    assert reply["content"] == (
        "I lack a Discord permission for this here. A moderator can check my role's permissions."
    )
    assert reply["flags"] & EPHEMERAL
    gone = await fake.slash("probe announce", user=world.members[0], options={"channel": "1323802873036899999"})
    assert (await fake.wait_for_reply(gone))["content"] == (
        "I can't find that channel any more. It may have been deleted."
    )
    assert all(m["content"] != "announcement" for m in fake.messages_in(general))
    assert "send message failed: HTTP 403, code 50013 (missing_permissions)" in caplog.text
    assert fake.token not in caplog.text and refused.token not in caplog.text and gone.token not in caplog.text


# --------------------------------------------------------------------------- shipped welcome flow
@pytest.fixture
def welcome_settings(settings: Settings, world: DefaultWorld) -> Settings:
    welcome = settings.welcome.model_copy(
        update={"delay_seconds": 0, "channel": str(world.guild.channel_named("general").id)}
    )
    return settings.model_copy(update={"welcome": welcome})


async def test_member_join_gets_the_welcome_dm(
    welcome_settings: Settings, fake: FakeDiscord, world: DefaultWorld
) -> None:
    async with kindred_on_discord(welcome_settings, fake):
        newcomer = new_user("newbie", global_name="New Bie")
        await fake.member_join(newcomer)
        greeting = await fake.wait_for_message(newcomer)
        assert "Kindred Test" in greeting["content"] + str(greeting["embeds"])
        assert greeting["mention_everyone"] is False


async def test_member_with_closed_dms_is_welcomed_in_the_channel(
    welcome_settings: Settings, fake: FakeDiscord, world: DefaultWorld
) -> None:
    async with kindred_on_discord(welcome_settings, fake):
        newcomer = new_user("shy", global_name="Shy Newcomer", dms_open=False)
        await fake.member_join(newcomer)
        general = world.guild.channel_named("general")
        greeting = await fake.wait_for_message(general, lambda m: str(newcomer.id) in m["content"])
        assert [u["id"] for u in greeting["mentions"]] == [str(newcomer.id)]
        assert fake.dms_to(newcomer) == []


# --------------------------------------------------------------------------- clicks without a guild
def _unscoped_dm_button(fake: FakeDiscord, user: FakeUser, custom_id: str) -> dict:  # type: ignore[type-arg]
    """A DM with a button whose id names no guild (as an older Kindred sent them)."""
    channel = fake.state.open_dm(user)
    row = {"type": 1, "components": [{"type": 2, "style": 1, "label": "Go", "custom_id": custom_id}]}
    return fake.state.create_message(channel, fake.bot, {"content": "old", "components": [row]}, [])


async def test_dm_click_uses_the_one_shared_guild(
    probed: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld
) -> None:
    ana = world.members[0]
    message = _unscoped_dm_button(fake, ana, "probe:pick:old")
    click = await fake.click("probe:pick:old", user=ana, message=message)
    assert await reply_text(fake, click) == f"picked old  in {world.guild.id}"


async def test_dm_click_with_two_shared_guilds_asks_to_use_the_server(
    probed: KindredOnDiscord, fake: FakeDiscord, world: DefaultWorld
) -> None:
    ana = world.members[0]
    other = FakeGuild("Other", owner=world.owner, members=[FakeMember(ana)])
    await fake.join_guild(other)
    await fake.wait_until(lambda: len(probe_of(probed).seen_of(CommunityJoined)) == 1, what="the second guild")
    message = _unscoped_dm_button(fake, ana, "probe:pick:old")
    click = await fake.click("probe:pick:old", user=ana, message=message)
    reply = await fake.wait_for_reply(click)
    assert reply["content"].startswith("Please use this in your server") and reply["flags"] & EPHEMERAL


async def test_unknown_channel_is_a_delivery_failure(probed: KindredOnDiscord, fake: FakeDiscord) -> None:
    from core.errors import DeliveryFailed
    from core.messages import Message
    from core.refs import ChannelRef

    community = (await probed.app.services.communities.all("discord"))[0]
    with pytest.raises(DeliveryFailed) as caught:
        await probed.app.messenger("discord").send(
            community, ChannelRef("discord", "1323802873036899999"), Message(text="hi")
        )
    assert caught.value.reason == "unknown_channel"


async def test_thread_messages_and_role_triggers(probed_settings: Settings, world: DefaultWorld) -> None:
    general = world.guild.channel_named("general")
    thread = FakeChannel("questions", type=ChannelType.PUBLIC_THREAD, parent_id=general.id, owner_id=world.owner.id)
    world.guild.channels.append(thread)
    thread.guild_id = world.guild.id
    async with FakeDiscord(world) as fake, kindred_on_discord(probed_settings, fake, cogs=[*discover(), Probe]) as bot:
        probe = probe_of(bot)
        await fake.post_message(world.members[0], "in a thread", channel=thread)
        [posted] = await fake.wait_until(lambda: probe.seen_of(MessagePosted), what="MessagePosted")
        assert posted.in_thread and posted.channel.is_thread

        verified = FakeRole("Verified")
        world.guild.roles.append(verified)
        member = world.guild.member(world.members[1].id)
        assert member is not None
        await fake.dispatch(
            "GUILD_ROLE_CREATE", {"guild_id": str(world.guild.id), "role": verified.payload()}, world.guild.id
        )
        member.role_ids.append(verified.id)
        await fake.dispatch("GUILD_MEMBER_UPDATE", member.payload() | {"guild_id": str(world.guild.id)}, world.guild.id)
        triggers = await fake.wait_until(
            lambda: [e for e in probe.seen_of(MemberJoined) if e.trigger != "join"], what="the role trigger"
        )
        assert triggers[0].trigger == f"role:{verified.id}"
