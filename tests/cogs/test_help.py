"""/help: a short start, one line per feature, details on request, and only what the caller may use (issue 17)."""

from __future__ import annotations

from tests.testbot import TestBot


async def test_help_is_grouped_and_short(testbot: TestBot) -> None:
    shown = await testbot.run("/help", as_user="ana")
    assert "Start here" in shown and "Everything, by feature" in shown
    assert "/profile edit — " in shown  # a start, with what it does
    assert "/match " in shown and "find" in shown
    assert len(shown.splitlines()) < 40
    assert "preview" not in shown and "/config" not in shown and "/setup" not in shown  # moderators' only


async def test_help_for_a_feature_lists_its_commands_with_options(testbot: TestBot) -> None:
    shown = await testbot.run("/help match", as_user="ana")
    assert "/match find [topic]" in shown and "/match join" in shown
    assert "/profile" not in shown and "/match preview" not in shown
    one = await testbot.run("/help /match find", as_user="ana")
    assert "/match find [topic]" in one and "/match join" not in one
    refused = await testbot.run("/help config", as_user="ana")  # exists, but not for a member
    assert "no command “config”" in refused


async def test_a_moderator_sees_the_moderators_commands(testbot: TestBot) -> None:
    shown = await testbot.run("/help")
    assert "/setup" in shown and "preview" in shown
    assert "/config show [key]" in await testbot.run("/help config")
