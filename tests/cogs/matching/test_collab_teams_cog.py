"""/collab event and /collab teams through the console and the real store: the card and its buttons, the preview,
Confirm (each team introduced once, whoever presses again), Cancel, the engagement log, /privacy forget, German."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from cogs.matching.collab.teams import CollabTeams, team_key
from cogs.matching.collab.teams_tables import collab_signups, collab_teams
from core.messages import Message
from integrations.console.community import KEY
from integrations.console.repl import ConsoleCommunity
from storage.engine import sql_store
from tests.clock import FakeClock
from tests.cogs.matching.console_steps import last_message, press

from .conftest import Opener, intros, last_reply, sent

PEOPLE = [("ana", "role:developer"), ("ben", "role:developer"), ("cleo", "role:designer"),
          ("dan", "offers:domain"), ("eve", "role:developer"), ("fay", "role:developer"),
          ("gus", "role:designer offers:domain"), ("hal", "role:marketing")]


async def rows(console: ConsoleCommunity, query: sa.Select) -> list[sa.Row]:
    async with sql_store(console.app.services.store).read() as conn:
        return list((await conn.execute(query)).all())


async def event_with_people(console: ConsoleCommunity) -> Message:
    """An event card posted by admin, and eight people who pressed “I'm in” (one of them twice, one out again)."""
    await console.handle("/collab event title:Hack day details:Saturday 10:00, room 2")
    card = sent(console, "channel")[-1]
    assert "Event 1 is posted" in last_reply(console)
    for name, facets in [*PEOPLE, ("ida", "role:developer")]:
        await console.handle(f"/as {name}")
        await console.handle(f"/profile set {facets} timezone:Europe/Berlin languages:en")
        await press(console, card, "I'm in")
    await press(console, card, "I'm out")  # ida changed her mind
    assert "You're out of “Hack day”" in last_reply(console)
    await console.handle("/as ana")
    await press(console, card, "I'm in")
    assert "You're in for “Hack day” (8 people so far)" in last_reply(console)
    await console.handle("/as admin")
    return card


