"""/collab event and /collab teams on Slack: the card's "I'm in" button through slack-bolt, the preview, and on
Confirm one group DM per team (conversations.open with the team's members) with an intro saying who brings what."""

from __future__ import annotations

from tests.fakes.slack import FakeSlack
from tests.integrations.slack.conftest import BotFactory
from tests.integrations.slack.test_slack_commands import action_ids, texts

PEOPLE = [("U0ALICE", "developer"), ("U0BOB", "designer"), ("U0CAROL", "developer"), ("U0DAN", "designer"),
          ("U0EVE", "developer"), ("U0FAY", "marketing")]


async def test_teams_are_previewed_then_each_gets_one_group_dm(start_bot: BotFactory, slack: FakeSlack) -> None:
    slack.workspace.add_user("U0ADMIN", "admin", is_admin=True)
    for user, _role in PEOPLE[2:]:
        slack.workspace.add_user(user, user[2:].lower())
    slack.workspace.channels["C0GENERAL"].members.extend(["U0ADMIN"] + [u for u, _r in PEOPLE[2:]])
    async with start_bot() as bot:
        await bot.command("/collab", "event title:Hack day", user_id="U0ADMIN")
        cards = [c for c in slack.calls_to("chat.postMessage", ok=True) if "Hack day" in texts(c.args)]
        assert len(cards) == 1
        join, leave = action_ids(cards[0].args)
        assert join.startswith("collab:ev:in:") and leave.startswith("collab:ev:out:")
        for user, role in PEOPLE:
            await bot.command("/profile", f"set role:{role} timezone:Europe/Berlin languages:en", user_id=user)
            await bot.interactive(slack.payloads.block_action(join, value=join, user_id=user))
        assert "You're in for “Hack day” (6 people so far)" in texts(slack.responses[-1].body)

        await bot.command("/collab", "teams size:3 needs:developer,designer event:1", user_id="U0ADMIN")
        preview = slack.responses[-1].body
        assert "Team preview" in texts(preview) and "Every need is covered." in texts(preview)
        confirm = next(a for a in action_ids(preview) if a.startswith("collab:tm:ok:"))
        opened_before = len(slack.calls_to("conversations.open", ok=True))

        await bot.interactive(slack.payloads.block_action(confirm, value=confirm, user_id="U0ALICE"))
        assert "Only a moderator" in texts(slack.responses[-1].body)
        await bot.interactive(slack.payloads.block_action(confirm, value=confirm, user_id="U0ADMIN"))
        assert "Introduced 2 teams." in texts(slack.responses[-1].body)
        opened = slack.calls_to("conversations.open", ok=True)[opened_before:]
        groups = [set(str(c.args["users"]).split(",")) for c in opened]
        assert len(groups) == 2 and all(len(g) == 3 for g in groups)
        assert set().union(*groups) == {u for u, _r in PEOPLE}
        intros = [c for c in slack.calls_to("chat.postMessage", ok=True) if "Your team:" in texts(c.args)]
        assert len(intros) == 2 and all("Who brings what" in texts(c.args) for c in intros)
        assert all("designer" in texts(c.args) and "developer" in texts(c.args) for c in intros)

        await bot.interactive(slack.payloads.block_action(confirm, value=confirm, user_id="U0ADMIN"))
        assert "introduced already" in texts(slack.responses[-1].body)
        assert len([c for c in slack.calls_to("chat.postMessage", ok=True) if "Your team:" in texts(c.args)]) == 2
