"""Every event kind reaches the log through the real dispatcher, recorder, batched writer and store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bootstrap.runtime import running_app
from cogs.engagement.api import activity_levels, record
from cogs.engagement.api import recorder as running_recorder
from cogs.engagement.cog import Engagement
from cogs.engagement.kinds import InvalidEvent, Kind
from cogs.engagement.recorder import Recorder
from core.dispatcher import App
from core.events import MessagePosted, ProfileUpdated
from core.settings import Settings
from integrations.console.community import GENERAL, KEY
from integrations.console.repl import ConsoleCommunity
from tests.cogs.engagement.conftest import Clock
from tests.cogs.engagement.helpers import events, kinds


async def test_platform_events_are_recorded(console: ConsoleCommunity, app: App) -> None:
    await console.handle("/join bob")
    await console.handle("/as bob")
    await console.handle("hello everyone, I'm new")
    await console.handle("/react 🎉")
    await console.handle("/profile set role:designer topics:ux timezone:Europe/Berlin languages:en")
    await console.handle("/leave")
    bob = console.by_name("bob")
    assert bob is not None
    rows = await events(app, member_id=bob.ref.id)
    got = [r.kind for r in rows]
    assert got == ["joined", "message", "reaction", "profile_completed", "command", "left"]
    message = rows[1]
    assert message.value == len("hello everyone, I'm new")
    assert message.channel == "general"
    assert message.text is None  # text is not stored unless the community asks for it
    assert rows[2].label == "🎉"
    assert rows[4].label == "profile set" and rows[4].value == 1
    assert all(r.platform == "console" for r in rows)


async def test_message_text_only_when_the_community_stores_it(console: ConsoleCommunity, app: App) -> None:
    cid = (await app.community(KEY)).id
    await app.services.overrides.set_many(cid, {"engagement.store_message_text": True}, by="test")
    await app.services.config.changed(cid, {"engagement.store_message_text"})
    await console.handle("this text is kept")
    rows = await events(app, kind="message")
    assert rows[-1].text == "this text is kept"


async def test_reaction_targets_the_author_and_thanks_records_who_helped(console: ConsoleCommunity,
                                                                         app: App) -> None:
    await console.handle("/as bob")
    bob = console.current.ref
    admin = console.by_name("admin")
    assert admin is not None
    from core.events import ReactionAdded

    await app.emit(ReactionAdded(key=KEY, member=bob, channel=GENERAL, emoji="👍", message_author=admin.ref))
    await console.handle("/thanks admin for: explaining the setup")
    reaction = (await events(app, kind="reaction"))[-1]
    assert reaction.target_id == admin.ref.id
    thanks = (await events(app, kind="thanks"))[-1]
    assert (thanks.member_id, thanks.target_id) == (bob.id, admin.ref.id)
    assert thanks.meta == {"reason": "explaining the setup"}
    assert "🙏 bob thanked" in console.outbox.texts("reply")[-1]


async def test_profile_completed_is_recorded_once(console: ConsoleCommunity, app: App) -> None:
    me = console.current.ref
    for _ in range(3):
        await app.emit(ProfileUpdated(key=KEY, member=me, fields=("role",), complete=True))
    await app.emit(ProfileUpdated(key=KEY, member=me, fields=("role",), complete=False))
    assert (await kinds(app, member_id=me.id)).count("profile_completed") == 1


async def test_feature_kinds_through_the_api(console: ConsoleCommunity, app: App) -> None:
    cid = (await app.community(KEY)).id
    await console.handle("/as ana")
    ana = console.current.ref.id
    await console.handle("/as ben")
    ben = console.current.ref.id
    s = app.services
    assert await record(s, cid, ana, "matched", target_id=ben, value=3, label="round", group=[ana, ben])
    assert await record(s, cid, ana, "intro_sent", target_id=ben, label="group_dm", intro="i-1")
    assert await record(s, cid, ana, "met", target_id=ben, value=1, label="yes", intro="i-1")
    assert await record(s, cid, ana, "mentor_session", target_id=ben, value=45, label="mentee")
    assert await record(s, cid, ben, "greeted", target_id=ana, value=1, label="dm")
    assert await record(s, cid, ben, "profile_started", label="welcome")
    assert await record(s, cid, ben, "buddy_assigned", target_id=ana, label="greeting")
    rows = await events(app, community_id=cid)
    by_kind = {r.kind: r for r in rows}
    for kind in ("matched", "intro_sent", "met", "mentor_session", "greeted", "profile_started", "buddy_assigned"):
        assert kind in by_kind
    assert by_kind["matched"].meta == {"group": [ana, ben]} and by_kind["matched"].value == 3
    assert by_kind["met"].value == 1 and by_kind["met"].meta == {"intro": "i-1"}
    assert by_kind["greeted"].target_id == ana and by_kind["buddy_assigned"].target_id == ana
    # every kind in the catalogue has now been seen by a test in this module or the one above
    assert {k.value for k in Kind} >= set(by_kind)


async def test_recorder_is_reachable_without_importing_the_cog(app: App) -> None:
    rec = running_recorder(app.services)
    assert rec is not None and callable(rec.record)


@pytest.mark.parametrize("kind,meta", [("nonsense", {}), ("matched", {"email": "x@y.z"}),
                                       ("matched", {"group": "not a list"}), ("met", {"intro": 3.5})])
async def test_undeclared_kinds_and_metadata_are_refused(app: App, kind: str, meta: dict[str, object]) -> None:
    cid = (await app.community(KEY)).id
    with pytest.raises(InvalidEvent):
        await record(app.services, cid, None, kind, **meta)
    assert await events(app, community_id=cid) == []


async def test_log_switched_off_records_nothing(console: ConsoleCommunity, app: App) -> None:
    cid = (await app.community(KEY)).id
    await app.services.overrides.set_many(cid, {"engagement.enabled": False}, by="test")
    await app.services.config.changed(cid, {"engagement.enabled"})
    await console.handle("a message nobody records")
    assert not await record(app.services, cid, console.current.ref.id, "met", value=1)
    assert await kinds(app, community_id=cid) == []


async def test_optout_stops_recording_and_optin_resumes(console: ConsoleCommunity, app: App) -> None:
    await console.handle("/as bob")
    bob = console.current.ref
    await console.handle("before")
    await console.handle("/privacy optout")
    await console.handle("while opted out")
    await console.handle("/thanks admin")
    cid = (await app.community(KEY)).id
    assert not await record(app.services, cid, bob.id, "met", value=1)
    await console.handle("/as admin")
    await console.handle("/thanks bob")  # about bob: recorded without him as the target
    await console.handle("/as bob")
    await console.handle("/privacy optin")
    await console.handle("after")
    mine = await kinds(app, member_id=bob.id)
    assert mine == ["message", "command", "message"]  # before, /privacy optin, after
    thanks = (await events(app, kind="thanks"))[-1]
    assert thanks.target_id is None and thanks.meta is None


async def test_thanks_bad_input_changes_nothing(console: ConsoleCommunity, app: App) -> None:
    await console.handle("/thanks")
    await console.handle("/thanks admin")
    await console.handle("/thanks nobody-here")
    await console.handle("/as bob")
    await console.handle("/thanks admin")
    await console.handle("/thanks admin")
    out = console.outbox.texts("ephemeral")
    assert any("required" in t for t in out)
    assert any("can't thank yourself" in t for t in out)
    assert any("can't find a member" in t for t in out)
    assert any("already thanked admin today" in t for t in out)
    assert len(await events(app, kind="thanks")) == 1


async def test_activity_levels_for_matching(console: ConsoleCommunity, app: App, clock: Clock,
                                            recorder: Recorder) -> None:
    cid = (await app.community(KEY)).id
    ids = {}
    for name in ("quiet", "some", "busy"):
        await console.handle(f"/as {name}")
        ids[name] = console.current.ref.id
    for _ in range(2):
        await recorder.record(cid, ids["some"], "message", value=10)
    for _ in range(20):
        await recorder.record(cid, ids["busy"], "message", value=10)
    await recorder.record(cid, ids["quiet"], "message", value=5, at=clock.now - timedelta(days=60))  # too old
    levels = await activity_levels(app.services, cid)
    assert levels[ids["quiet"]] == 0.0
    assert 0 < levels[ids["some"]] < levels[ids["busy"]] == 1.0
    assert set(levels) >= set(ids.values())


async def test_events_from_the_platform_retried_delivery_are_kept_once(console: ConsoleCommunity,
                                                                       app: App) -> None:
    me = console.current.ref
    for _ in range(3):
        await app.emit(MessagePosted(key=KEY, member=me, channel=GENERAL, length=3, event_id="Ev123"))
    assert len(await events(app, kind="message")) == 1


async def test_events_after_shutdown_are_refused_not_queued(settings: Settings, caplog: pytest.LogCaptureFixture
                                                            ) -> None:
    async with running_app(settings, cogs=[Engagement], start_scheduler=False) as running:
        rec = running_recorder(running.services)
        cid = (await running.community(KEY)).id
    assert not await rec.record(cid, None, "met", value=1)
    assert rec.writer.pending == 0
    assert "after shutdown" in caplog.text


async def test_messages_in_threads_are_marked(console: ConsoleCommunity, app: App) -> None:
    me = console.current.ref
    await app.emit(MessagePosted(key=KEY, member=me, channel=GENERAL, length=7, in_thread=True))
    await app.emit(MessagePosted(key=KEY, member=me, channel=GENERAL, length=9))
    rows = await events(app, kind="message")
    assert [(r.label, r.value, r.channel) for r in rows] == [("thread", 7, "general"), (None, 9, "general")]


async def test_a_mentorship_that_starts_is_a_mentor_session_for_both(console: ConsoleCommunity, app: App) -> None:
    await console.handle("/as mira")
    mira = console.current.ref.id
    await console.handle("/mentor offer topics:rust capacity:1")
    await console.handle("/as noah")
    noah = console.current.ref.id
    await console.handle("/mentor request topic:rust goal:ship a crate")
    await console.handle("/as mira")
    await console.handle("1")  # the mentor accepts in the direct message
    rows = await events(app, kind="mentor_session")
    got = {(r.member_id, r.target_id, r.label) for r in rows}
    assert got == {(mira, noah, "mentor"), (noah, mira, "mentee")}
    assert all(r.meta and r.meta.get("intro") for r in rows)
    assert {"matched", "intro_sent"} <= set(await kinds(app, member_id=noah))


async def test_opted_out_members_leave_group_lists(console: ConsoleCommunity, app: App) -> None:
    cid = (await app.community(KEY)).id
    ids = {}
    for name in ("ana", "ben", "cy"):
        await console.handle(f"/as {name}")
        ids[name] = console.current.ref.id
    await console.handle("/privacy optout")  # cy
    group = [ids["ana"], ids["ben"], ids["cy"]]
    assert await record(app.services, cid, ids["ana"], "matched", target_id=ids["ben"], label="round", group=group)
    assert await record(app.services, cid, ids["ben"], "matched", target_id=ids["cy"], label="round", group=group)
    assert not await record(app.services, cid, ids["cy"], "matched", target_id=ids["ana"], group=group)
    rows = await events(app, kind="matched")
    assert [(r.member_id, r.target_id, r.meta) for r in rows] == [
        (ids["ana"], ids["ben"], {"group": [ids["ana"], ids["ben"]]}),  # cy is not named
        (ids["ben"], None, None),  # about cy: recorded without her
    ]
