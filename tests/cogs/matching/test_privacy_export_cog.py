"""`/privacy export` holds every feature's data about the member (matching, mentoring, collab, welcome), through the
console and the real store: their own records, others only by display name, never another member's answers; and
after `/privacy forget` nothing of it is left."""

from __future__ import annotations

import json
from typing import Any

from core.interfaces import PersonalData
from integrations.console.community import KEY
from integrations.console.repl import ConsoleCommunity
from tests.clock import FakeClock
from tests.cogs.matching.console_steps import last_message, press

from .conftest import Opener, cog, intros, last_reply, sent

SECRET_NOTE = "partner-private-note-xyz"


async def as_member(console: ConsoleCommunity, name: str, facets: str) -> None:
    await console.handle(f"/as {name}")
    await console.handle(f"/profile set {facets}")
    await console.handle("/match join")


async def history(console: ConsoleCommunity, clock: FakeClock) -> str:
    """me and p0..p2 take part; me requests an intro, blocks p2, offers mentoring, posts a project, signs up to an
    event, volunteers as greeter, gets a round intro and answers its check-in (met, would meet again); the partner
    answers too, with a private note. Returns the partner's name."""
    await as_member(console, "me", "topics:rust wants:kubernetes timezone:Europe/Berlin languages:en")
    for i in range(3):
        await as_member(console, f"p{i}", "role:production topics:smart factories,rust offers:kubernetes "
                                          "timezone:Europe/Berlin languages:en")
    await console.handle("/as admin")
    await console.handle("/collab event title:Hack day details:Saturday 10:00, room 2")
    card = sent(console, "channel")[-1]
    await console.handle("/as me")
    await press(console, card, "I'm in")
    await console.handle("/match find topic:smart factories")
    found = last_message(console)
    target = found.fields[0].name
    await press(console, found, target)
    assert f"Request sent to {target}" in last_reply(console)
    await console.handle("/match block p2")
    await console.handle("/mentor offer topics:rust capacity:2")
    await console.handle("/collab post title:Website relaunch needs:developer*2 languages:en")
    await console.handle("/greeter join")
    await console.handle("/as admin")
    await console.handle("/match run-now")
    me = console.by_name("me")
    assert me is not None
    [pair] = [g for g in intros(console) if me.ref.user_id in g]
    partner = next(u for u in pair if u != me.ref.user_id)
    clock.advance(days=4)
    await cog(console.app).tick()
    [checkin] = sent(console, "dm", me.ref.user_id)[-1:]
    await console.handle("/as me")
    await press(console, checkin, "Yes, we met")
    await press(console, last_message(console), "Yes, gladly")
    await console.handle(f"/as {partner}")
    await press(console, sent(console, "dm", partner)[-1], "Yes, we met")
    await console.handle(f"/match feedback note:{SECRET_NOTE}")
    return partner


async def export(console: ConsoleCommunity) -> tuple[str, dict[str, Any]]:
    await console.handle("/privacy export")
    kind, target, msg = console.outbox.sent[-2]
    assert kind == "dm" and target == console.current.ref.user_id
    blob = msg.files[0].data.decode("utf-8")
    return blob, json.loads(blob)


async def test_export_holds_every_feature_and_forget_empties_it(open_console: Opener, clock: FakeClock,
                                                               store_url: tuple[str, dict[str, Any]]) -> None:
    url, connect_args = store_url  # SQLite and PostgreSQL
    async with open_console(url=url, connect_args=connect_args) as (app, console):
        partner = await history(console, clock)
        await console.handle("/as me")
        me = console.current.ref.id
        blob, data = await export(console)
        features = data["features"]
        assert {"matching", "mentoring", "collab", "welcome"} <= set(features)
        matching = features["matching"][str(me)]
        assert matching["participation"]["status"] == "active"
        assert [i["with"] for i in matching["intros"] if i["kind"] == "round"] == [[partner]]
        [answer] = matching["checkin_answers"]
        assert answer["met"] == "yes" and answer["would_meet_again"] is True
        assert [b["blocked"] for b in matching["blocks"]] == ["p2"]
        assert [r["to"] for r in matching["intro_requests_made"]] and not matching["intro_requests_received"]
        assert matching["rounds"][0]["outcome"]
        mentoring = features["mentoring"][str(me)]
        assert mentoring["mentor_offer"]["topics"] == ["rust"] and mentoring["mentor_offer"]["capacity"] == 2
        collab = features["collab"][str(me)]
        assert [p["title"] for p in collab["projects"]] == ["Website relaunch"]
        assert [s["event"] for s in collab["event_signups"]] == ["Hack day"]
        assert features["welcome"][str(me)]["greeter"]["active"] is True
        assert features["config"][str(me)] == {"settings_changes": [], "setup_drafts": []}  # no moderator
        assert "T" in answer["answered_at"]  # datetimes as ISO text
        assert SECRET_NOTE not in blob  # the partner's answer is theirs, not in my export
        await console.handle("/privacy show")
        assert "intro rounds" in last_reply(console) and "collaboration" in last_reply(console)

        await console.handle(f"/as {partner}")  # the partner's own export holds their note
        partner_blob, _ = await export(console)
        assert SECRET_NOTE in partner_blob

        await console.handle("/as me")
        await console.handle("/privacy forget")
        await console.handle("1")  # confirm
        assert "Everything about you is erased" in last_reply(console)
        community = await app.community(KEY)
        for provider in app.services.all_of(PersonalData):
            left = await provider.personal_data(community.id, me)
            assert all(not v for v in left.values()), (provider.section, left)
        await console.handle("/as me")  # back as a new account: nothing of the old one
        blob, data = await export(console)
        assert "Website relaunch" not in blob and "Hack day" not in blob and "p2" not in blob
        assert all(not v for part in data["features"].values() for account in part.values()
                   for v in account.values())


async def test_each_feature_offers_its_section_once_and_withdraws_it(open_console: Opener) -> None:
    async with open_console() as (app, _console):
        sections = [p.section for p in app.services.all_of(PersonalData)]
        assert sorted(sections) == ["collab", "config", "matching", "mentoring", "welcome"]
        provider = app.services.all_of(PersonalData)[0]
        app.services.provide_many(PersonalData, provider)  # offered twice: still one
        assert len(app.services.all_of(PersonalData)) == len(sections)
    assert app.services.all_of(PersonalData) == []  # every cog withdrew its part on shutdown


async def test_a_moderators_export_names_the_settings_they_changed(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await console.handle("/as admin")
        await console.handle("/config set engagement.retention_days 200")
        _blob, data = await export(console)
        [change] = data["features"]["config"][str(console.current.ref.id)]["settings_changes"]
        assert change["key"] == "engagement.retention_days" and change["action"] == "set"
