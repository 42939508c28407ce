"""`matching.group_size` end to end: a moderator sets it in chat and the next round introduces groups of that
size (the remainder spread, nobody left out), members of an odd-sized group get priority; `/setup`'s dry run
previews the proposed schedule and group size before anything is switched on."""

from __future__ import annotations

from collections import Counter

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
        assert "Round done: 3 intros for 10 members" in last_reply(console)
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
