"""A small test cog that exercises the Discord adapter's paths the shipped cogs may not (yet) use.

It is a real cog loaded into the real App next to the shipped ones: moderator-only, slow and silent commands,
DMs, intros, files, selects, forms and buttons sent by DM, plus a record of every event it received.
"""

from __future__ import annotations

import asyncio
from typing import Any

from core import options as opt
from core.commands import Cog, command, on_component, on_event, on_form
from core.context import Context
from core.errors import DeliveryFailed
from core.events import CommunityJoined, Event, MemberJoined, MemberLeft, MessagePosted, ReactionAdded
from core.messages import (
    Attachment,
    Button,
    ButtonStyle,
    Form,
    FormField,
    Message,
    Select,
    SelectOption,
)
from core.permissions import Level
from core.refs import ChannelRef, MemberRef


class Probe(Cog):
    name = "probe"
    groups = {"probe": "Adapter probes"}

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.events: list[Event] = []
        self.release = asyncio.Event()
        self.arrived = asyncio.Event()

    @command("probemod", "Moderators only", level=Level.MODERATOR)
    async def mod(self, ctx: Context) -> None:
        await ctx.reply("moderated", ephemeral=True)

    @command("probe late", "Takes a while before answering privately")
    async def late(self, ctx: Context) -> None:
        self.arrived.set()
        await self.release.wait()
        await ctx.reply("late but private", ephemeral=True)

    @command("probe latepublic", "Takes a while before answering publicly")
    async def late_public(self, ctx: Context) -> None:
        self.arrived.set()
        await self.release.wait()
        await ctx.reply("late and public")

    @command("probe quiet", "Answers nothing")
    async def quiet(self, ctx: Context) -> None:
        return None

    @command("probe dm", "Sends a member a DM", options=[opt.member("member", "Who", required=True)])
    async def dm(self, ctx: Context, member: MemberRef) -> None:
        await ctx.dm(member, f"Hello {member.display_name}")
        await ctx.reply("sent", ephemeral=True)

    @command(
        "probe intro",
        "Introduces two members",
        options=[opt.member("first", "One", required=True), opt.member("second", "Other", required=True)],
    )
    async def intro(self, ctx: Context, first: MemberRef, second: MemberRef) -> None:
        text = f"{first.mention} meet {second.mention}! @everyone <@&{ctx.community.external_id}>"
        try:
            where = await ctx.introduce([first, second], Message(text=text, title="Intro"))
        except DeliveryFailed as error:
            await ctx.reply(f"intro failed: {error.reason}", ephemeral=True)
            return
        await ctx.reply(f"{where.kind}:{len(where.channel_ids)}", ephemeral=True)

    @command("probe announce", "Posts into a channel", options=[opt.string("channel", "Channel id", required=True)])
    async def announce(self, ctx: Context, channel: str) -> None:
        await ctx.send("announcement", to=ChannelRef("discord", channel))
        await ctx.reply("announced", ephemeral=True)

    @command("probe file", "Sends a file")
    async def file(self, ctx: Context) -> None:
        await ctx.reply(Message(text="your export", files=[Attachment("export.csv", b"id,name\n1,Ana\n")]))

    @command("probe pick", "Offers a choice")
    async def pick(self, ctx: Context) -> None:
        select = Select("probe:pick:select", (SelectOption("Alpha", "a"), SelectOption("Beta", "b")))
        await ctx.reply(Message(text="pick one", selects=[select]), ephemeral=True)

    @command("probe dmbutton", "Sends you a button by DM")
    async def dm_button(self, ctx: Context) -> None:
        await ctx.dm(ctx.member, Message(text="press", buttons=[Button("Press", "probe:pick:dm", ButtonStyle.PRIMARY)]))
        await ctx.reply("check your DMs", ephemeral=True)

    @command("probe form", "Opens a form")
    async def form(self, ctx: Context) -> None:
        await ctx.open_form(Form("probe:form:1", "A form", (FormField("answer", "Your answer", required=True),)))

    @on_component("probe:pick:{where}")
    async def picked(self, ctx: Context, where: str, values: list[str]) -> None:
        await ctx.reply(f"picked {where} {','.join(values)} in {ctx.community.external_id}", ephemeral=True)

    @on_form("probe:form:{n}")
    async def submitted(self, ctx: Context, n: str, values: dict[str, str]) -> None:
        await ctx.reply(f"form {n}: {values['answer']}", ephemeral=True)

    @on_event(MemberJoined, MemberLeft, MessagePosted, ReactionAdded, CommunityJoined)
    async def seen(self, event: Event) -> None:
        self.events.append(event)

    def seen_of(self, kind: type[Event]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]
