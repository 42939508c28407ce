"""/collab post, list, suggest, close: the card and its button, suggestions with their rules and caps, intros for a
project, through the console and the real store."""

from __future__ import annotations

import sqlalchemy as sa

from cogs.matching.collab.projects_tables import collab_interest, collab_projects, collab_suggestions
from integrations.console.repl import ConsoleCommunity
from storage.engine import sql_store
from tests.cogs.matching.console_steps import last_message, press, profile

from .conftest import Opener, intros, last_reply, sent


async def count(console: ConsoleCommunity, table: sa.Table) -> int:
    async with sql_store(console.app.services.store).read() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one())


async def seeded(console: ConsoleCommunity) -> None:
    """An owner in Berlin speaking en and de; developers and designers around, and some who must never show."""
    await profile(console, "owner", "role:founder topics:rust timezone:Europe/Berlin languages:en,de")
    for i, zone in enumerate(["Europe/Berlin", "Europe/London", "Europe/Paris", "Europe/Vienna"]):
        await profile(console, f"dev{i}", f"role:developer topics:rust timezone:{zone} languages:en")
    await profile(console, "des", "role:designer offers:figma timezone:Europe/Berlin languages:de")
    await profile(console, "ux", "offers:design, figma timezone:Europe/Rome languages:en")
    await profile(console, "finn", "role:developer timezone:Europe/Helsinki languages:fi")  # no shared language
    await profile(console, "far", "role:developer timezone:Pacific/Auckland languages:en")  # hardly awake together
    await profile(console, "lurker", "role:developer timezone:Europe/Berlin languages:en", join=False)
    await profile(console, "resting", "role:developer timezone:Europe/Berlin languages:en")
    await console.handle("/match pause weeks:2")
    await profile(console, "blocker", "role:developer timezone:Europe/Berlin languages:en")
    await console.handle("/match block owner")
    await console.handle("/as admin")
    await console.handle("/config set collab.channel projects")
    await console.handle("/as owner")


POST = "/collab post title:Website relaunch needs:developer*2, designer languages:en,de commitment:3 h a week"


