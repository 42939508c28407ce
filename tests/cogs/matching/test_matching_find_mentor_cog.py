"""/match find with request/accept buttons and caps, and /mentor, through the console and the real store."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cogs.matching.tables import matching_mentorships, matching_requests
from integrations.console.community import KEY
from integrations.console.repl import ConsoleCommunity
from tests.cogs.matching.console_steps import last_message, press, profile

from .conftest import Opener, intros, last_reply, mentoring, sent


async def seeded(console: ConsoleCommunity) -> None:
    await profile(console, "me", "topics:rust wants:kubernetes timezone:Europe/Berlin languages:en,de")
    for i, zone in enumerate(["Europe/Berlin", "Europe/London", "Europe/Paris", "America/New_York", "Asia/Tokyo"]):
        await profile(console, f"p{i}", f"role:production topics:smart factories,rust offers:kubernetes "
                                         f"timezone:{zone} languages:en")
    await profile(console, "solo", "role:production offers:kubernetes languages:fi")
    await console.handle("/as me")


async def test_find_shows_at_most_three_with_reasons_and_buttons(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await seeded(console)
        await console.handle("/match find role:production offers:kubernetes")
        msg = last_message(console)
        assert msg.title == "People you could meet"
        assert 1 <= len(msg.fields) <= 3 and len(msg.buttons) == len(msg.fields)
        assert msg.fields[0].name == "p0"  # same time zone, shares rust, offers what I want
        assert "they offer kubernetes, which you want to learn" in msg.fields[0].value
        assert all(f.name not in ("me", "solo") for f in msg.fields)  # never me; solo shares no language
        await console.handle("/match find topic:cobol")
        assert "Nobody matches" in last_reply(console)
        await console.handle("/match find kubernetes")  # a bare word is a topic wish
        assert "Nobody matches" in last_reply(console)


async def test_request_accept_makes_one_intro(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await seeded(console)
        await console.handle("/match find topic:smart factories")
        await press(console, last_message(console), "p0")
        assert "Request sent to p0" in last_reply(console)
        request_dm = sent(console, "dm", "p0")[-1]
        assert "me would like to be introduced to you." in request_dm.text
        await press(console, request_dm, "Accept")
        assert "This button is not for you." in last_reply(console)  # me cannot accept for p0
        await console.handle("/as p0")
        await press(console, request_dm, "Accept")
        assert "I have introduced you to me" in last_reply(console)
        assert intros(console) == [("me", "p0")] or sorted(intros(console)[0]) == ["me", "p0"]
        intro = sent(console, "intro")[-1]
        assert "me asked for this intro." in intro.text
        await press(console, request_dm, "Accept")
        assert "already answered" in last_reply(console)
        assert len(intros(console)) == 1


async def test_decline_tells_the_requester_kindly(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await seeded(console)
        await console.handle("/match find topic:smart factories")
        await press(console, last_message(console), "p1")
        request_dm = sent(console, "dm", "p1")[-1]
        await console.handle("/as p1")
        await press(console, request_dm, "Not now")
        assert "I have let them know" in last_reply(console)
        assert "can't take on an intro right now" in sent(console, "dm", "me")[-1].text
        assert intros(console) == []


async def test_caps_on_requests(open_console: Opener) -> None:
    async with open_console(requests_per_week=2, max_open_requests=1) as (app, console):
        await seeded(console)
        await console.handle("/match find topic:smart factories")
        found = last_message(console)
        await press(console, found, "p0")
        await press(console, found, "p0")
        assert "already asked p0" in last_reply(console)
        await press(console, found, "p1")
        assert "Request sent to p1" in last_reply(console)
        await press(console, found, "p2")
        assert "the most this community allows" in last_reply(console)
        # p0 now holds one open request (the cap): nobody else gets them suggested or can request them
        await profile(console, "other", "topics:smart factories languages:en timezone:Europe/Berlin")
        await console.handle("/match find topic:smart factories")
        names = [f.name for f in last_message(console).fields]
        assert "p0" not in names and "p1" not in names
        await press(console, found, "p0")
        assert "many open requests" in last_reply(console)
        async with app.services.store.read() as conn:
            statuses = Counter(r.status for r in await conn.execute(sa.select(matching_requests)))
        assert statuses == {"open": 2}


async def test_blocked_members_are_not_suggested(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await seeded(console)
        await console.handle("/as p0")
        await console.handle("/match block me")
        await console.handle("/as me")
        await console.handle("/match find topic:smart factories")
        assert "p0" not in [f.name for f in last_message(console).fields]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
async def test_find_never_crashes_on_free_text(open_console: Opener, text: str) -> None:
    async with open_console(demo=3) as (_app, console):
        await console.handle(f"/match find topic:{text}")
        reply = last_reply(console)
        assert reply and "something went wrong" not in reply


async def test_mentor_flow_respects_capacity(open_console: Opener) -> None:
    async with open_console() as (app, console):
        await profile(console, "mia", "languages:en")
        await console.handle("/mentor offer topics:rust,go capacity:1")
        assert "up to 1 mentee at a time" in last_reply(console)
        await profile(console, "tom", "languages:en")
        await console.handle("/mentor request topic:rust goal:ship my first crate")
        assert "I have asked a mentor for you" in last_reply(console)
        proposal = sent(console, "dm", "mia")[-1]
        assert "tom is looking for a mentor in rust." in proposal.text and "ship my first crate" in proposal.text
        await profile(console, "ada", "languages:en")
        await console.handle("/mentor request topic:go")
        assert "busy right now" in last_reply(console)
        await console.handle("/mentor request topic:go")
        assert "already have a mentor request" in last_reply(console)
        await console.handle("/as mia")
        await press(console, proposal, "Yes")
        assert "introduced you to tom" in last_reply(console)
        assert len(intros(console)) == 1 and "mia mentors tom in rust." in sent(console, "intro")[-1].text
        await console.handle("/mentor status")
        assert "1 of 1: tom" in last_reply(console)
        # ending frees the slot; ada (waiting) gets a proposal at once
        await console.handle("/as tom")
        await console.handle("/mentor end")
        assert "Ended your mentorship with mia." in last_reply(console)
        assert "ada is looking for a mentor in go." in sent(console, "dm", "mia")[-1].text
        await console.handle("/as mia")
        await press(console, sent(console, "dm", "mia")[-1], "Not now")
        assert "look for another mentor" in last_reply(console)
        await console.handle("/as ada")
        await console.handle("/mentor status")
        assert "looking for a mentor" in last_reply(console)
        async with app.services.store.read() as conn:
            rows = [(r.mentor_id, r.status) for r in await conn.execute(sa.select(matching_mentorships))]
        assert [s for _m, s in rows] == ["ended", "declined"]
        community = await app.community(KEY)
        assert await mentoring(app).assign(community) != {}  # ada still waits: mia declined her


async def test_mentor_bad_input(open_console: Opener) -> None:
    async with open_console(demo=2) as (_app, console):
        await console.handle("/mentor offer")
        assert "Tell me the topics" in last_reply(console)
        await console.handle("/mentor offer topics:rust capacity:99")
        assert "at most 20" in last_reply(console)
        await console.handle("/mentor end")
        assert "no mentorship" in last_reply(console)
        await console.handle("/mentor request")
        assert "required" in last_reply(console)
        await console.handle("/mentor request topic:cobol")
        assert "Nobody mentors in cobol yet" in last_reply(console)
        await console.handle("/mentor status")
        assert "looking for a mentor" in last_reply(console)


async def test_status_lets_the_target_answer_without_the_dm(open_console: Opener) -> None:
    async with open_console() as (_app, console):
        await seeded(console)
        await console.handle("/match find topic:smart factories")
        found = last_message(console)
        await press(console, found, "p0")
        await console.handle("/as other")
        await console.handle("/profile set topics:smart factories languages:en timezone:Europe/Berlin")
        await console.handle("/match find topic:smart factories")
        await press(console, last_message(console), "p0")
        await console.handle("/as p0")
        await console.handle("/match status")  # the request DMs scrolled away; status offers the answers
        status = last_message(console)
        assert "2 waiting for your answer" in status.plain_text()
        assert [b.label for b in status.buttons] == ["Accept me", "Decline me", "Accept other", "Decline other"]
        await press(console, status, "Decline other")
        assert "I have let them know" in last_reply(console)
        await press(console, status, "Accept me")
        assert "I have introduced you to me" in last_reply(console)
        assert [sorted(g) for g in intros(console)] == [["me", "p0"]]
        await console.handle("/match status")
        assert last_message(console).buttons == [] and "0 waiting" in last_reply(console)
        await press(console, status, "Accept other")
        assert "already answered" in last_reply(console)
