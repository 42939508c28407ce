"""Texts that read right in English and German, typed through the console community as people would: counts in
the form their number needs, `/mentor end` saying what ended, `/welcome test` not claiming an intro it did not
make, `/setup welcome:no` agreeing with the module list and the dry run, `/privacy show` in words, and the
Accept/Decline buttons on `/mentor status`."""

from __future__ import annotations

import pytest

from tests.testbot import TestBot


async def press(testbot: TestBot, label: str, *, as_user: str | None = None) -> str:
    """Press the offered button whose label contains `label` (the console numbers them)."""
    labels = [c.label for c in testbot.console.screen.choices]
    number = next((i for i, text in enumerate(labels, 1) if label in text), None)
    assert number is not None, f"no button {label!r} in {labels}"
    return await testbot.run(str(number), as_user=as_user)


async def german(testbot: TestBot) -> None:
    await testbot.run("/config set community.language de")


@pytest.mark.parametrize("language", ["en", "de"])
async def test_counts_take_the_form_of_their_number(testbot: TestBot, language: str) -> None:
    if language == "de":
        await german(testbot)
    one_second = await testbot.run("/welcome set delay 1")
    one_variant = await testbot.run("/welcome set message Hi {member}!")
    preview = await testbot.run("/welcome preview")
    mentor = await testbot.run("/mentor offer topics:rust capacity:1", as_user="mia")
    two = await testbot.run("/mentor offer topics:rust capacity:2", as_user="mia")
    if language == "en":
        assert "delay is now 1 second." in one_second
        assert "message is now 1 greeting variant." in one_variant
        assert "Preview of the greeting (one variant)" in preview
        assert "up to 1 mentee at a time." in mentor and "up to 2 mentees at a time." in two
    else:
        assert "1 Sekunde" in one_second and "Sekunden" not in one_second
        assert "1 Begrüßungsvariante" in one_variant and "Varianten" not in one_variant
        assert "Vorschau der Begrüßung (eine Variante)" in preview
        assert "bis zu 1 Mentee gleichzeitig" in mentor and "bis zu 2 Mentees gleichzeitig" in two
    assert "1 seconds" not in one_second and "1 mentees" not in mentor


async def test_refusals_with_a_count_read_right(testbot: TestBot) -> None:
    """A counted error declared before its count is known (`N_n`), through the dispatcher, in both languages."""
    answer = await testbot.run("/profile set topics:" + ",".join(f"t{i}" for i in range(30)))
    assert "takes at most" in answer and "items." in answer
    await german(testbot)
    answer = await testbot.run("/profile set topics:" + ",".join(f"t{i}" for i in range(30)))
    assert "nimmt höchstens" in answer and "Einträge." in answer


@pytest.mark.parametrize("language", ["en", "de"])
async def test_mentor_end_says_what_ended(testbot: TestBot, language: str) -> None:
    if language == "de":
        await german(testbot)
    await testbot.run("/mentor offer topics:rust capacity:2", as_user="ivo")
    await testbot.run("/mentor request topic:rust", as_user="tom")  # proposed to ivo, not answered yet
    ended = await testbot.run("/mentor end", as_user="tom")
    expected = {"en": "Withdrew your request to ivo.", "de": "Deine Anfrage an ivo ist zurückgezogen."}[language]
    assert expected in ended
    assert "0" not in ended and "1" not in ended  # no counts of rows, no "withdrew 1 requests"

    # a mentor who ends an active mentorship reads whom it was with
    await testbot.run("/mentor request topic:rust", as_user="ada")
    await testbot.run("/mentor status", as_user="ivo")
    await press(testbot, "ada", as_user="ivo")  # Accept ada (the first button)
    ended = await testbot.run("/mentor end", as_user="ivo")
    expected = {"en": "Ended your mentorship of ada.", "de": "Dein Mentoring für ada ist beendet."}[language]
    assert expected in ended


