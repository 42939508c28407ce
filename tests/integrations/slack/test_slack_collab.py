"""/collab post on Slack: the project card goes to the collab channel with its "I'm interested" button, and a press
by another member reaches the real bot through slack-bolt and tells the owner once."""

from __future__ import annotations

from tests.fakes.slack import FakeSlack
from tests.integrations.slack.conftest import BotFactory
from tests.integrations.slack.test_slack_commands import action_ids, texts


async def test_the_card_is_posted_with_a_button_that_works(start_bot: BotFactory, slack: FakeSlack) -> None:
    async with start_bot(collab={"channel": "C0GENERAL"}) as bot:
        await bot.command("/collab", "post title:Website relaunch needs:developer*2, designer languages:en")
        posted = [c for c in slack.calls_to("chat.postMessage", ok=True) if c.args.get("channel") == "C0GENERAL"]
        assert len(posted) == 1
        card = posted[0].args
        assert "Project: Website relaunch" in texts(card) and "developer ×2, designer" in texts(card)
        [button] = action_ids(card)
        assert button.startswith("collab:int:")
        assert "Posted “Website relaunch”" in texts(slack.responses[-1].body)

        await bot.interactive(slack.payloads.block_action(button, value=button, user_id="U0BOB"))
        assert "knows you are interested" in texts(slack.responses[-1].body)
        told = [c for c in slack.calls_to("chat.postMessage", ok=True)
                if "is interested in your project" in texts(c.args)]
        assert len(told) == 1

        await bot.interactive(slack.payloads.block_action(button, value=button))  # the owner's own card
        assert "This is your project" in texts(slack.responses[-1].body)


async def test_the_card_counts_interest_and_is_closed_in_place(start_bot: BotFactory, slack: FakeSlack) -> None:
    async with start_bot(collab={"channel": "C0GENERAL"}) as bot:
        await bot.command("/collab", "post title:Website relaunch needs:developer*2, designer languages:en")
        [card] = [m for m in slack.workspace.messages_in("C0GENERAL") if "Project: Website relaunch" in str(m.blocks)]
        [button] = action_ids({"blocks": card.blocks})

        await bot.interactive(slack.payloads.block_action(button, value=button, user_id="U0BOB"))
        await slack.wait_until(lambda: card.edits == 1)
        body = {"text": card.text, "blocks": card.blocks}
        assert "*Interested*\n1" in texts(body) and action_ids(body) == [button]

        await bot.command("/collab", "close project:Website relaunch")
        assert "Closed “Website relaunch”" in texts(slack.responses[-1].body)
        await slack.wait_until(lambda: card.edits == 2)
        [update] = slack.calls_to("chat.update", ok=True)[-1:]
        assert update.args["channel"] == "C0GENERAL" and update.args["ts"] == card.ts
        body = {"text": card.text, "blocks": card.blocks}
        assert "Project: Website relaunch" in texts(body) and "closed" in texts(body)
        assert action_ids(body) == []  # the "I'm interested" button is gone
        assert [m for m in slack.workspace.messages_in("C0GENERAL") if "is closed" in str(m.text)] == []
