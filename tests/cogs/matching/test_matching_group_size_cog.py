"""`matching.group_size` end to end: a moderator sets it in chat and the next round introduces groups of that
size (the remainder spread, nobody left out), members of an odd-sized group get priority; `/setup`'s dry run
previews the proposed schedule and group size before anything is switched on."""

from __future__ import annotations

from collections import Counter

import pytest

from cogs.matching.texts import REASONS
from integrations.console.community import KEY

from .conftest import Opener, cog, intros, join_all, last_reply, sent

NAMES = ["ana", "ben", "chen", "dara", "eli", "fatima", "gus", "hana", "ivo", "jule"]


async def test_a_moderator_sets_groups_of_three_and_the_next_round_uses_them(open_console: Opener) -> None:
    async with open_console(demo=12) as (app, console):
        await console.handle("/as admin")
        await console.handle("/config set matching.group_size 3")
        assert (await app.services.config.get((await app.community(KEY)).id)).matching.group_size == 3
        await join_all(console, NAMES)
        await console.handle("/match preview")
        assert "People per intro: 3" in last_reply(console) and "Intros: 3" in last_reply(console)
        await console.handle("/match run-now")
        assert "Round done. Introductions: 3. Members placed: 10." in last_reply(console)
        groups = intros(console)
        assert sorted(len(g) for g in groups) == [3, 3, 4]  # 10 people: the one left over joins a group
        assert set(Counter(u for g in groups for u in g).values()) == {1}
        for message in sent(console, "intro"):
            text = message.plain_text()
            assert "Meet " in text and "you both" not in text.lower() and "you are both" not in text.lower()
        community = await app.community(KEY)
        runner = cog(app).runner
        rnd = (await runner.repo.rounds(community.id, limit=1))[0]
        outcomes = await runner.repo.outcomes(rnd.id)
        four = next(g for g in groups if len(g) == 4)
        by_user = {(await app.services.members.by_user_id(community.id, u)).id: u for g in groups for u in g}  # type: ignore[union-attr]
        odd = {by_user[m] for m, (o, _r) in outcomes.items() if o == "odd"}
        assert odd == set(four)  # the group of four is the odd one
        assert {by_user[m] for m in await runner._priority(community.id, rnd.grp)} == set(four)


async def test_group_size_is_refused_outside_its_range(open_console: Opener) -> None:
    async with open_console(demo=4) as (app, console):
        await console.handle("/as admin")
        await console.handle("/config set matching.group_size 5")
        assert "2 to 4" in last_reply(console)
        assert (await app.services.config.get((await app.community(KEY)).id)).matching.group_size == 2


async def test_setup_dry_run_previews_the_proposed_schedule(open_console: Opener) -> None:
    async with open_console(demo=8) as (app, console):
        await join_all(console, NAMES[:6])
        await console.handle("/as admin")
        await console.handle("/match schedule")
        assert "Mon" in last_reply(console)
        await console.handle("/setup schedule:fri 15 welcome:no")
        previews = [m.plain_text() for k, _t, m in console.outbox.sent
                    if k in ("reply", "ephemeral") and "Preview (nothing was sent)" in m.plain_text()]
        assert previews, "the dry run shows the matching preview"
        assert "Fri" in previews[-1] and "15:00" in previews[-1]  # the proposed schedule, not Monday's
        assert intros(console) == []
        cfg = await app.services.config.get((await app.community(KEY)).id)
        assert cfg.matching.day == "mon"  # nothing switched on yet


def test_group_templates_are_marked_for_translation() -> None:
    assert {"shared_topics_some", "same_role_some"} <= set(REASONS)


def _preview_texts(console) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.plain_text() for k, _t, m in console.outbox.sent
            if k in ("reply", "ephemeral") and "Preview (nothing was sent)" in m.plain_text()]


TWELVE = [*NAMES, "kofi", "lena"]