async def test_post_makes_a_card_with_a_button_and_suggests_at_most_three_per_role(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await seeded(console)
        await console.handle(POST + " until:2026-06-30")
        card = sent(console, "channel", "projects")[-1]
        assert card.title == "Project: Website relaunch"
        assert [b.label for b in card.buttons] == ["I'm interested"]
        assert "developer ×2, designer" in card.plain_text() and "3 h a week" in card.plain_text()
        msg = last_message(console)
        assert "Posted “Website relaunch”" in msg.text and "card is up" in msg.text
        dev = next(f for f in msg.fields if f.name == "developer ×2")
        named = [line.split(":")[0].strip("• ") for line in dev.value.splitlines()]
        assert 1 <= len(named) <= 3
        assert set(named) <= {"dev0", "dev1", "dev2", "dev3"}  # never finn, far, lurker, resting, blocker, owner
        assert "dev0 is developer" in dev.value
        designer = next(f for f in msg.fields if f.name == "designer")
        assert {line.split(":")[0].strip("• ") for line in designer.value.splitlines()} <= {"des", "ux"}
        assert "des" in designer.value
        assert len(msg.buttons) <= 6 and all("Request intro" in b.label for b in msg.buttons)


async def test_weekly_cap_keeps_people_from_being_suggested_for_more_projects(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await seeded(console)
        await console.handle("/as admin")
        await console.handle("/config set collab.max_projects_per_week 1")
        await console.handle("/as owner")
        await console.handle("/collab post title:One needs:designer")
        first = last_message(console).plain_text()
        assert "des" in first
        await console.handle("/collab suggest project:One")  # the same project again costs no second slot
        assert "des:" in last_message(console).plain_text()
        await console.handle("/collab post title:Two needs:designer")
        assert "Nobody fits yet" in last_message(console).plain_text()
        assert await count(console, collab_suggestions) >= 1


async def test_interest_toggles_and_the_owner_hears_once(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await seeded(console)
        await console.handle(POST)
        card = sent(console, "channel", "projects")[-1]
        await press(console, card, "I'm interested")
        assert "This is your project" in last_reply(console)
        await console.handle("/as dev1")
        await press(console, card, "I'm interested")
        assert "owner knows you are interested" in last_reply(console)
        await press(console, card, "I'm interested")
        assert "no longer interested" in last_reply(console)
        await press(console, card, "I'm interested")
        told = [m for m in sent(console, "dm") if "is interested in your project" in m.text]
        assert len(told) == 1  # once per person, however often they press
        await console.handle("/collab list")
        assert "1 person interested" in last_reply(console)
        assert await count(console, collab_interest) == 1


async def test_request_intro_for_a_project_then_accept_names_the_project(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await seeded(console)
        await console.handle(POST)
        await press(console, last_message(console), "des (designer)")
        assert "Request sent to des" in last_reply(console)
        request_dm = sent(console, "dm", "des")[-1]
        assert "project “Website relaunch”, which needs designer" in request_dm.text
        await console.handle("/as des")
        await press(console, request_dm, "Accept")
        assert "introduced you to owner" in last_reply(console)
        assert sorted(intros(console)[-1]) == ["des", "owner"]
        intro = sent(console, "intro")[-1]
        assert "for the project “Website relaunch”" in intro.text


async def test_the_caps_of_match_find_hold_for_project_intros(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await seeded(console)
        await console.handle("/as admin")
        await console.handle("/config set matching.requests_per_week 1")
        await console.handle("/as owner")
        await console.handle(POST)
        msg = last_message(console)
        await press(console, msg, "(developer)")
        assert "Request sent" in last_reply(console)
        await press(console, msg, "des (designer)")
        assert "1 intro request this week" in last_reply(console)
        assert not [m for m in sent(console, "dm", "des") if "would like" in m.text]


async def test_close_by_owner_or_moderator_only(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await seeded(console)
        await console.handle(POST)
        card = sent(console, "channel", "projects")[-1]
        await console.handle("/as dev0")
        await console.handle("/collab close project:Website relaunch")
        assert "no open project “Website relaunch” of yours" in last_reply(console)
        await console.handle("/as owner")
        await console.handle("/collab close")
        assert "Closed “Website relaunch”" in last_reply(console)
        [edited] = sent(console, "channel", "projects")  # the card itself, edited: no second message
        assert edited.title == card.title and edited.buttons == []
        assert ("Status", "closed") in [(f.name, f.value) for f in edited.fields]
        await console.handle("/collab close project:Website relaunch")
        assert "no open project" in last_reply(console)
        await console.handle("/as dev0")
        await press(console, card, "I'm interested")
        assert "This project is closed." in last_reply(console)
        await console.handle("/collab list")
        assert "No open projects" in last_reply(console)
        await console.handle("/as owner")
        await console.handle("/collab post title:Second needs:designer")
        await console.handle("/as admin")  # the console's moderator
        await console.handle("/collab close project:Second")
        assert "Closed “Second”" in last_reply(console)


async def test_the_card_counts_who_is_interested(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await seeded(console)
        await console.handle(POST)
        card = sent(console, "channel", "projects")[-1]

        def interested() -> str | None:
            [now] = sent(console, "channel", "projects")
            return next((f.value for f in now.fields if f.name == "Interested"), None)

        for name in ("dev0", "dev1", "des"):
            await console.handle(f"/as {name}")
            await press(console, card, "I'm interested")
        assert interested() == "3"
        await console.handle("/as dev1")
        await press(console, card, "I'm interested")  # withdrawn
        assert interested() == "2"
        [now] = sent(console, "channel", "projects")
        assert [b.label for b in now.buttons] == ["I'm interested"]


async def test_list_shows_a_page_fitting_projects_first(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await seeded(console)
        for i in range(6):
            await console.handle(f"/collab post title:Paint {i} needs:painter")
        await console.handle("/collab post title:Code needs:developer")
        await console.handle("/as dev0")
        await console.handle("/collab list")
        text = last_reply(console)
        lines = [x for x in text.splitlines() if x.startswith("#")]
        assert len(lines) == 5 and "Code" in lines[0]
        assert "… and 2 more open projects." in text


async def test_bad_input_is_explained_and_nothing_is_stored(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await seeded(console)
        for line, answer in [
            ("/collab post title:X needs:developer*11", "1 to 10 people per role"),
            ("/collab post title:X needs:developer until:2020-01-01", "2020-01-01 has already passed"),
            ("/collab post title:X needs:developer until:soon", "“soon” is not a date"),
            ("/collab post title:X needs:, ,", "Say who you are looking for"),
            ("/collab post title:X needs:dev languages:en,de,fr,it,es,pt", "at most 5 languages"),
        ]:
            await console.handle(line)
            assert answer in last_reply(console), line
        assert await count(console, collab_projects) == 0


async def test_the_form_posts_a_project(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await seeded(console)
        await console.handle("/collab post")
        assert console.pending_form is not None
        for answer in ("Garden app", "An app for community gardens", "designer", "de", "2 h a week, until 2026-12-31"):
            await console.enter(answer)
        assert "Posted “Garden app”" in last_reply(console)
        card = sent(console, "channel", "projects")[-1]
        assert "2 h a week" in card.plain_text() and "Until" in card.plain_text()


async def test_without_a_channel_the_project_is_kept_and_listed(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await seeded(console)
        await console.handle("/as admin")
        await console.handle("/config reset collab.channel")
        await console.handle("/as owner")
        await console.handle("/collab post title:Quiet needs:designer")
        assert "No collab channel is set" in last_reply(console)
        await console.handle("/collab list")
        assert "Quiet" in last_reply(console)


async def test_module_off_and_forget(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await seeded(console)
        await console.handle(POST)
        await console.handle("/as dev1")
        await press(console, sent(console, "channel", "projects")[-1], "I'm interested")
        await console.handle("/as admin")
        await console.handle("/config module collab off")
        await console.handle("/as owner")
        await console.handle("/collab list")
        assert "switched off" in last_reply(console)
        await console.handle("/as admin")
        await console.handle("/config module collab on")
        await console.handle("/as owner")
        await console.handle("/privacy forget")
        await press(console, last_message(console), "")
        assert await count(console, collab_projects) == 0
        assert await count(console, collab_interest) == 0


async def test_only_people_who_take_part_fit_and_can_meet_are_suggested(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await seeded(console)
        for name in ("finn", "far", "lurker", "resting", "blocker"):  # each excluded for another reason
            await console.handle(f"/as {name}")
            await console.handle("/profile set offers:testing")
        await profile(console, "quit", "offers:testing timezone:Europe/Berlin languages:en")
        await console.handle("/match leave")
        await profile(console, "gone", "offers:testing timezone:Europe/Berlin languages:en")
        await console.handle("/leave")  # left the community
        await console.handle("/as owner")
        await console.handle("/profile set offers:testing")
        await console.handle("/collab post title:Tests needs:testing")
        assert "Nobody fits yet" in last_message(console).plain_text()
        await profile(console, "tess", "offers:testing timezone:Europe/Berlin languages:de")
        await console.handle("/as owner")
        await console.handle("/collab suggest project:Tests")
        text = last_message(console).plain_text()
        assert "tess: tess offers testing; tess speaks German" in text
        assert not any(f"{n}:" in text for n in ("finn", "far", "lurker", "resting", "blocker", "quit", "gone"))


async def test_in_german(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await seeded(console)
        await console.handle("/as admin")
        await console.handle("/config set community.language de")
        await console.handle("/as owner")
        await console.handle(POST + " until:31.12.2026")
        card = sent(console, "channel", "projects")[-1]
        assert card.title == "Projekt: Website relaunch" and [b.label for b in card.buttons] == ["Ich habe Interesse"]
        assert "Gesucht: developer ×2, designer" in card.plain_text() and "Bis: 31.12.2026" in card.plain_text()
        assert "„Website relaunch“ ist gepostet (#1)." in last_message(console).text
        await console.handle("/collab post title:X needs:dev*12")
        assert "Frag nach 1 bis 10 Personen je Rolle oder Fähigkeit („dev“)." in last_reply(console)