async def test_event_teams_preview_then_confirm_introduces_each_team_once(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        card = await event_with_people(console)
        assert card.title == "Hack day" and "Saturday 10:00" in card.plain_text()
        await console.handle("/collab teams size:4 needs:developer*2,designer,domain event:1")
        preview = last_message(console)
        text = preview.plain_text()
        assert preview.title == "Team preview"
        assert "Teams of 4 for the event “Hack day”" in text
        assert "Each team needs: developer*2, designer, domain" in text
        assert "1 need stays uncovered." in text
        assert [f.name for f in preview.fields] == ["Team 1", "Team 2"]
        assert "— designer" in preview.fields[0].value and "Still needed: " in text
        assert intros(console) == []  # nothing is sent before Confirm
        await press(console, preview, "Confirm")
        assert last_reply(console) == "Introduced 2 teams."
        made = intros(console)
        assert len(made) == 2 and sorted(len(t) for t in made) == [4, 4]
        intro = sent(console, "intro")[0]
        assert intro.title.startswith("Your team:") and "Who brings what" in [f.name for f in intro.fields]
        assert "the event “Hack day”" in intro.text
        await press(console, preview, "Confirm")  # a second press introduces nobody again
        assert last_reply(console) == "These teams are introduced already."
        assert len(intros(console)) == 2


async def test_cancel_sends_nothing_and_bad_input_changes_nothing(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await event_with_people(console)
        await console.handle("/collab teams size:4 needs:developer*0 event:1")
        assert "a need counts at least one person" in last_reply(console)
        await console.handle("/collab teams size:3 needs:a,b,c,d event:1")
        assert "The needs name 4 people, more than a team of 3." in last_reply(console)
        await console.handle("/collab teams size:4 event:9")
        assert "There is no event 9" in last_reply(console)
        await console.handle("/collab teams size:4 group:nobody-here")
        assert "Nobody takes part in the group “nobody-here” yet." in last_reply(console)
        assert await rows(console, sa.select(collab_teams)) == []
        await console.handle("/collab teams size:4 event:1")
        preview = last_message(console)
        assert "No roles asked for" in preview.plain_text()
        await console.handle("/as ana")
        await press(console, preview, "Confirm")
        assert "moderator" in last_reply(console)  # only moderators confirm
        await console.handle("/as admin")
        await press(console, preview, "Cancel")
        assert last_reply(console) == "Cancelled: no team was introduced."
        await press(console, preview, "Confirm")
        assert "cancelled" in last_reply(console) and intros(console) == []


async def test_a_match_group_and_the_unplaced_with_their_reason(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        for name, facets in [*PEOPLE[:6], ("yuki", "role:developer languages:ja")]:
            await console.handle(f"/as {name}")
            await console.handle(f"/profile set {facets} timezone:Europe/Berlin")
            await console.handle("/match join group:cohort 3")
        await console.handle("/as admin")
        await console.handle("/collab teams size:3 needs:developer,designer group:cohort 3")
        preview = last_message(console)
        text = preview.plain_text()
        assert "Teams of 3 for the group “cohort 3”" in text
        assert "yuki: shares no language with anyone else" in text
        await press(console, preview, "Confirm")
        assert last_reply(console) == "Introduced 2 teams."


async def test_the_event_card_counts_who_is_in_as_people_press(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await console.handle("/collab event title:Hack day details:Saturday 10:00, room 2")
        card = sent(console, "channel")[-1]
        assert card.fields == []  # nobody yet

        def shown() -> list[tuple[str, str]]:
            [now] = sent(console, "channel")  # the card itself, edited in place
            assert [b.custom_id for b in now.buttons] == ["collab:ev:in:1", "collab:ev:out:1"]
            assert "Saturday 10:00" in now.text
            return [(f.name, f.value) for f in now.fields]

        for name, label, expected in [("ana", "I'm in", "1 person"), ("ben", "I'm in", "2 people"),
                                      ("cleo", "I'm in", "3 people"), ("ana", "I'm out", "2 people"),
                                      ("ana", "I'm out", "2 people")]:
            await console.handle(f"/as {name}")
            await press(console, card, label)
            assert shown() == [("Who's in", expected)]
        await console.handle("/as admin")
        await console.handle("/config set community.language de")
        await console.handle("/as ana")
        await press(console, card, "I'm in")
        assert shown() == [("Dabei", "3 Personen")]  # the card speaks the community's language now


async def test_forget_removes_sign_ups_and_german_texts(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await event_with_people(console)
        await console.handle("/as hal")
        hal = console.current.ref.id
        await console.handle("/privacy forget")
        await console.handle("1")  # confirm
        await console.handle("/as admin")
        members = {r.member_id for r in await rows(console, sa.select(collab_signups.c.member_id))}
        assert len(members) == 7 and hal not in members
        await console.handle("/config set community.language de")
        await console.handle("/collab teams size:4 needs:developer*2,designer event:1")
        text = last_message(console).plain_text()
        assert "Teamvorschau" in last_message(console).title and "für die Veranstaltung „Hack day“" in text


async def test_a_confirmed_formation_cut_off_midway_is_finished_once_after_a_restart(
        open_console: Opener, clock: FakeClock) -> None:
    async with open_console() as (app, console):
        await event_with_people(console)
        await console.handle("/collab teams size:4 needs:developer*2,designer event:1")
        found = app.cog("collab_teams")
        assert isinstance(found, CollabTeams)
        community = await app.community(KEY)
        # Confirm was pressed and the first team's intro went out, then the process died before recording it
        assert await found.teams.move(1, ("preview",), "sending", clock())
        first = (await found.teams.teams(1))[0]
        refs = [r for r in [await app.services.members.get(m) for m in first.members] if r is not None]
        await found.deliverer.introduce(app.messenger(community.platform), community, team_key(1, 1),
                                        [r.ref for r in refs], Message(text="Meet your team"))
        transcript = console.outbox
    clock.advance(minutes=1)
    async with open_console(outbox=transcript) as (app, console):
        found = app.cog("collab_teams")
        assert isinstance(found, CollabTeams)
        await found.ready()
        seen = Counter(u for group in intros(console) for u in group)
        assert len(seen) == 8 and set(seen.values()) == {1}  # everyone introduced, nobody twice
        assert [t.status for t in await found.teams.teams(1)] == ["sent", "sent"]
        assert (await found.teams.formation(community.id, 1)).status == "done"  # type: ignore[union-attr]
