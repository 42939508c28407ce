"""The dispatcher: from a neutral request (command, button, form, event) to the right cog handler.

Integrations wrap it (they call `invoke`, `press`, `submit`, `emit`, `autocomplete`); cogs never see a platform
object. Every request is resolved the same way: community and member from the store, options parsed and checked,
the caller's level checked, the module switched on, then the handler runs. The checks, and how a failure is
answered to the person, are in core/guard.py.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from core import guard, metrics
from core.commands import Autocomplete, Cog, Command, ComponentSpec, EventHandler, Handler
from core.context import Context, Messenger, Responder
from core.errors import NotFound, UserError
from core.events import CommandUsed, Event, MemberJoined, MemberLeft, NewcomerGreeted
from core.i18n import N_, answer_locale, gettext
from core.options import parse_options
from core.permissions import Level
from core.refs import ChannelRef, CommunityKey, CommunityRef, MemberRef
from core.services import Services
from core.text import clean_line

log = logging.getLogger(__name__)

EVENT_QUEUE = 10_000  # platform events waiting in the background before the gateway reader is held back
EVENT_WORKERS = 4  # platform events handled at once (each mostly waits for the store)


@dataclass(slots=True)
class Group:
    """A top-level slash command with subcommands (`/profile set`)."""

    name: str
    description: str
    commands: dict[str, Command] = field(default_factory=dict)


@dataclass(slots=True)
class CommandTree:
    """The neutral command tree every integration registers natively."""

    groups: dict[str, Group] = field(default_factory=dict)
    top: dict[str, Command] = field(default_factory=dict)

    def all(self) -> list[Command]:
        cmds = list(self.top.values())
        for g in self.groups.values():
            cmds.extend(g.commands.values())
        return cmds


class App:
    """Holds the cogs and routes every request to them."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.cogs: list[Cog] = []
        self.tree = CommandTree()
        self._commands: dict[tuple[str, ...], Command] = {}
        self._events: list[tuple[tuple[type[Event], ...], EventHandler, Cog]] = []
        self._plans: dict[type[Event], _EmitPlan] = {}
        self._components: list[tuple[ComponentSpec, Handler, Cog]] = []
        self._forms: list[tuple[ComponentSpec, Handler, Cog]] = []
        self._messengers: dict[str, Messenger] = {}
        self._ready_hooks: list[Callable[[str], None]] = []
        self._member_ids: dict[tuple[int, str, str, str], int] = {}
        self._member_refs: dict[tuple[tuple[int, str, str, str], bool, tuple[str, ...]], MemberRef] = {}
        self._communities: dict[tuple[str, str], CommunityRef] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self.events = services.background.lane("events", max_size=EVENT_QUEUE, concurrency=EVENT_WORKERS)

    # ---------------------------------------------------------------- assembly
    def add_cog(self, cog: Cog) -> None:
        if any(c.name == cog.name for c in self.cogs):
            raise ValueError(f"two cogs named {cog.name!r}")
        self.cogs.append(cog)
        for cmd in cog.commands():
            path = cmd.spec.path
            if path in self._commands:
                raise ValueError(f"command {' '.join(path)!r} declared twice")
            self._commands[path] = cmd
            if len(path) == 1:
                if path[0] in self.tree.groups:
                    raise ValueError(f"{path[0]!r} is both a command and a group")
                self.tree.top[path[0]] = cmd
            else:
                if path[0] in self.tree.top:
                    raise ValueError(f"{path[0]!r} is both a command and a group")
                group = self.tree.groups.get(path[0])
                if group is None:
                    group = self.tree.groups[path[0]] = Group(path[0], cog.groups.get(path[0], ""))
                elif not group.description:
                    group.description = cog.groups.get(path[0], "")
                group.commands[path[1]] = cmd
        for types, handler in cog.event_handlers():
            self._events.append((types, handler, cog))
        self._plans.clear()
        self._components += [(s, h, cog) for s, h in cog.components()]
        self._forms += [(s, h, cog) for s, h in cog.forms()]

    def add_cogs(self, cog_classes: Iterable[type[Cog]]) -> None:
        for cls in cog_classes:
            self.add_cog(cls(self))

    def cog(self, name: str) -> Cog | None:
        return next((c for c in self.cogs if c.name == name), None)

    def register_messenger(self, messenger: Messenger) -> None:
        self._messengers[messenger.platform] = messenger

    def on_platform_ready(self, hook: Callable[[str], None]) -> None:
        """Call `hook(platform)` each time an integration has connected, so that work left by a crash or waiting
        for that platform (an interrupted round, a greeting due while it was down) goes on at once. The hook
        starts its work in the background (`spawn`) and returns."""
        self._ready_hooks.append(hook)

    def platform_ready(self, platform: str) -> None:
        """Called by an integration once it is connected and its messenger can send and read back."""
        for hook in self._ready_hooks:
            hook(platform)

    def messenger(self, platform: str) -> Messenger:
        try:
            return self._messengers[platform]
        except KeyError:
            raise LookupError(f"no integration running for {platform}") from None

    async def start(self) -> None:
        for cog in self.cogs:
            await cog.setup()

    async def drain(self, seconds: float) -> None:
        """A stop was asked for (SIGTERM): start no more scheduled jobs and give those under way and the work
        spawned in the background up to `seconds` to finish while the platforms are still connected; `stop`
        cancels whatever is left."""
        deadline = asyncio.get_running_loop().time() + seconds
        left = await self.services.jobs.drain(seconds)
        tasks = [t for t in self._tasks if not t.done()]
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=max(deadline - asyncio.get_running_loop().time(), 0))
            left += len(pending)
        if left:
            log.warning("%d task(s) still running after the %g s grace time: they are cancelled", left, seconds)

    async def stop(self) -> None:
        """Cancel background work and wait for it to unwind before the cogs (and then the store) close: a task
        cancelled but not awaited would still hold a store connection when the engine is disposed."""
        await self.services.jobs.stop()
        await self.services.background.stop()
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            _done, stuck = await asyncio.wait(tasks, timeout=10)
            for task in stuck:
                log.warning("background task %s did not stop within 10 s", task.get_name())
        for cog in reversed(self.cogs):
            try:
                await cog.teardown()
            except Exception:
                log.exception("teardown of %s failed", cog.name)

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        """Run work in the background, keeping a reference so it is not garbage-collected mid-way."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def post(self, event: Event) -> bool:
        """Deliver a platform event in the background (the `events` lane): after the answers under way, in
        the order they came for each member, with at most `EVENT_WORKERS` at once. For gateway events nobody
        waits on (joins, leaves, messages, reactions); a full lane makes the caller wait (nothing is lost).
        Returns False only once the bot is stopping."""
        member = getattr(event, "member", None)
        key = (event.key.platform, event.key.external_id, member.user_id) if member is not None else None
        return await self.events.submit(lambda: self.emit(event), key=key)

    # ---------------------------------------------------------------- lookups
    def find(self, path: Sequence[str]) -> Command | None:
        return self._commands.get(tuple(path))

    def split_command_text(self, text: str) -> tuple[Command, str]:
        """`/profile set topics:x` -> (the command, "topics:x"); raises NotFound with a hint."""
        words = text.strip().lstrip("/").split(maxsplit=2)
        if not words:
            raise NotFound(N_("Type /help to see the commands."))
        head = words[0].lower()
        if head in self.tree.top:
            return self.tree.top[head], text.strip().lstrip("/")[len(words[0]) :].strip()
        group = self.tree.groups.get(head)
        if group is None:
            raise NotFound(N_("There is no command /{name}. Type /help to see the commands."), name=head[:40])
        if len(words) < 2 or words[1].lower() not in group.commands:
            raise NotFound(
                N_("/{group} needs one of: {subs}."), group=head, subs=", ".join(sorted(group.commands))
            )
        return group.commands[words[1].lower()], words[2] if len(words) > 2 else ""

    async def community(self, key: CommunityKey | CommunityRef) -> CommunityRef:
        """The stored community for `key`; cached, since every event and command needs it (a read per
        message would cap ingest at a few hundred events per second)."""
        if isinstance(key, CommunityRef):
            return key
        cached = self._communities.get((key.platform, key.external_id))
        if cached is not None and (not key.name or key.name[:200] == cached.name):
            return cached
        ref = await self.services.communities.ensure(key)
        self._communities[(key.platform, key.external_id)] = ref
        return ref

    def forget_cached_member(self, member_id: int) -> None:
        """Drop a member id from the resolution cache (after `/privacy forget` erased the account)."""
        for k in [k for k, v in self._member_ids.items() if v == member_id]:
            del self._member_ids[k]
        for r in [r for r, v in self._member_refs.items() if v.id == member_id]:
            del self._member_refs[r]

    async def resolve_member(self, community: CommunityRef, ref: MemberRef) -> MemberRef:
        """The same reference with the store's member id (the account is recorded on first sight)."""
        if ref.id:
            return ref
        cache_key = (community.id, ref.user_id, ref.display_name, ref.username)
        resolved = self._member_refs.get((cache_key, ref.is_bot, ref.roles))
        if resolved is not None:  # refs are immutable: one per account and shape, not one per event
            return resolved
        member_id = self._member_ids.get(cache_key)
        if member_id is None:
            row = await self.services.members.upsert(community.id, ref)
            member_id = row.id
            if len(self._member_ids) > 100_000:
                self._member_ids.clear()
            self._member_ids[cache_key] = member_id
        resolved = self._cleaned(ref, member_id)
        if len(self._member_refs) > 100_000:
            self._member_refs.clear()
        self._member_refs[(cache_key, ref.is_bot, ref.roles)] = resolved
        return resolved

    def known_member(self, community: CommunityRef, ref: MemberRef) -> MemberRef:
        """The reference with its store id when the account is known already, else cleaned but without an id
        (0): for requests that never read it, so that a newcomer's first command does not wait for the store
        to write the account. Nothing is recorded here; `emit` records the account afterwards."""
        if ref.id:
            return ref
        cache_key = (community.id, ref.user_id, ref.display_name, ref.username)
        resolved = self._member_refs.get((cache_key, ref.is_bot, ref.roles))
        if resolved is not None:
            return resolved
        return self._cleaned(ref, self._member_ids.get(cache_key, 0))

    @staticmethod
    def _cleaned(ref: MemberRef, member_id: int) -> MemberRef:
        display_name, username = clean_line(ref.display_name), clean_line(ref.username)
        return MemberRef(
            platform=ref.platform,
            user_id=ref.user_id,
            display_name=display_name or username or ref.user_id,
            id=member_id,
            username=username,
            is_bot=ref.is_bot,
            roles=ref.roles,
        )

    async def find_member(self, community: CommunityRef, text: str) -> MemberRef | None:
        row = await self.services.members.find(community.id, text)
        return row.ref if row else None

    async def locale(self, community: CommunityRef) -> str:
        return (await self.services.config.get(community.id)).community.language

    async def level_of(self, community: CommunityRef, member: MemberRef, messenger: Messenger) -> Level:
        return await guard.level_of(self.services, community, member, messenger)

    async def _context(
        self,
        key: CommunityKey | CommunityRef,
        member: MemberRef,
        channel: ChannelRef | None,
        responder: Responder,
        messenger: Messenger,
        *,
        stored_member: bool = True,
    ) -> Context:
        community = await self.community(key)
        if stored_member:
            member = await self.resolve_member(community, member)
        else:
            member = self.known_member(community, member)
        basics = (await self.services.config.get(community.id)).community
        ctx = Context(self, community, member, channel, responder, messenger, community_locale=basics.language,
                      locale=answer_locale(basics.language, getattr(responder, "locale", None),
                                           basics.follow_member_locale))
        ctx.level = await self.level_of(community, member, messenger)
        return ctx

    async def _context_or_answer(
        self,
        key: CommunityKey | CommunityRef,
        member: MemberRef,
        channel: ChannelRef | None,
        responder: Responder,
        messenger: Messenger,
        label: str,
        *,
        stored_member: bool = True,
    ) -> Context | None:
        """The handler's context; when the store cannot give it, the person is answered here and None returned
        (in the community's language if it is known without the store, else the bot's default language)."""
        try:
            return await self._context(key, member, channel, responder, messenger, stored_member=stored_member)
        except Exception as exc:
            await self.answer_failure(key, responder, exc, label)
            return None

    async def answer_failure(self, key: CommunityKey | CommunityRef, responder: Responder, exc: Exception,
                             label: str) -> None:
        """For integrations too: a request failed before its feature ran (the community or the member could not
        be read); see `guard.answer_failure`."""
        known = key if isinstance(key, CommunityRef) else self._communities.get((key.platform, key.external_id))
        await guard.answer_failure(self.services, known, key.platform, responder, exc, label)

    # ---------------------------------------------------------------- entry points
    async def invoke(
        self,
        key: CommunityKey | CommunityRef,
        member: MemberRef,
        channel: ChannelRef | None,
        command: Command | str | Sequence[str],
        raw: str | Mapping[str, Any] | None,
        responder: Responder,
        messenger: Messenger,
    ) -> bool:
        """Run a command. `command` is a Command, a path, or the whole typed text (`/profile set ...`).
        Background work waits until it is answered (see core/background.py)."""
        hold = self.services.background.foreground()
        answered = metrics.answer_timer(key.platform, then=hold.release)
        try:
            return await self._invoke(key, member, channel, command, raw, responder, messenger, answered)
        finally:
            hold.release()

    async def _invoke(
        self,
        key: CommunityKey | CommunityRef,
        member: MemberRef,
        channel: ChannelRef | None,
        command: Command | str | Sequence[str],
        raw: str | Mapping[str, Any] | None,
        responder: Responder,
        messenger: Messenger,
        answered: Callable[[], None],
    ) -> bool:
        unknown: UserError | None = None
        try:
            if isinstance(command, str):
                cmd, rest = self.split_command_text(command)
                raw = rest if raw is None else raw
            elif isinstance(command, Command):
                cmd = command
            else:
                found = self.find(command)
                if found is None:
                    raise NotFound(N_("There is no command /{name}. Type /help to see the commands."),
                                   name=" ".join(command)[:40])
                cmd = found
        except UserError as exc:
            unknown = exc
        stored = unknown is not None or cmd.spec.stored_member
        ctx = await self._context_or_answer(key, member, channel, responder, messenger, "a command",
                                            stored_member=stored)
        if ctx is None:  # answered already: the store could not say who is asking
            if unknown is None:
                metrics.command_done(cmd.name, "store_down" if self.services.store.health.down else "error")
            return False
        ctx.on_answer = answered
        if unknown is not None:
            await guard.tell(ctx, gettext(ctx.locale, unknown.msgid, **unknown.params))
            return False

        async def call() -> None:
            await guard.check(self.services, ctx, cmd.cog, cmd.spec.level, "/" + cmd.name)
            options = await cmd.cog.options_for(ctx, cmd.spec)
            values = await parse_options(options, raw, lambda t: self.find_member(ctx.community, t))
            for name, value in values.items():  # typed member values (Discord) arrive without a store id
                if isinstance(value, MemberRef) and not value.id:
                    values[name] = await self.resolve_member(ctx.community, value)
            if cmd.spec.long_running:
                await ctx.defer(ephemeral=True)
            await cmd.handler(ctx, **values)

        ok = await guard.run_answering(self.services, ctx, call(), f"/{cmd.name}", command=cmd.name)
        answered()  # an error's answer bypasses ctx (guard.tell): it is timed here
        await self.emit(CommandUsed(key=CommunityKey(ctx.community.platform, ctx.community.external_id),
                                    community=ctx.community, member=ctx.member, command=cmd.name, ok=ok,
                                    at=self.services.clock()))
        return ok

    async def _dispatch_id(
        self,
        table: list[tuple[ComponentSpec, Handler, Cog]],
        key: CommunityKey | CommunityRef,
        member: MemberRef,
        channel: ChannelRef | None,
        custom_id: str,
        values: Any,
        responder: Responder,
        messenger: Messenger,
    ) -> bool:
        hold = self.services.background.foreground()
        answered = metrics.answer_timer(key.platform, then=hold.release)
        try:
            ctx = await self._context_or_answer(key, member, channel, responder, messenger, custom_id[:100])
            if ctx is None:
                return False
            ctx.on_answer = answered
            ok = await self._route_id(ctx, table, custom_id, values)
            answered()
            return ok
        finally:
            hold.release()

    async def _route_id(self, ctx: Context, table: list[tuple[ComponentSpec, Handler, Cog]], custom_id: str,
                        values: Any) -> bool:
        for spec, handler, cog in table:
            m = spec.regex.match(custom_id)
            if m is None:
                continue

            async def call(spec: ComponentSpec = spec, handler: Handler = handler, cog: Cog = cog,
                           m: Any = m) -> None:
                await guard.check(self.services, ctx, cog, spec.level, ctx._("this button"))
                await handler(ctx, values=values, **m.groupdict())

            return await guard.run_answering(self.services, ctx, call(), custom_id)
        log.info("no handler for component id %r", custom_id[:100])
        await guard.tell(ctx, ctx._("This button is no longer active."))
        return False

    async def press(
        self,
        key: CommunityKey | CommunityRef,
        member: MemberRef,
        channel: ChannelRef | None,
        custom_id: str,
        responder: Responder,
        messenger: Messenger,
        values: Sequence[str] = (),
    ) -> bool:
        """A button or select was used."""
        return await self._dispatch_id(
            self._components, key, member, channel, custom_id, list(values), responder, messenger
        )

    async def submit(
        self,
        key: CommunityKey | CommunityRef,
        member: MemberRef,
        channel: ChannelRef | None,
        custom_id: str,
        values: Mapping[str, str],
        responder: Responder,
        messenger: Messenger,
    ) -> bool:
        """A form (modal) was submitted."""
        return await self._dispatch_id(self._forms, key, member, channel, custom_id, dict(values), responder,
                                       messenger)

    async def autocomplete(
        self,
        key: CommunityKey | CommunityRef,
        member: MemberRef,
        command: Sequence[str],
        option: str,
        current: str,
        options: Mapping[str, Any] | None = None,
    ) -> list[str]:
        """Suggestions for an option while the person types (at most 25)."""
        cmd = self.find(command)
        if cmd is None:
            return []
        opt = next((o for o in cmd.spec.options if o.name == option), None)
        if opt is None:
            return []
        if opt.choices:
            return [c for c in opt.choices if c.lower().startswith(current.lower())][:25]
        if not opt.autocomplete:
            return []
        source = getattr(cmd.cog, opt.autocomplete, None)
        if source is None:
            return []
        try:
            community = await self.community(key)
            member = await self.resolve_member(community, member)
            found = await source(Autocomplete(community, member.id, current, dict(options or {}), option))
        except Exception as exc:
            if not self.services.store.health.outage(exc, "autocomplete"):
                log.exception("autocomplete %s failed", opt.autocomplete)
            return []
        return [str(v)[:100] for v in found][:25]

    def _plan_for(self, event_type: type[Event]) -> _EmitPlan:
        """What `emit` must do for events of this type, worked out once per type."""
        fields = {f.name for f in dataclasses.fields(event_type)}
        plan = self._plans[event_type] = _EmitPlan(
            [(h, cog) for types, h, cog in self._events if issubclass(event_type, types)],
            "member" in fields, "message_author" in fields,
            issubclass(event_type, MemberJoined), issubclass(event_type, MemberLeft))
        return plan

    async def emit(self, event: Event) -> None:
        """Deliver an event to every cog that subscribed to its type; one failing handler does not stop others.

        This runs for every message and reaction of every community, so the cached answers (community, member,
        handlers, switched-off modules) are read inline and the store is only asked on a miss."""
        plan = self._plans.get(type(event)) or self._plan_for(type(event))
        if type(event) is NewcomerGreeted:
            metrics.greeting_sent(event.via)
        try:
            community = event.community
            if community is None:
                key = event.key
                community = self._communities.get((key.platform, key.external_id))
                if community is None or (key.name and key.name[:200] != community.name):
                    community = await self.community(key)
                event.community = community
            member = event.member if plan.member else None  # type: ignore[attr-defined]
            if member is not None:
                if plan.joined and event.trigger == "join":  # type: ignore[attr-defined]
                    row = await self.services.members.upsert(community.id, member, joined_at=event.at)
                    event.member = MemberRef(member.platform, member.user_id, row.display_name, row.id,  # type: ignore[attr-defined]
                                             member.username, member.is_bot, member.roles)
                elif not member.id:  # the member cache read inline: no coroutine for an account seen before
                    hit = self._member_refs.get(((community.id, member.user_id, member.display_name,
                                                  member.username), member.is_bot, member.roles))
                    event.member = hit if hit is not None else await self.resolve_member(community, member)  # type: ignore[attr-defined]
                if plan.left:
                    await self.services.members.mark_left(event.member.id, event.at)  # type: ignore[attr-defined]
            author = event.message_author if plan.author else None  # type: ignore[attr-defined]
            if author is not None and not author.id:
                hit = self._member_refs.get(((community.id, author.user_id, author.display_name, author.username),
                                             author.is_bot, author.roles))
                event.message_author = (  # type: ignore[attr-defined]
                    hit if hit is not None else await self.resolve_member(community, author))
        except Exception as exc:
            if not self.services.store.health.outage(exc, type(event).__name__):
                log.exception("could not resolve %s", type(event).__name__)
            return
        handlers = plan.handlers
        if not handlers:
            return
        try:
            config = self.services.config.cached(community.id) or await self.services.config.get(community.id)
        except Exception as exc:
            if not self.services.store.health.outage(exc, type(event).__name__):
                log.exception("could not read the settings for %s", type(event).__name__)
            return
        disabled = config.community.disabled_modules
        for handler, cog in handlers:
            if cog.module and cog.module in disabled:
                continue
            try:
                pending = handler(event)
                if pending is not None:  # a handler may finish at once and return None (see `on_event`)
                    await pending
            except Exception as exc:
                if not self.services.store.health.outage(exc, f"{type(event).__name__} of {cog.name}"):
                    log.exception("%s handler of %s failed", type(event).__name__, cog.name)


class _EmitPlan(NamedTuple):
    """Per event type: its handlers, whether it names a member and a message author, and whether it is a
    join or a leave (which change the member's row). Saves `emit` the same checks on every message."""

    handlers: list[tuple[EventHandler, Cog]]
    member: bool
    author: bool
    joined: bool
    left: bool
