"""One departure scenario, driven on every platform: a member who left is never matched, suggested, chosen as a
buddy, greeted, nudged or counted active, and coming back undoes it.

Each platform's test module gives a `Community`: how a member runs a command, presses a button, posts, arrives
and departs there (console `/join` and `/leave`, a Slack `team_join` and a `user_change` with `deleted`, a
Discord GUILD_MEMBER_ADD and GUILD_MEMBER_REMOVE), and what a member received by direct message. The scenario
reads what the bot answered on the platform, and the store for what the platform does not show (who a round
placed, whose buddy is whom, the state of a request).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa

from cogs.matching.messages import REQUEST_ID
from cogs.matching.store.repo import MatchingRepo
from cogs.matching.tables import matching_requests
from cogs.welcome.store.repo import WelcomeRepo
from core.dispatcher import App
from tests.clock import FakeClock

MEMBERS = ("ana", "ben", "cleo", "dev")
"""Take part in the rounds with the same interests; ben and cleo volunteer as greeters; cleo leaves."""
NEWCOMERS = ("nia", "noor", "ned")
"""nia stays; noor leaves before her greeting is due; ned leaves after being greeted, before the nudge."""
MODERATOR = "mod"

WELCOME = {"delay_seconds": 60, "buddy": True, "buddy_reminder_days": 0, "digest_day": 0, "nudge_day": 3}
"""Welcome settings of the scenario: greeted a minute after joining, with a buddy; nudged on day 3."""


@dataclass
class Reply:
    """What the bot answered to a command or a press, as the member sees it."""

    text: str
    fields: dict[str, str] = field(default_factory=dict)


class Community(Protocol):
    app: App
    clock: FakeClock

    def name(self, who: str) -> str:
        """How the member's name shows in the bot's answers."""

    async def command(self, who: str, path: str, **options: Any) -> Reply:
        """`who` runs `/path` with typed options and gets the bot's answer."""

    async def press(self, who: str, custom_id: str) -> Reply:
        """`who` presses the button with this id on the bot's last message that has it."""

    async def post(self, who: str, text: str) -> None:
        """`who` posts a message in the community's general channel (and the bot has taken it in)."""

    async def arrive(self, who: str) -> None:
        """`who` joins (or comes back), and the bot has taken it in."""

    async def depart(self, who: str) -> None:
        """`who` leaves (or is deactivated), and the bot has taken it in."""

    def dms(self, who: str) -> list[str]:
        """The texts of the direct messages the bot sent `who`."""

    async def member_id(self, who: str) -> int:
        """The member's id in the store."""

    async def community_id(self) -> int:
        """The community's id in the store."""


async def overview(c: Community) -> dict[str, str]:
    """`/stats overview` as the moderator; asked twice, so that the moderator's own first command (logged after
    it ran) is counted in both readings the scenario compares."""
    await c.command(MODERATOR, "stats overview", period="month")
    fields = (await c.command(MODERATOR, "stats overview", period="month")).fields
    return {name: value.split(" · ")[0] for name, value in fields.items()}  # the number, not its period


async def tick(c: Community) -> None:
    """The welcome flow's periodic work, after the test moved the clock."""
    welcome = c.app.cog("welcome")
    assert welcome is not None
    await welcome.tick()  # type: ignore[attr-defined]


def greeted(c: Community, who: str) -> bool:
    return any("Welcome to" in text for text in c.dms(who))


def nudged(c: Community, who: str) -> bool:
    return any("a few days ago" in text for text in c.dms(who))


async def request_status(c: Community, requester: int, target: int) -> list[str]:
    async with c.app.services.store.read() as conn:
        return [r.status for r in await conn.execute(sa.select(matching_requests.c.status).where(
            matching_requests.c.requester_id == requester, matching_requests.c.target_id == target))]


async def run_departure_scenario(c: Community) -> None:
    """The whole story; each platform's test calls it with its own `Community`."""
    for who in MEMBERS:
        await c.command(who, "profile set", topics="rust", languages="en")
        assert "You're in" in (await c.command(who, "match join")).text
    for who in ("ben", "cleo"):
        await c.command(who, "greeter join", capacity=5)
    await c.post("ana", "hello everyone")
    await c.post("cleo", "hi, cleo here")
    found = await c.command("ana", "match find", topic="rust")
    assert c.name("cleo") in found.text, "before leaving, cleo is suggested"
    ids = {who: await c.member_id(who) for who in MEMBERS}
    assert "Request sent" in (await c.press("ana", REQUEST_ID.format(target_id=ids["cleo"]))).text
    before = await overview(c)

    for who in NEWCOMERS:
        await c.arrive(who)
    await c.depart("cleo")
    await c.depart("noor")
    cid = await c.community_id()
    row = await c.app.services.members.get(ids["cleo"])
    assert row is not None and row.left_at is not None
    dms_to_cleo = len(c.dms("cleo"))

    # greeted after the delay: nia and ned, each with ben as buddy (cleo, a greeter, left); noor left before
    c.clock.advance(seconds=61)
    await tick(c)
    assert greeted(c, "nia") and greeted(c, "ned")
    assert not greeted(c, "noor") and c.dms("noor") == []
    welcome = WelcomeRepo(c.app.services.store)
    for who in ("nia", "ned"):
        buddy = await welcome.buddy_of(cid, await c.member_id(who))
        assert buddy is not None and buddy.buddy_id == ids["ben"]
    assert (await welcome.steps_of(cid, await c.member_id("noor")))["greeted"].detail == "left"

    # nudged on day 3: nia, still quiet; not ned, who left in between
    await c.depart("ned")
    c.clock.advance(days=3, minutes=1)
    await tick(c)
    assert nudged(c, "nia") and not nudged(c, "ned")

    # matched: the round places the three present members, never cleo
    assert "Round done" in (await c.command(MODERATOR, "match run-now")).text
    repo = MatchingRepo(c.app.services.store)
    [rnd] = await repo.rounds(cid, limit=1)
    assert set(await repo.outcomes(rnd.id)) == {ids["ana"], ids["ben"], ids["dev"]}
    assert all(ids["cleo"] not in intro.members for intro in await repo.round_intros(rnd.id))

    # suggested: no longer, and ana's request to her was cancelled
    found = await c.command("ana", "match find", topic="rust")
    assert c.name("cleo") not in found.text and c.name("ben") in found.text
    assert await request_status(c, ids["ana"], ids["cleo"]) == ["cancelled"]

    # counted: not as active any more; as one of the three who left
    after = await overview(c)
    assert int(after["Active people"]) == int(before["Active people"]) - 1
    assert int(after["Members who left"]) == int(before["Members who left"]) + 3
    assert len(c.dms("cleo")) == dms_to_cleo, "nothing reached cleo after she left"

    # coming back undoes it: cleo is present and suggested again
    await c.arrive("cleo")
    row = await c.app.services.members.get(ids["cleo"])
    assert row is not None and row.left_at is None
    found = await c.command("ana", "match find", topic="rust")
    assert c.name("cleo") in found.text
