"""The console community end to end: the real dispatcher, cogs and store."""

from __future__ import annotations

from integrations.console.community import GENERAL, KEY
from integrations.console.repl import ConsoleCommunity
from tests.conftest import screen_text


async def test_profile_set_and_show(console: ConsoleCommunity) -> None:
    await console.handle("/profile set topics:python,rust timezone:europe/berlin languages:en,DE")
    await console.handle("/profile show")
    out = screen_text(console)
    assert "python, rust" in out
    assert "Europe/Berlin" in out
    assert "German (de)" in out


async def test_unknown_command_and_option_are_explained(console: ConsoleCommunity) -> None:
    await console.handle("/nosuch thing")
    await console.handle("/profile set colour:blue")
    out = screen_text(console)
    assert "There is no command /nosuch" in out
    assert "Unknown option “colour”" in out
    profile = await console.app.services.profiles.get(console.current.ref.id)
    assert profile is None


async def test_form_edit_via_prompts(console: ConsoleCommunity) -> None:
    await console.handle("/profile edit")
    assert console.pending_form is not None
    for answer in ["production", "smart factories, iot", "kubernetes", "rust", "I build factories"]:
        await console._form_answer(answer)
    profile = await console.app.services.profiles.get(console.current.ref.id)
    assert profile is not None
    assert profile.values("topics") == ["smart factories", "iot"]
    assert profile.first("about") == "I build factories"


async def test_switch_member_and_buttons(console: ConsoleCommunity) -> None:
    await console.handle("/as bob")
    await console.handle("/profile set role:designer")
    await console.handle("/profile clear")
    await console.handle("1")
    assert await console.app.services.profiles.get(console.current.ref.id) is None
    assert "Your profile is deleted." in screen_text(console)


async def test_mentions_show_as_names(console: ConsoleCommunity) -> None:
    from core.messages import Field, Message

    await console.handle("/as Bea")
    bea = console.current.ref
    community = await console.app.community(KEY)
    await console.messenger.send(community, GENERAL, Message(text=f"Hi {bea.mention}!", mentions=(bea.user_id,),
                                                             fields=[Field("buddy", "<@ghost>")]))
    out = screen_text(console)
    assert "Hi @Bea!" in out and "buddy: @ghost" in out and "<@bea>" not in out
    assert console.outbox.sent[-1][2].text == "Hi <@bea>!"  # the message itself keeps the platform token
