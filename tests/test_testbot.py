"""The `testbot` fixture itself: who types, moderator rights, forms answered line by line, settings read back."""

from __future__ import annotations

from cogs.matching.settings import MatchingSettings
from tests.testbot import TestBot


async def test_members_and_moderators_take_turns(testbot: TestBot) -> None:
    assert testbot.member.display_name == "admin"  # the console starts as its moderator
    await testbot.as_user("alice")
    assert "Only a moderator" in await testbot.run("/config show")
    await testbot.as_user("mia", moderator=True)
    assert "matching.hour" in await testbot.run("/config show matching")
    assert "Only a moderator" in await testbot.run("/config show", as_user="bob")
    assert testbot.member.display_name == "mia"  # `as_user=` was for that one line
    assert "You are now mia." in testbot.screen()  # the console's own lines are on the screen, not in answers


async def test_a_form_is_answered_line_by_line(testbot: TestBot) -> None:
    await testbot.run("/config import")
    assert testbot.form is not None
    await testbot.run("matching.hour = 11")
    assert testbot.form is None
    assert (await testbot.section(MatchingSettings)).hour == 11
    assert await testbot.overrides() == {"matching.hour": 11}
    assert testbot.settings.matching.hour != 11  # config.toml's default is unchanged