async def test_mentor_status_has_the_answer_buttons(testbot: TestBot) -> None:
    await testbot.run("/mentor offer topics:rust", as_user="ivo")
    await testbot.run("/mentor request topic:rust", as_user="tom")
    status = await testbot.run("/mentor status", as_user="ivo")
    assert "Waiting for your answer" in status and "tom" in status
    labels = [c.label for c in testbot.console.screen.choices]
    assert "Accept tom" in labels and "Decline tom" in labels
    accepted = await press(testbot, "Accept tom", as_user="ivo")
    assert "I have introduced you to tom" in accepted
    assert "1 of 2: tom" in await testbot.run("/mentor status", as_user="ivo")
    assert "Accept tom" not in [c.label for c in testbot.console.screen.choices]  # answered: no buttons


@pytest.mark.parametrize("language", ["en", "de"])
async def test_welcome_test_does_not_claim_an_intro(testbot: TestBot, language: str) -> None:
    if language == "de":
        await german(testbot)
    await testbot.run("/welcome set buddy yes")
    await testbot.run("/greeter join", as_user="gia")
    answer = await testbot.run("/welcome test")
    if language == "en":
        assert "gia would be your buddy for the first weeks. This is a test, so I have not introduced you" in answer
        assert "Your buddy would be gia; a test introduces nobody." in answer
        assert "I have introduced you to each other" not in answer
    else:
        assert "gia wäre in den ersten Wochen dein Buddy. Das ist ein Test" in answer
        assert "Dein Buddy wäre gia; ein Test stellt niemanden vor." in answer
        assert "habe euch miteinander bekannt gemacht" not in answer
    assert "not introduced in a test" not in answer


async def test_setup_welcome_no_switches_the_greeting_off_everywhere(testbot: TestBot) -> None:
    answer = await testbot.run("/setup welcome:no")
    assert "Greeting newcomers: off." in answer
    assert "Switched off, so no preview: /welcome preview." in answer
    assert "Preview of the greeting" not in answer  # the dry run shows no greeting that would not be sent
    applied = await press(testbot, "Switch on")
    assert "Welcome (welcome): off" in applied
    assert "Intro rounds (matching): on" in applied
    config = await testbot.config()
    assert config.welcome.enabled is False and "welcome" in config.community.disabled_modules

    answer = await testbot.run("/setup welcome:yes")
    assert "Greeting newcomers: on." in answer and "Preview of the greeting" in answer
    applied = await press(testbot, "Switch on")
    assert "Welcome (welcome): on" in applied


async def test_module_names_are_translated(testbot: TestBot) -> None:
    await german(testbot)
    modules = await testbot.run("/config module")
    assert "Vorstellungsrunden (matching): an" in modules and "Begrüßung (welcome): an" in modules
    off = await testbot.run("/config module welcome off")
    assert "Begrüßung (welcome) ist jetzt aus." in off
    refused = await testbot.run("/welcome preview")
    assert "Begrüßung" in refused and "welcome module" not in refused


@pytest.mark.parametrize("language", ["en", "de"])
async def test_privacy_show_names_what_it_counted(testbot: TestBot, language: str) -> None:
    if language == "de":
        await german(testbot)
    await testbot.run("/profile set topics:rust", as_user="ana")
    await testbot.run("/help", as_user="ana")
    shown = await testbot.run("/privacy show", as_user="ana")
    assert "command " not in shown and "profile_completed" not in shown
    if language == "en":
        assert "Events you did: 2 commands" in shown and "Raw events kept for: 365 days" in shown
    else:
        assert "2 Befehle" in shown and "365 Tage" in shown


def test_every_event_kind_has_a_counted_name() -> None:
    from cogs.engagement.kinds import LABELS, Kind
    from core.i18n import gettext

    assert set(LABELS) == set(Kind)
    for kind, label in LABELS.items():
        one, many = gettext("de", label, n=1), gettext("de", label, n=2)
        assert one.startswith("1") and many.startswith("2") and gettext("en", label, n=1) != one, kind
