"""Greetings, channel posts, buddy intros and drip steps through the delivery ledger, on the console: what a
process killed in the middle leaves behind is finished once by the next one, which reads the console's transcript
back (kept across the restart, as a chat platform keeps its history)."""

from __future__ import annotations

from cogs.welcome.store.repo import Status, Step
from core.delivery import Journal, Placement
from core.messages import Message
from core.refs import ChannelRef
from integrations.console.community import KEY
from integrations.console.repl import ConsoleCommunity
from tests.cogs.welcome.conftest import FakeClock, Opener, welcome_cog


def sent(console: ConsoleCommunity, kind: str, target: str | None = None) -> list[Message]:
    return [m for k, t, m in console.outbox.sent if k == kind and (target is None or t == target)]


async def test_a_buddy_intro_cut_off_is_finished_once(open_console: Opener, clock: FakeClock) -> None:
    async with open_console(buddy=True) as (app, console):
        await console.handle("/as Gil")
        await console.handle("/greeter join")
        await console.handle("/as admin")
        await console.handle("/join Newt")
        await console.handle("/join Nora")
        clock.advance(seconds=61)  # due now; the background loop sleeps on (it was not told the clock moved)
        flow = welcome_cog(app).flow
        community = await app.community(KEY)
        gil = console.by_name("gil")
        newt, nora = console.by_name("newt"), console.by_name("nora")
        assert gil is not None and newt is not None and nora is not None
        # the dying process claimed both greetings and gave both a buddy; Nora's intro went out unrecorded
        assert len(await flow.repo.claim([r.id for r in await flow.repo.due_greetings(community.id, clock())],
                                         clock())) == 2
        for newcomer in (newt, nora):
            assert await flow.repo.assign_buddy(community.id, newcomer.ref.id, gil.ref.id, clock())
        key = f"buddy:{nora.ref.id}:{gil.ref.id}"
        place = Placement("intro-nora", (nora.ref.user_id, gil.ref.user_id), "group")
        marker = "K-00000000000000b1"
        assert await flow.ledger.record(community.id, key, flow.deliverer.token, clock(), create=marker,
                                        placements=[place])
        earlier = [Placement(place.channel_id, place.user_ids, "group", "", True)]
        await console.messenger.introduce(community, [nora.ref, gil.ref], Message(text="Meet!", ref=marker),
                                          journal=Journal(marker, earlier))
        transcript = console.outbox
    clock.advance(minutes=15)
    async with open_console(buddy=True, outbox=transcript) as (app, console):
        await welcome_cog(app).tick()
        await welcome_cog(app).tick()
        intros = sorted(t for k, t, _m in console.outbox.sent if k == "intro")
        assert intros == sorted(f"{n.ref.user_id},{gil.ref.user_id}" for n in (newt, nora))
        assert len(sent(console, "dm", "newt")) == 1 and len(sent(console, "dm", "nora")) == 1
        buddy = await welcome_cog(app).flow.repo.buddy_of(community.id, nora.ref.id)
        assert buddy is not None and buddy.conversation == "intro-nora"


async def test_a_channel_greeting_posted_unrecorded_is_not_posted_again(open_console: Opener,
                                                                         clock: FakeClock) -> None:
    async with open_console(channel="welcome", dm=False) as (app, console):
        await console.handle("/join Ada")
        clock.advance(seconds=61)
        flow = welcome_cog(app).flow
        community = await app.community(KEY)
        [row] = await flow.repo.claim([r.id for r in await flow.repo.due_greetings(community.id, clock())], clock())
        await flow.repo.finish_each([(row.id, Status.CHANNEL, "")], clock())  # greeted; the post follows
        channel = ChannelRef("console", "welcome", "welcome")
        claim = await flow.ledger.claim(community.id, f"greet-post:{row.id}", "ch:welcome", flow.deliverer.token,
                                        clock(), audience=[str(row.id)])
        await console.messenger.send(community, channel, Message(text="Welcome, <@ada>!", ref=claim.marker))
        transcript = console.outbox
    clock.advance(minutes=15)
    async with open_console(channel="welcome", dm=False, outbox=transcript) as (app, console):
        await welcome_cog(app).tick()
        await welcome_cog(app).tick()
        assert len(sent(console, "channel", "welcome")) == 1
        steps = await welcome_cog(app).flow.repo.steps_of(community.id, row.member_id)
        assert (steps["greeted"].status, steps["greeted"].detail) == ("done", "channel")


async def test_a_nudge_sent_unrecorded_is_settled_not_resent(open_console: Opener, clock: FakeClock) -> None:
    async with open_console(delay_seconds=0, buddy_reminder_days=0, digest_day=0) as (app, console):
        await console.handle("/join Quiet")
        await welcome_cog(app).tick()
        clock.advance(days=3, minutes=1)
        flow = welcome_cog(app).flow
        community = await app.community(KEY)
        quiet = console.by_name("quiet")
        assert quiet is not None
        # the dying process claimed the nudge and sent it; neither the ledger nor the step was told
        assert await flow.repo.claim_step(community.id, quiet.ref.id, Step.NUDGED, clock(), status=Status.SENDING)
        claim = await flow.ledger.claim(community.id, f"drip:nudged:{quiet.ref.id}", f"dm:{quiet.ref.user_id}",
                                        flow.deliverer.token, clock())
        await console.messenger.dm(community, quiet.ref, Message(text="a few days ago", ref=claim.marker))
        transcript = console.outbox
    clock.advance(minutes=15)
    async with open_console(delay_seconds=0, buddy_reminder_days=0, digest_day=0,
                            outbox=transcript) as (app, console):
        await welcome_cog(app).tick()
        await welcome_cog(app).tick()
        nudges = [m for m in sent(console, "dm", "quiet") if "a few days ago" in m.text]
        assert len(nudges) == 1
        steps = await welcome_cog(app).flow.repo.steps_of(community.id, quiet.ref.id)
        assert (steps["nudged"].status, steps["nudged"].detail) == ("done", "dm")