async def test_setup_dry_run_layers_the_proposed_settings_over_the_current_ones(open_console: Opener) -> None:
    from cogs.config.store.drafts import DraftRepo
    from core.messages import Button, Message

    from .test_matching_find_mentor_cog import press

    async with open_console(demo=14) as (app, console):
        community = await app.community(KEY)
        await join_all(console, TWELVE)
        await console.handle("/as admin")
        await console.handle("/config set matching.group_size 3")  # current: groups of three, Mondays at 9
        # /setup proposes a schedule only: the dry run keeps the current group size and shows the new schedule.
        await console.handle("/setup schedule:biweekly fri 15 Europe/Berlin welcome:no")
        text = _preview_texts(console)[-1]
        assert "People per intro: 3" in text and "Intros: 4" in text  # 12 people in groups of three
        assert "Next round: Fri 6 Mar 2026, 15:00 +0100" in text  # Europe/Berlin, not the current UTC
        # A draft that changes the group size (as "Dry run again" of such a draft runs it): groups of four.
        draft = await DraftRepo(app.services.store).save(
            community.id, None, {"matching.group_size": 4, "matching.day": "wed"}, app.services.clock())
        await press(console, Message(buttons=[Button("Dry run again", f"setup:dry:{draft}")]), "Dry run again")
        text = _preview_texts(console)[-1]
        assert "People per intro: 4" in text and "Intros: 3" in text and "Next round: Wed 4 Mar 2026" in text
        names_per_line = [line.split(":")[0].count(",") + 2 for line in text.splitlines() if line.startswith("• ")]
        assert names_per_line == [4, 4, 4]  # "A, B, C and D: why"
        # Nothing was switched on or sent: the stored settings still say groups of three on Mondays.
        cfg = await app.services.config.get(community.id)
        assert (cfg.matching.group_size, cfg.matching.day, cfg.matching.cadence) == (3, "mon", "weekly")
        assert intros(console) == []
        await console.handle("/match preview")
        assert "People per intro: 3" in last_reply(console) and "Next round: Mon 9 Mar 2026, 09:00 UTC" in last_reply(
            console)


def reason_reads_right(reason: str) -> None:
    """The one-sentence reason of a group intro: nothing addressed to a pair, "both" only for two named people,
    no part said twice."""
    assert reason.endswith(".") and "you both" not in reason.lower() and "you are both" not in reason.lower()
    clauses = reason[:-1].split("; ")
    assert len(clauses) == len(set(clauses)), reason
    for clause in clauses:
        if " both " in clause:
            who = clause.split(" both ")[0].split(" are")[0]
            assert who.count(" and ") == 1 and "," not in who, reason
        if " all " in clause and not clause.lower().startswith("you all"):
            assert "," in clause.split(" all ")[0] or clause.split(" all ")[0].count(" and ") == 1, reason


@pytest.mark.parametrize(("size", "people", "planned"), [(3, 7, [3, 4]), (4, 11, [3, 4, 4]), (4, 6, [3, 3])])
async def test_run_now_sends_intros_of_the_planned_sizes_that_read_right(
        open_console: Opener, clock, size: int, people: int, planned: list[int]) -> None:  # type: ignore[no-untyped-def]
    names = [*NAMES, "kofi"][:people]
    async with open_console(demo=14) as (app, console):
        await console.handle("/as admin")
        await console.handle(f"/config set matching.group_size {size}")
        await join_all(console, names)
        await console.handle("/match run-now")
        done = f"Round done. Introductions: {len(planned)}. Members placed: {people}. Not placed: 0."
        assert done in last_reply(console)
        groups = intros(console)
        assert sorted(len(g) for g in groups) == planned
        assert set(Counter(u for g in groups for u in g).values()) == {1}
        for message in sent(console, "intro"):
            title, reason = message.plain_text().splitlines()[:2]
            assert title.startswith("Meet ") and title.count(",") == len(message.mentions) - 2  # "A, B and C"
            reason_reads_right(reason)
            fields = {f.name: f.value for f in message.fields}
            assert "Conversation starters" in fields and "Times that suit everyone" in fields
        # Halfway through, everybody is asked about everybody else in their group.
        clock.advance(days=4)
        assert await cog(app).runner.send_checkins() == len(planned)
        asks = [m.plain_text() for k, _t, m in console.outbox.sent if k == "dm" and "Did you meet" in m.plain_text()]
        assert sorted(a.count(",") + 2 for a in asks) == sorted(n - 1 for n in planned for _ in range(n))
