"""Every Discord interaction to the dispatcher: slash commands, autocomplete, button/select clicks, modal submits.

Nothing here keeps per-message state: a click is routed by its custom id alone (through `App.press`), so
buttons keep working after a restart. Clicks in DMs name no guild; their custom ids carry it (see
render.scoped_id), with the one guild shared with the person as a fallback.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from core.affordances import neutral_path, user_commands
from core.commands import Command
from core.i18n import N_, gettext
from core.messages import Message
from core.refs import CommunityRef, MemberRef
from integrations.discord.commands import USER_COMMAND, parse_invocation, user_command_payload
from integrations.discord.refs import channel_ref, community_key, member_ref
from integrations.discord.render import form_values, unscope_id
from integrations.discord.responder import AUTO_DEFER_AFTER, InteractionResponder

if TYPE_CHECKING:
    from core.dispatcher import App
    from integrations.discord.messenger import DiscordMessenger

log = logging.getLogger(__name__)

USE_IN_SERVER = N_("Please use this in your server: I can't tell which community it is for.")


class InteractionRouter:
    """Turns one `discord.Interaction` into one dispatcher call, answered through an InteractionResponder."""

    def __init__(self, app: App, messenger: DiscordMessenger, *, auto_defer_after: float | None = AUTO_DEFER_AFTER):
        self.app = app
        self.messenger = messenger
        self.auto_defer_after = auto_defer_after
        self._menus: dict[str, Command] | None = None

    async def handle(self, interaction: discord.Interaction) -> None:
        kind = interaction.type
        if kind not in (
            discord.InteractionType.application_command,
            discord.InteractionType.autocomplete,
            discord.InteractionType.component,
            discord.InteractionType.modal_submit,
        ):
            return
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id, scoped_guild = unscope_id(str(data.get("custom_id", "")))
        guild_id = interaction.guild_id or scoped_guild or self._shared_guild(interaction.user)
        in_dm = interaction.guild_id is None
        if kind is discord.InteractionType.application_command and data.get("type", 1) not in (1, USER_COMMAND):
            return  # message context menus: Kindred registers none
        responder = InteractionResponder(
            interaction,
            scope_guild_id=guild_id if in_dm else None,
            auto_defer_after=None if kind is discord.InteractionType.autocomplete else self.auto_defer_after,
        )
        if kind is discord.InteractionType.autocomplete:
            await self._autocomplete(interaction, guild_id, data, responder)
            return
        responder.arm()  # from here on Discord's 3-second limit is watched
        try:
            if guild_id is None:
                await responder.reply(Message(gettext(str(interaction.locale), USE_IN_SERVER)), ephemeral=True)
                return
            community, member = await self._who(interaction, guild_id)
            channel = channel_ref(interaction.channel)
            if kind is discord.InteractionType.application_command:
                invocation = parse_invocation(data)
                values = {k: await self._resolved(community, v) for k, v in invocation.values.items()}
                command = self._command(data, invocation.path)
                await self.app.invoke(community, member, channel, command, values, responder, self.messenger)
            elif kind is discord.InteractionType.component:
                values = [str(v) for v in data.get("values", [])]
                await self.app.press(community, member, channel, custom_id, responder, self.messenger, values)
            else:
                submitted = form_values(list(data.get("components", [])))
                await self.app.submit(community, member, channel, custom_id, submitted, responder, self.messenger)
        except Exception as exc:  # before the dispatcher: the community or a member option could not be read
            await self.app.answer_failure(community_key(interaction.guild or guild_id or 0), responder, exc,
                                          f"Discord interaction {custom_id or kind.name}"[:100])
        finally:
            await responder.finish()

    def _command(self, data: dict[str, Any], path: tuple[str, ...]) -> Command | tuple[str, ...]:
        """The neutral command: a member command by the name it is registered under, else the path with a
        moderator command's name (`match-admin`) turned back into its group's (core/affordances.py)."""
        if int(data.get("type", 1)) == USER_COMMAND:
            if self._menus is None:
                self._menus = {user_command_payload(c)["name"]: c for c in user_commands(self.app.cogs).values()}
            found = self._menus.get(path[0])
            if found is not None:
                return found
        return neutral_path(self.app.tree, path)

    async def _who(self, interaction: discord.Interaction, guild_id: int) -> tuple[CommunityRef, MemberRef]:
        """The community and the person (as a guild member, with roles, even when they clicked in a DM)."""
        guild = interaction.guild or self.messenger.client.get_guild(guild_id)
        community = await self.app.community(community_key(guild or guild_id))
        if isinstance(interaction.user, discord.Member):
            self.messenger.saw(interaction.user)
        member = member_ref(interaction.user)
        if interaction.guild_id is None and guild is not None:
            in_guild = guild.get_member(interaction.user.id)
            member = member_ref(in_guild) if in_guild is not None else member
        return community, member

    async def _resolved(self, community: CommunityRef, value: Any) -> Any:
        """Member options get their store id now, so handlers can use `.id` at once."""
        if isinstance(value, MemberRef):
            return await self.app.resolve_member(community, value)
        return value

    async def _autocomplete(
        self,
        interaction: discord.Interaction,
        guild_id: int | None,
        data: dict[str, Any],
        responder: InteractionResponder,
    ) -> None:
        invocation = parse_invocation(data)
        suggestions: list[str] = []
        if invocation.focused and guild_id is not None:
            try:
                community, member = await self._who(interaction, guild_id)
                path = neutral_path(self.app.tree, invocation.path)
                suggestions = await self.app.autocomplete(community, member, path, invocation.focused,
                                                          invocation.current, invocation.values)
            except Exception as exc:
                if not self.app.services.store.health.outage(exc, "autocomplete"):
                    log.exception("autocomplete for /%s failed", " ".join(invocation.path))
        await responder.autocomplete(suggestions)

    def _shared_guild(self, user: discord.abc.User) -> int | None:
        """The only guild the bot shares with this person, when there is exactly one."""
        guilds = getattr(user, "mutual_guilds", [])
        return guilds[0].id if len(guilds) == 1 else None
