"""Members who leave, in matching: their intro requests close, mentorships end (the mentee gets a new mentor),
nobody is introduced to or asked about them, and buttons pressed for them say so. Console and the real store."""

from __future__ import annotations

import sqlalchemy as sa

from cogs.matching.tables import matching_intros, matching_mentor_requests, matching_mentorships, matching_requests
from core.messages import Message
from integrations.console.community import KEY

from .conftest import Opener, cog, intros, last_reply, sent
from .test_matching_find_mentor_cog import press, profile


def user_id(console, name: str) -> str:  # type: ignore[no-untyped-def]
    member = console.by_name(name)
    assert member is not None
    return str(member.ref.user_id)


def proposal_to(console, mentor: str) -> Message:  # type: ignore[no-untyped-def]
    return [m for m in sent(console, "dm", mentor) if "looking for a mentor" in (m.text or "")][-1]


async def statuses(app, table) -> list[str]:  # type: ignore[no-untyped-def]
    async with app.services.store.read() as conn:
        return [r.status for r in await conn.execute(sa.select(table.c.status).order_by(table.c.id))]


async def test_a_mentor_who_leaves_is_replaced_and_comes_back_as_a_mentor(open_console: Opener) -> None:
    async with open_console() as (app, console):
        for mentor in ("mia", "max"):
            await profile(console, mentor, "languages:en")
            await console.handle("/mentor offer topics:rust capacity:1")
        await profile(console, "tom", "languages:en")
        await console.handle("/mentor request topic:rust")
        first = "mia" if sent(console, "dm", "mia") else "max"
        other = "max" if first == "mia" else "mia"
        await console.handle(f"/as {first}")
        await press(console, proposal_to(console, first), "Yes")
        assert len(intros(console)) == 1
        await console.handle(f"/leave {first}")
        # tom's mentor left: the mentorship ended and tom's request found the other mentor at once
        assert await statuses(app, matching_mentorships) == ["ended", "proposed"]
        assert "tom is looking for a mentor in rust." in (proposal_to(console, other).text or "")
        # a later mentee is not proposed to the mentor who left (their offer waits for their return)
        await profile(console, "ada", "languages:en")
        await console.handle("/mentor request topic:rust")
        assert "busy right now" in last_reply(console)
        assert len([m for m in sent(console, "dm", first) if "ada" in (m.text or "")]) == 0
        await console.handle(f"/join {first}")
        await console.handle(f"/as {first}")
        await console.handle("/mentor offer capacity:1")  # any change runs the assignment again
        assert "ada is looking for a mentor in rust." in (proposal_to(console, first).text or "")


async def test_a_mentee_who_leaves_closes_their_request_and_frees_the_mentor(open_console: Opener) -> None:
    async with open_console() as (app, console):
        await profile(console, "mia", "languages:en")
        await console.handle("/mentor offer topics:rust capacity:1")
        await profile(console, "tom", "languages:en")
        await console.handle("/mentor request topic:rust goal:learn")
        await console.handle("/leave tom")
        assert await statuses(app, matching_mentorships) == ["ended"]
        assert await statuses(app, matching_mentor_requests) == ["closed"]
        await console.handle("/as mia")
        await press(console, proposal_to(console, "mia"), "Yes")
        assert "This member is no longer here." in last_reply(console)
        assert intros(console) == []
        await profile(console, "ada", "languages:en")
        await console.handle("/mentor request topic:rust")
        assert "I have asked a mentor for you" in last_reply(console), "mia's slot is free again"


async def test_buttons_for_someone_who_left_while_the_feature_was_off_say_so(open_console: Opener) -> None:
    """The leave was not heard by a switched-off module: the buttons still check that both are here."""
    async with open_console() as (app, console):
        await profile(console, "mia", "languages:en topics:rust")
        await console.handle("/mentor offer topics:rust capacity:1")
        await profile(console, "tom", "languages:en topics:rust")
        await console.handle("/mentor request topic:rust")
        await console.handle("/as tom")
        await console.handle("/match find topic:rust")
        await press(console, [m for k, _t, m in console.outbox.sent if k == "ephemeral"][-1], "mia")
        request = [m for m in sent(console, "dm", "mia") if "Accept" in [b.label for b in m.buttons]][-1]
        await console.handle("/as admin")
        await console.handle("/config module matching off")
        await console.handle("/config module mentoring off")
        await console.handle("/leave tom")
        await console.handle("/as admin")
        await console.handle("/config module matching on")
        await console.handle("/config module mentoring on")
        await console.handle("/as mia")
        await press(console, proposal_to(console, "mia"), "Yes")
        assert "This member is no longer here." in last_reply(console)
        await press(console, request, "Accept")
        assert "This member is no longer here." in last_reply(console)
        assert intros(console) == []
        assert await statuses(app, matching_requests) == ["cancelled"]
        assert await statuses(app, matching_mentorships) == ["ended"]


async def test_requests_close_and_nobody_left_is_introduced_or_asked(open_console: Opener, clock) -> None:  # type: ignore[no-untyped-def]
    async with open_console(demo=0) as (app, console):
        for name in ("ana", "ben", "cy"):
            await profile(console, name, "languages:en topics:rust")
            await console.handle("/match join")
        await console.handle("/as ana")
        await console.handle("/match find topic:rust")
        await press(console, [m for k, _t, m in console.outbox.sent if k == "ephemeral"][-1], "ben")
        await console.handle("/as cy")
        await console.handle("/match find topic:rust")
        await press(console, [m for k, _t, m in console.outbox.sent if k == "ephemeral"][-1], "ana")
        await console.handle("/leave ana")
        assert await statuses(app, matching_requests) == ["cancelled", "cancelled"]
        await console.handle("/as ben")
        await console.handle("/match status")
        assert "0 waiting for your answer" in last_reply(console)
        await console.handle("/as cy")
        await console.handle("/match status")
        assert "; 0 of 5 sent this week" in last_reply(console), "a request to someone who left does not count"

        # ben and cy are introduced; cy leaves before the check-in: only ben is asked, about cy
        await console.handle("/as admin")
        await console.handle("/match run-now")
        [intro] = intros(console)
        assert set(intro) == {user_id(console, "ben"), user_id(console, "cy")}
        await console.handle("/leave cy")
        clock.advance(days=4)
        await cog(app).tick()
        asked = {name: [m for m in sent(console, "dm", name) if "Did you meet" in (m.text or "")]
                 for name in ("ben", "cy")}
        assert asked["cy"] == []
        [checkin] = asked["ben"]
        assert "Did you meet cy?" in (checkin.text or "")


async def test_a_planned_intro_whose_members_left_is_not_sent(open_console: Opener) -> None:
    async with open_console(demo=0) as (app, console):
        for name in ("ana", "ben"):
            await profile(console, name, "languages:en topics:rust")
            await console.handle("/match join")
        runner = cog(app).runner
        community = await app.community(KEY)
        cfg = await app.services.config.get(community.id)
        rnd = await runner.repo.claim_round(community.id, "", "2026-W10", runner.now(), runner.now(), runner.token)
        assert rnd is not None
        assert await runner._plan(community, rnd, cfg) is not None  # planned and stored, not sent yet
        await console.handle("/leave ben")
        assert await runner.send_pending(community, rnd, cfg) == 0
        assert intros(console) == []
        assert await statuses(app, matching_intros) == ["cancelled"]
