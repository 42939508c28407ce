"""Steps the matching cog tests take in the console: read the last answer, press a button, fill in a profile."""

from __future__ import annotations

from core.messages import Message
from integrations.console.repl import ConsoleCommunity


def last_message(console: ConsoleCommunity) -> Message:
    return [m for k, _t, m in console.outbox.sent if k in ("reply", "ephemeral")][-1]


async def press(console: ConsoleCommunity, message: Message, label_part: str) -> None:
    """Press the button whose label contains `label_part`, as the current member."""
    console.screen.choices.clear()
    console.screen.message("buttons", message)
    for number, choice in enumerate(console.screen.choices, 1):
        if label_part in choice.label:
            await console.handle(str(number))
            return
    raise AssertionError(f"no button {label_part!r} in {[c.label for c in console.screen.choices]}")


async def profile(console: ConsoleCommunity, name: str, facets: str, *, join: bool = True) -> None:
    """Fill in a member's profile and (by default) join the intros: only members who take part are suggested."""
    await console.handle(f"/as {name}")
    await console.handle(f"/profile set {facets}")
    if join:
        await console.handle("/match join")
