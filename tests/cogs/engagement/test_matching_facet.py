"""Engagement feeds matching: the activity level is a facet of the real matching score, switchable per community.

Four members with the same profile take part in the intro round; two of them are busy in the log, two are quiet.
With the facet on, each quiet member is paired with a busy one (who is told to show them around); with
`matching.use_activity` off for this community, activity plays no part in the pairing or its explanation.
"""

from __future__ import annotations

import re

from cogs.engagement.api import activity_levels
from core.dispatcher import App
from integrations.console.community import KEY
from integrations.console.repl import ConsoleCommunity
from tests.cogs.engagement.conftest import Clock

PROFILE = "/profile set topics:python timezone:Europe/Berlin languages:en role:developer"


async def pairs_in_preview(console: ConsoleCommunity) -> tuple[list[frozenset[str]], str]:
    await console.handle("/as admin")
    await console.handle("/match preview")
    text = console.outbox.texts()[-1]
    found = [frozenset(m.groups()) for m in re.finditer(r"• (\w+) and (\w+):", text)]
    return found, text


async def test_quiet_members_are_paired_with_active_ones(console: ConsoleCommunity, app: App,
                                                         clock: Clock) -> None:
    for name in ("ana", "ben", "cy", "dee"):
        await console.handle(f"/as {name}")
        await console.handle(PROFILE)
        await console.handle("/match join")
        if name in ("ana", "ben"):
            for i in range(8):
                await console.handle(f"message {i} from {name}")
    clock.catch_up()
    cid = (await app.community(KEY)).id
    levels = await activity_levels(app.services, cid)
    ids = {n: console.by_name(n).ref.id for n in ("ana", "ben", "cy", "dee")}  # type: ignore[union-attr]
    assert min(levels[ids["ana"]], levels[ids["ben"]]) > max(levels[ids["cy"]], levels[ids["dee"]])

    pairs, text = await pairs_in_preview(console)
    assert len(pairs) == 2
    for pair in pairs:
        assert len(pair & {"ana", "ben"}) == 1, text  # one busy and one quiet member in every pair
    assert "knows the community well and can show" in text

    await console.handle("/config set matching.use_activity false")  # this community only
    pairs, text = await pairs_in_preview(console)
    assert len(pairs) == 2
    assert "knows the community well" not in text


async def test_activity_levels_cover_every_present_member(console: ConsoleCommunity, app: App,
                                                          clock: Clock) -> None:
    await console.handle("/as zed")
    await console.handle("/as admin")
    await console.handle("hello")
    clock.catch_up()
    cid = (await app.community(KEY)).id
    levels = await activity_levels(app.services, cid)
    zed = console.by_name("zed")
    admin = console.by_name("admin")
    assert zed is not None and admin is not None
    assert levels[zed.ref.id] == 0.0 and levels[admin.ref.id] == 1.0
    assert all(0.0 <= v <= 1.0 for v in levels.values())
