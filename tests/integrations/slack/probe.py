"""A small test-only cog: records events and offers commands that exercise the Slack messenger.

It is an ordinary cog written against the neutral API (no Slack import), loaded next to the real cogs, so the
tests see exactly what a feature would see.
"""

from __future__ import annotations

import asyncio
from typing import Any

from core import options as opt
from core.commands import Cog, command, on_component, on_event, on_form
from core.context import Context
from core.errors import UserError
from core.events import Event, MemberJoined, MemberLeft, MessagePosted, ReactionAdded
from core.messages import Attachment, Form, FormField, Message, Select, SelectOption
from core.permissions import Level
from core.refs import ChannelRef, MemberRef


class SlackProbe(Cog):
    name = "slackprobe"
    groups = {"probe": "Test-only commands for the Slack tests"}

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.events: list[Event] = []
        self.picked: list[list[str]] = []
        self.gate = asyncio.Event()

    @on_event(MemberJoined, MemberLeft, MessagePosted, ReactionAdded)
    async def record(self, event: Event) -> None:
        self.events.append(event)

    @command("probe mod", "Only moderators may run this", level=Level.MODERATOR)
    async def mod(self, ctx: Context) -> None:
        await ctx.reply("moderator ok", ephemeral=True)

    @command("probe announce", "Post into a channel", options=[opt.string("channel", "Channel id", required=True)])
    async def announce(self, ctx: Context, channel: str) -> None:
        await ctx.send("announcement", to=ChannelRef("slack", channel))
        await ctx.reply("announced", ephemeral=True)

    @command("probe slow", "Work that takes longer than Slack's three seconds", long_running=True)
    async def slow(self, ctx: Context) -> None:
        await self.gate.wait()
        await ctx.reply("finally done", ephemeral=True)

    @command("probe form", "Open a form whose submit is checked slowly")
    async def form(self, ctx: Context) -> None:
        await ctx.open_form(Form("probe:slowform", "Slow", (FormField("note", "Note"),)))

    @on_form("probe:slowform")
    async def slow_form(self, ctx: Context, values: dict[str, str]) -> None:
        await self.gate.wait()
        raise UserError("the note is refused, slowly").in_field("note")

    @command("probe dm", "Send a member a direct message", options=[opt.member("member", "Who", required=True)])
    async def dm(self, ctx: Context, member: MemberRef) -> None:
        await ctx.dm(member, "hello from Kindred")
        await ctx.reply("sent", ephemeral=True)

    @command("probe public", "Reply in the channel")
    async def public(self, ctx: Context) -> None:
        await ctx.reply("hello everyone", ephemeral=False)

    @command("probe file", "Reply with a file")
    async def file(self, ctx: Context) -> None:
        await ctx.reply(
            Message(text="your export", files=[Attachment("export.csv", b"a,b\n1,2\n", "Export")]), ephemeral=False
        )

    @command("probe pick", "Offer a select")
    async def pick(self, ctx: Context) -> None:
        options = (SelectOption("Peer", "peer"), SelectOption("Mentor", "mentor"))
        await ctx.reply(Message(text="pick one", selects=[Select("probe:pick", options, "Choose")]), ephemeral=True)

    @on_component("probe:pick")
    async def picked_value(self, ctx: Context, values: list[str]) -> None:
        self.picked.append(values)
        await ctx.reply(f"picked {', '.join(values)}", ephemeral=True)

