"""The console's forms refuse what Discord's and Slack's refuse (an empty required field, a value over its
max_length), and /config import mode:replace shows what it would reset and asks first, on every platform."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from integrations.console.community import KEY
from integrations.console.repl import ConsoleCommunity
from tests.conftest import screen_text


async def _lines(*lines: str) -> AsyncIterator[str]:
    for line in lines:
        yield line


async def _overrides(console: ConsoleCommunity) -> dict[str, object]:
    community = await console.app.community(KEY)
    return await console.app.services.overrides.all(community.id)


async def _two_settings(console: ConsoleCommunity) -> None:
    await console.handle("/config set key:matching.hour value:10")
    await console.handle("/config set key:welcome.delay_seconds value:5")
    assert await _overrides(console) == {"matching.hour": 10, "welcome.delay_seconds": 5}


async def test_an_empty_required_field_and_a_too_long_value_are_refused_like_on_discord_and_slack(
        console: ConsoleCommunity) -> None:
    await _two_settings(console)
    await console.handle("/config import mode:replace")
    await console.run(_lines("", "matching.hour = " + "1" * 9_001, "/cancel"))

    out = screen_text(console)
    assert "TOML settings is required" in out
    assert "TOML settings takes at most 4000 characters; this has 9017." in out
    assert "Form closed; nothing was sent." in out
    assert console.pending_form is None
    assert await _overrides(console) == {"matching.hour": 10, "welcome.delay_seconds": 5}


async def test_a_replace_that_resets_settings_shows_them_and_asks_first(console: ConsoleCommunity) -> None:
    await _two_settings(console)
    await console.handle("/config import mode:replace")
    await console.run(_lines("# an empty file"))
    question = console.outbox.sent[-1][2]
    assert question.title == "Replace the settings?"
    assert "returns 2 settings to the defaults" in question.text
    assert "matching.hour: 10 → 9 (default)" in question.text and "welcome.delay_seconds: 5" in question.text
    assert [b.label for b in question.buttons] == ["Yes, replace", "Cancel"]
    assert await _overrides(console) == {"matching.hour": 10, "welcome.delay_seconds": 5}  # nothing yet

    await console.handle("2")  # Cancel
    assert "Import cancelled. Nothing was changed." in console.outbox.texts()[-1]
    assert await _overrides(console) == {"matching.hour": 10, "welcome.delay_seconds": 5}

    await console.handle("/config import mode:replace")
    await console.run(_lines("matching.hour = 11"))
    question = console.outbox.sent[-1][2]
    assert "returns 1 setting to its default" in question.text and "and sets:" in question.text
    await console.handle("1")  # Yes, replace
    assert await _overrides(console) == {"matching.hour": 11}
    await console.handle("1")  # the same button again: the draft is gone, nothing happens twice
    assert "This import is no longer available" in console.outbox.texts()[-1]


async def test_a_merge_or_a_replace_that_resets_nothing_is_applied_at_once(console: ConsoleCommunity) -> None:
    await console.handle("/config set key:matching.hour value:10")
    await console.handle("/config import mode:replace")
    await console.run(_lines("matching.hour = 12"))
    assert await _overrides(console) == {"matching.hour": 12}
    await console.handle("/config import")
    await console.run(_lines("welcome.delay_seconds = 7"))
    assert await _overrides(console) == {"matching.hour": 12, "welcome.delay_seconds": 7}
    assert "Replace the settings?" not in screen_text(console)


async def test_a_setup_button_does_not_apply_an_import_draft(console: ConsoleCommunity) -> None:
    await _two_settings(console)
    await console.handle("/config import mode:replace")
    await console.run(_lines("# nothing"))
    draft_id = console.outbox.sent[-1][2].buttons[0].custom_id.rsplit(":", 1)[1]
    from integrations.console.community import GENERAL, ConsoleResponder

    responder = ConsoleResponder(console.screen, console.outbox, console.current.ref)
    await console.app.press(KEY, console.current.ref, GENERAL, f"setup:apply:{draft_id}", responder,
                            console.messenger)
    assert "This setup is no longer available" in console.outbox.texts()[-1]
    assert await _overrides(console) == {"matching.hour": 10, "welcome.delay_seconds": 5}


NESTED = ["profiles.extra_fields = " + "{a = " * 330 + "1" + " }" * 330,
          "a = " + "[" * 330 + "1" + "]" * 330,
          "[" + ".".join(["t"] * 330) + "]\nx = 1"]


async def test_a_deeply_nested_import_is_not_valid_toml_and_changes_nothing(console: ConsoleCommunity,
                                                                             caplog: pytest.LogCaptureFixture
                                                                             ) -> None:
    await console.handle("/config set key:matching.hour value:10")
    for text in NESTED:
        await console.handle("/config import mode:replace")
        await console.run(_lines(text))
        assert console.outbox.texts()[-1] == ("This is not valid TOML: tables or lists are nested more than 12 "
                                              "levels deep.")
    await console.handle("/config set key:profiles.extra_fields value:" + "{a=" * 900 + "1" + "}" * 900)
    assert "nests tables or lists more than 12 levels deep" in console.outbox.texts()[-1]
    assert await _overrides(console) == {"matching.hour": 10}
    assert "Traceback" not in screen_text(console) and "RecursionError" not in caplog.text
