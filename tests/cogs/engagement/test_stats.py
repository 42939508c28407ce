"""Moderators' answers end to end: /stats, /segment, staff tagging, charts, and the retention purge."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from cogs.engagement.analytics import Analytics
from cogs.engagement.recorder import Recorder
from cogs.engagement.store.crm import CrmRecord, CrmRepo
from cogs.engagement.tables import engagement_daily
from core.dispatcher import App
from core.events import MemberLeft
from integrations.console.community import KEY
from integrations.console.repl import ConsoleCommunity
from tests.cogs.engagement.conftest import Clock
from tests.cogs.engagement.helpers import events


async def people(console: ConsoleCommunity, *names: str) -> dict[str, int]:
    ids = {}
    for n in names:
        await console.handle(f"/as {n}")
        ids[n] = console.current.ref.id
    await console.handle("/as admin")
    return ids


def field(console: ConsoleCommunity, name: str) -> str:
    msg = console.outbox.sent[-1][2]
    return next(f.value for f in msg.fields if f.name == name)


def number(console: ConsoleCommunity, name: str) -> str:
    """An overview number without what it is and how it changed ("4 · at the end of the period\n▲ 1 …")."""
    return field(console, name).split(" · ")[0]


async def test_overview_counts(console: ConsoleCommunity, app: App, recorder: Recorder, clock: Clock) -> None:
    cid = (await app.community(KEY)).id
    ids = await people(console, "ana", "ben", "cy", "dee")
    now = clock.now
    for who in ("ana", "ben"):
        await recorder.record(cid, ids[who], "joined", at=now - timedelta(days=3))
    await recorder.record(cid, ids["dee"], "left", at=now - timedelta(days=2))
    for _ in range(4):
        await recorder.record(cid, ids["ana"], "message", value=20, at=now - timedelta(days=1))
    await recorder.record(cid, ids["ben"], "message", value=5, at=now - timedelta(days=20))
    await recorder.record(cid, ids["cy"], "thanks", target_id=ids["ana"], at=now - timedelta(hours=2))
    await recorder.record(cid, ids["ana"], "matched", target_id=ids["ben"], value=1, label="round")
    await recorder.record(cid, ids["ben"], "matched", target_id=ids["ana"], value=1, label="round")
    await recorder.record(cid, ids["ana"], "met", target_id=ids["ben"], value=1, label="yes")
    await recorder.record(cid, ids["ben"], "met", target_id=ids["ana"], value=0, label="no")
    await console.handle("/leave dee")
    await console.handle("/stats overview period:week")
    assert number(console, "Members") == "4"  # admin, ana, ben, cy (dee left)
    assert number(console, "New members") == "2"
    assert number(console, "Members who left") == "1"
    assert number(console, "Messages") == "4"  # ben's message is older than a week
    assert number(console, "Monthly active") == "3"  # ana, ben, cy (this /stats is logged after it ran)
    assert number(console, "Thanks") == "1"
    assert number(console, "Members matched") == "2 of 4 members (50%)"
    assert number(console, "Intros that met") == "1 of 2 answers (50%)"
    assert "in the period" in field(console, "Messages") and "▲ 4 vs the previous 7 days" in field(console, "Messages")


async def test_staff_and_bots_are_left_out(console: ConsoleCommunity, app: App, recorder: Recorder) -> None:
    cid = (await app.community(KEY)).id
    ids = await people(console, "ana", "helpdesk")
    await recorder.record(cid, ids["helpdesk"], "message", value=10)
    await recorder.record(cid, ids["ana"], "message", value=10)
    await console.handle("/stats staff helpdesk")
    assert "tagged as staff" in console.outbox.texts()[-1]
    await console.handle("/stats staff admin")
    await console.handle("/stats overview")
    assert number(console, "Members") == "1"
    assert number(console, "Messages") == "1"
    await console.handle("/stats staff helpdesk staff:no")
    assert "counts as a community member again" in console.outbox.texts()[-1]
    await console.handle("/stats overview")
    assert number(console, "Members") == "2"


async def test_top_me_and_permissions(console: ConsoleCommunity, app: App, recorder: Recorder) -> None:
    cid = (await app.community(KEY)).id
    ids = await people(console, "ana", "ben", "cy")
    for giver in ("ben", "cy"):
        await recorder.record(cid, ids[giver], "thanks", target_id=ids["ana"])
    now = app.services.clock()
    for i in range(30):  # on 15 different days
        await recorder.record(cid, ids["ben"], "message", value=10, at=now - timedelta(days=i // 2, minutes=1))
    await console.handle("/stats top")
    text = console.outbox.texts()[-1]
    assert "1. ana: 2 thanks" in text
    await console.handle("/stats top by:activity platform:console")
    assert "1. ben" in console.outbox.texts()[-1]
    await console.handle("/as ben")
    await console.handle("/stats top")
    assert "Only a moderator" in console.outbox.texts()[-1]
    await console.handle("/stats me")
    assert number(console, "Messages") == "30"
    assert field(console, "Thanks given") == "1"
    assert field(console, "Activity level") == "very active"
    await console.handle("/as cy")  # ranks high among few active members, but was active on one day only
    await console.handle("/stats me")
    assert field(console, "Activity level") == "occasional"


async def test_segments_from_crm(console: ConsoleCommunity, app: App, recorder: Recorder) -> None:
    cid = (await app.community(KEY)).id
    ids = await people(console, "ana", "ben")
    await recorder.record(cid, ids["ana"], "message", value=10)
    await console.handle("/stats segments")
    assert "No CRM data yet" in console.outbox.texts()[-1]
    await CrmRepo(app.services.store).upsert_many([
        CrmRecord("email", "ana@x.org", {"email": "ana@x.org", "console": "ana", "plan": "pro"}),
        CrmRecord("email", "ben@x.org", {"email": "ben@x.org", "console": "ben", "plan": "free"}),
        CrmRecord("email", "zoe@x.org", {"email": "zoe@x.org", "plan": "pro"}),
    ], app.services.clock())
    await console.handle("/stats segments")
    assert "active 1 · passive 1 · not in the community 1" in console.outbox.texts()[-1]
    await console.handle("/stats segments attribute:plan")
    assert field(console, "pro") == "active 1 · passive 0 · not in the community 1"
    assert field(console, "free") == "active 0 · passive 1 · not in the community 0"
    await console.handle("/stats segments attribute:colour")
    assert "There is no CRM attribute “colour”" in console.outbox.texts()[-1]


async def test_ready_made_segments(console: ConsoleCommunity, app: App, recorder: Recorder, clock: Clock) -> None:
    cid = (await app.community(KEY)).id
    ids = await people(console, "newbie", "lurker", "star", "helper")
    now = clock.now
    for name, days in (("newbie", 5), ("lurker", 10)):
        await app.services.members.upsert(cid, console.by_name(name).ref, joined_at=now - timedelta(days=days))  # type: ignore[union-attr]
    await recorder.record(cid, ids["newbie"], "message", value=3, at=now - timedelta(days=1))
    for i in range(40):
        await recorder.record(cid, ids["star"], "message", value=50, at=now - timedelta(days=20, minutes=i))
    await recorder.record(cid, ids["helper"], "message", value=5, at=now - timedelta(days=40))
    await recorder.record(cid, ids["newbie"], "thanks", target_id=ids["helper"], at=now - timedelta(days=1))
    await console.handle("/segment list")
    text = console.outbox.texts()[-1]
    assert "new_active (1)" in text and "at_risk (1)" in text and "top_helpers (1)" in text
    assert "recently_inactive (1)" in text
    await console.handle("/segment show at_risk")
    assert "lurker" in console.outbox.texts()[-1]
    await console.handle("/segment show recently_inactive")
    assert "star" in console.outbox.texts()[-1]
    await console.handle("/segment show name:top_helpers file:yes")
    data = console.outbox.sent[-1][2].files[0].data.decode()
    assert data.splitlines()[0].startswith("member_id,platform,user_id")
    assert ",helper," in data
    for named in ("name:newcomers at risk", "name:Newcomers at risk", "at-risk"):  # as the README and /segment list say
        await console.handle(f"/segment show {named}")
        assert "lurker" in console.outbox.texts()[-1], named
    await console.handle("/segment show name:top helpers")
    assert "helper" in console.outbox.texts()[-1]
    await console.handle("/segment show nonsense")
    refused = console.outbox.texts()[-1]
    assert "no segment “nonsense”" in refused and "at_risk (Newcomers at risk)" in refused


async def test_retention(console: ConsoleCommunity, app: App, recorder: Recorder, clock: Clock) -> None:
    cid = (await app.community(KEY)).id
    ids = await people(console, "m1", "m2", "o1", "o2")
    now = clock.now
    for name in ids:
        await app.services.members.upsert(cid, console.by_name(name).ref, joined_at=now - timedelta(days=100))  # type: ignore[union-attr]
    await recorder.record(cid, ids["m1"], "matched", target_id=ids["o2"], value=1, label="round",
                          at=now - timedelta(days=95))
    await recorder.record(cid, ids["m2"], "buddy_assigned", target_id=ids["o2"], label="greeting",
                          at=now - timedelta(days=99))  # welcomed with an onboarding buddy
    await recorder.record(cid, ids["m1"], "message", value=5, at=now - timedelta(days=5))
    await recorder.record(cid, ids["o1"], "message", value=5, at=now - timedelta(days=60))  # day 40
    await console.handle("/stats retention")
    assert field(console, "30 days") == "matched or buddy: 1 of 2 (50%) · others: 1 of 2 (50%)"
    assert field(console, "90 days") == "matched or buddy: 1 of 2 (50%) · others: 0 of 2 (0%)"


async def test_chart_is_a_png(console: ConsoleCommunity, recorder: Recorder, app: App) -> None:
    await console.handle("hello")
    await console.handle("/stats chart members period:week")
    msg = console.outbox.sent[-1][2]
    assert msg.files and msg.files[0].data.startswith(b"\x89PNG\r\n\x1a\n")
    await console.handle("/stats chart")
    assert "required" in console.outbox.texts()[-1]
    await console.handle("/stats chart pie")
    assert "not allowed" in console.outbox.texts()[-1]


async def test_retention_purge_keeps_counts(console: ConsoleCommunity, app: App, recorder: Recorder,
                                           clock: Clock) -> None:
    cid = (await app.community(KEY)).id
    ids = await people(console, "ana", "ben")
    await app.services.overrides.set_many(cid, {"engagement.retention_days": 30}, by="test")
    await app.services.config.changed(cid, {"engagement.retention_days"})
    old = (clock.now - timedelta(days=45)).replace(hour=12, minute=0)  # all three on one day, at any time of day
    for who in ("ana", "ben"):
        await recorder.record(cid, ids[who], "message", value=9, at=old)
    await recorder.record(cid, ids["ana"], "message", value=9, at=old + timedelta(minutes=5))
    await recorder.record(cid, ids["ana"], "message", value=9, at=clock.now - timedelta(days=2))
    assert await recorder.flush()
    analytics = Analytics(app.services.store, app.services.config)
    before = await analytics.overview(cid, 90, clock.now)
    cog = app.cog("engagement")
    assert cog is not None
    purged = await cog.purge_all()  # type: ignore[attr-defined]
    assert purged == 3
    left = await events(app, kind="message")
    assert len(left) == 1 and left[0].at > clock.now - timedelta(days=30)
    async with app.services.store.read() as conn:
        rolled = {(r.kind): (r.events, r.people) for r in await conn.execute(sa.select(engagement_daily))}
    assert rolled["message"] == (3, 2) and rolled["_active"] == (0, 2)
    after = await analytics.overview(cid, 90, clock.now)
    assert after.messages == before.messages == 4
    assert round(after.dau * 90) == round(before.dau * 90)
    assert await cog.purge_all() == 0  # type: ignore[attr-defined]


async def test_staff_counted_when_the_community_says_so(console: ConsoleCommunity, app: App,
                                                        recorder: Recorder) -> None:
    cid = (await app.community(KEY)).id
    ids = await people(console, "ana", "helpdesk")
    await console.handle("/stats staff helpdesk")
    await recorder.record(cid, ids["helpdesk"], "message", value=10)
    await console.handle("/stats overview")
    assert number(console, "Members") == "2" and "staff and bots are left out" in console.outbox.texts()[-1]
    await console.handle("/config set engagement.exclude_staff false")
    await console.handle("/stats overview")
    assert number(console, "Members") == "3" and number(console, "Messages") == "1"
    assert "staff and bots are counted too" in console.outbox.texts()[-1]


def test_chart_summaries() -> None:
    from cogs.engagement.stats import chart_summary
    from core.i18n import translator

    series = [("2025-01-01", 2.0), ("2025-01-02", 3.0), ("2025-01-03", 0.0), ("2025-01-04", 4.0)]
    en, de = translator("en"), translator("de")
    assert chart_summary("messages", series, en) == "9 in total"
    assert chart_summary("active", series, en) == "2.2 a day on average"
    assert chart_summary("members", series, en) == "4 now"
    assert chart_summary("members", [], en) == ""
    assert chart_summary("thanks", series, de) != "9 in total"  # translated


async def test_a_member_who_left_is_no_superuser_and_in_no_segment_but_counts_in_retention(
        console: ConsoleCommunity, app: App, recorder: Recorder, clock: Clock) -> None:
    """A leaver's past helpfulness and activity stay in the log, but /stats top, the segments and the active
    people of the charts are about members; retention is about newcomers, and for a newcomer, leaving is the
    outcome it measures: they stay in it, as not retained."""
    cid = (await app.community(KEY)).id
    ids = await people(console, "gone", "stays")
    now = clock.now
    for name in ids:
        await app.services.members.upsert(cid, console.by_name(name).ref, joined_at=now - timedelta(days=40))  # type: ignore[union-attr]
    for name in ids:
        await recorder.record(cid, ids["stays" if name == "gone" else "gone"], "thanks", target_id=ids[name],
                              at=now - timedelta(days=2))
        for i in range(5):
            await recorder.record(cid, ids[name], "message", value=20, at=now - timedelta(days=1, minutes=i))
    await recorder.record(cid, ids["gone"], "thanks", target_id=ids["gone"], at=now - timedelta(days=2))
    await console.handle("/stats top")
    assert "1. gone" in console.outbox.texts()[-1]
    await console.handle("/leave gone")
    for command in ("/stats top", "/stats top by:activity"):
        await console.handle(command)
        assert "gone" not in console.outbox.texts()[-1] and "stays" in console.outbox.texts()[-1]
    await console.handle("/segment show top_helpers")
    assert "gone" not in console.outbox.texts()[-1] and "stays" in console.outbox.texts()[-1]
    series = dict(await Analytics(app.services.store, app.services.config).series(cid, "active", 7, clock.now))
    yesterday = (now - timedelta(days=1, minutes=2)).strftime("%Y-%m-%d")
    assert series[yesterday] == 1, "stays; not gone, though active that day too"
    await console.handle("/stats retention")  # gone left on day 40: still there, and active, on day 30
    assert field(console, "30 days") == "matched or buddy: 0 of 0 (0%) · others: 2 of 2 (100%)"
    early = console.add_member("early")
    early.ref = await app.resolve_member(await app.community(KEY), early.ref)
    await app.services.members.upsert(cid, early.ref, joined_at=now - timedelta(days=40))
    await recorder.record(cid, early.ref.id, "message", value=5, at=now - timedelta(days=3))
    await app.emit(MemberLeft(key=KEY, member=early.ref, at=now - timedelta(days=15)))  # left on day 25
    await console.handle("/stats retention")
    assert field(console, "30 days") == "matched or buddy: 0 of 0 (0%) · others: 2 of 3 (67%)"
