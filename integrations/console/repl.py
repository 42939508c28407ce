"""The console REPL: act as any member and type commands exactly as on Discord or Slack.

Lines come from the terminal, or from stdin when it is not a terminal, so the console is scriptable:
    printf '/profile set topics:python\n/profile show\n' | uv run bot.py console --demo 20
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from rich.console import Console

from core.dispatcher import App
from core.events import MemberJoined, MemberLeft, MessagePosted, ReactionAdded
from core.messages import Form, FormField
from core.refs import CommunityRef, MemberRef
from integrations.console.clock import JobDriver, VirtualClock, parse_duration
from integrations.console.community import (
    GENERAL,
    KEY,
    ConsoleMember,
    ConsoleMessenger,
    ConsoleResponder,
    Outbox,
)
from integrations.console.demo import demo_lives, demo_members
from integrations.console.render import Screen

MULTILINE_START = "<<<"
MULTILINE_END = "."

HELP = """Console commands (besides Kindred's own, see /help):
  /as NAME          act as member NAME (created if new)      /members        list members
  /join NAME        a newcomer NAME joins (a new name)       /leave [NAME]   simulate leaving
  /mod NAME         make NAME a moderator                    /dmclosed NAME  NAME refuses DMs
  /react EMOJI      react to the last message                /wait TIME      let time pass: 90s, 2m, 3h, 2d
  N                 press choice N (buttons, select options) /quit           leave the console
  /role NAME [WHO]  create role NAME, or give it to WHO       /cancel         (in a form) close it unsent
  any other text    is posted as a message in #general
Time is virtual: /wait 2m moves the clock at once and runs what falls due (greetings, rounds, check-ins).
Forms ask field by field. For several lines (a /config import), answer <<< , type or paste the lines, and end
with a line holding only a dot (.). Files the bot sends (charts, exports) are written to the output folder."""

LineSource = Callable[[str], AsyncIterator[str]]


async def stdin_lines(prompt: str | Callable[[], str]) -> AsyncIterator[str]:
    """Lines from the terminal (with a prompt, e.g. who you are acting as) or from piped stdin, without blocking
    the event loop.

    A daemon thread reads, one line per request: a thread of the loop's executor would keep the process alive
    on SIGTERM while it waits for a line that never comes (asyncio waits for its executor at exit)."""
    interactive = sys.stdin.isatty()
    loop = asyncio.get_running_loop()
    while True:
        text = prompt() if callable(prompt) else prompt
        answer: asyncio.Future[str | None] = loop.create_future()
        threading.Thread(target=_read_line, args=(loop, answer, text if interactive else None),
                         name="console-stdin", daemon=True).start()
        line = await answer
        if line is None:
            return
        yield line.rstrip("\n")


def _read_line(loop: asyncio.AbstractEventLoop, answer: asyncio.Future[str | None], prompt: str | None) -> None:
    """One line from stdin into `answer` (None at its end), read in a daemon thread."""
    line: str | None
    try:
        line = input(prompt) if prompt is not None else (sys.stdin.readline() or None)
    except (EOFError, OSError, ValueError):
        line = None
    try:
        loop.call_soon_threadsafe(_settle, answer, line)
    except RuntimeError:  # the loop closed while this thread waited: the console has ended
        pass


def _settle(answer: asyncio.Future[str | None], line: str | None) -> None:
    if not answer.done():
        answer.set_result(line)


class ConsoleCommunity:
    """One local community; `handle` takes one typed line."""

    def __init__(self, app: App, console: Console | None = None, *, outbox: Outbox | None = None,
                 out_dir: Path | None = None) -> None:
        """`outbox`: the transcript to continue (a console opened again on the same store after a crash reads
        back what was sent before, as a chat platform would). `out_dir`: where files the bot sends are written.
        On an app whose clock is a `VirtualClock` (bot.py's console), `/wait` moves it and runs the jobs due."""
        self.app = app
        self.screen = Screen(console or Console(highlight=False), out_dir=out_dir)
        clock = app.services.clock
        self.clock = clock if isinstance(clock, VirtualClock) else VirtualClock()
        self.driver = JobDriver(app.services.jobs, self.clock) if isinstance(clock, VirtualClock) else None
        self._multiline: list[str] | None = None
        self.outbox = outbox if outbox is not None else Outbox()
        self.members: dict[str, ConsoleMember] = {}
        self.messenger = ConsoleMessenger(self.screen, self.members, self.outbox)
        self.screen.name_of = self._display_name
        app.register_messenger(self.messenger)
        self.current = self.add_member("admin", moderator=True)
        self.pending_form: Form | None = None
        self.running = True

    # ------------------------------------------------------------------ members
    def add_member(self, name: str, *, moderator: bool = False, user_id: str | None = None) -> ConsoleMember:
        key = user_id or name.lower()
        existing = self.members.get(key)
        if existing:
            return existing
        ref = MemberRef("console", key, name, username=name.lower())
        member = ConsoleMember(ref, moderator=moderator)
        self.members[key] = member
        return member

    def prompt(self) -> str:
        """The terminal prompt: who you are acting as, or the form field being asked for."""
        return "  > " if self.pending_form is not None else f"{self.current.ref.display_name}> "

    def _display_name(self, user_id: str) -> str | None:
        m = self.members.get(user_id)
        return m.ref.display_name if m else None

    def by_name(self, name: str) -> ConsoleMember | None:
        low = name.strip().lstrip("@").lower()
        return self.members.get(low) or next(
            (m for m in self.members.values() if m.ref.display_name.lower() == low), None)

    async def setup(self, demo: int = 0, seed: int = 1, *, history: bool = False) -> None:
        """Open the community: the members the store knows come back (a console reopened on the same store
        keeps its people); `demo` adds that many synthetic members with profiles, and with `history` also
        their past 90 days (integrations/console/history.py), unless the store has its demo members already."""
        community = await self.app.community(KEY)
        admin = await self.app.resolve_member(community, self.current.ref)
        self.current.ref = admin
        for row in await self.app.services.members.list(community.id, present_only=False):
            if row.user_id not in self.members:
                self.add_member(row.display_name, user_id=row.user_id).ref = row.ref
        known = sum(1 for key in self.members if key.startswith("demo-"))
        if demo and known:
            self.screen.line(f"This store has its demo community already ({known} demo members); it is reopened "
                             "as it was. Type /members to see them.", "dim")
        elif demo:
            await self._seed(community, demo, seed, history)
        self.app.platform_ready("console")

    async def _seed(self, community: CommunityRef, demo: int, seed: int, history: bool) -> None:
        members = demo_members(demo, seed)
        if history and self.driver is not None:
            from integrations.console.history import HistoryPlayer

            self.screen.line(f"Creating a demo community of {demo} members with 90 days of history …", "dim")
            self.screen.muted = True
            try:
                await HistoryPlayer(self, demo_lives(members, seed), seed).play()
            finally:
                self.screen.muted = False
                self.screen.choices.clear()
            self.screen.line(f"Seeded {demo} demo members (seed {seed}) with 90 days of history: joins, messages, "
                             "reactions, thanks, intro rounds, mentors, greeters. Type /members to see them.", "dim")
            return
        for dm in members:
            m = self.add_member(dm.name, user_id=dm.user_id)
            m.ref = await self.app.resolve_member(community, m.ref)
            await self.app.services.profiles.set_fields(community.id, m.ref.id, dm.facets)
        self.screen.line(f"Seeded {demo} demo members (seed {seed}). Type /members to see them.", "dim")

    # ------------------------------------------------------------------ input
    async def run(self, lines: AsyncIterator[str]) -> None:
        self.screen.line("Kindred console community. Type /help for Kindred's commands, /console for the "
                         "console's own. You are 'admin' (a moderator).", "bold")
        if self.screen.out_dir is not None:
            self.screen.line(f"Files the bot sends (charts, exports) and the log go to {self.screen.out_dir}/.", "dim")
        ticker = asyncio.create_task(self._tick()) if self.clock.flowing and self.driver is not None else None
        try:
            async for line in lines:
                await self.enter(line)
                if not self.running:
                    break
        finally:
            if ticker is not None:
                ticker.cancel()

    async def _tick(self) -> None:
        """Interactive, time flows: run the jobs falling due while you read or type."""
        assert self.driver is not None
        while True:
            await asyncio.sleep(1.0)
            await self.driver.advance(self.clock())

    async def enter(self, line: str) -> None:
        """One typed line: the answer to the open form's current field, else a command, choice or message."""
        if self.pending_form is not None:
            await self._form_answer(line)
        else:
            await self.handle(line)

    async def handle(self, line: str) -> None:
        text = line.strip()
        if not text or text.startswith("#"):
            return
        if not sys.stdin.isatty():
            self.screen.line(f"{self.current.ref.display_name}> {text}", "green")
        word, _, rest = text.partition(" ")
        meta = _META.get(word.lower())
        if meta is not None:
            await meta(self, rest.strip())
            return
        if text.isdigit():
            await self._press(int(text))
            return
        if text.startswith("/"):
            await self._command(text)
            return
        await self.app.emit(MessagePosted(key=KEY, member=self.current.ref, channel=GENERAL, length=len(text),
                                          text=text, at=self.clock()))

    async def _command(self, text: str) -> None:
        responder = ConsoleResponder(self.screen, self.outbox, self.current.ref)
        self.screen.choices.clear()
        await self.app.invoke(KEY, self.current.ref, GENERAL, text, None, responder, self.messenger)
        self._take_form(responder)

    def _take_form(self, responder: ConsoleResponder) -> None:
        if responder.form is not None:
            self.pending_form = responder.form
            self._answers: dict[str, str] = {}
            self._field_index = 0
            self.screen.line(f"Form: {responder.form.title} — answer each field; empty keeps the current "
                             f"value, '-' clears it, /cancel closes the form; {MULTILINE_START} starts several "
                             f"lines, ended by a line with only '{MULTILINE_END}'.", "bold")
            self._ask()

    def _ask(self) -> None:
        assert self.pending_form is not None
        f = self.pending_form.fields[self._field_index]
        current = f" [{f.default}]" if f.default and "\n" not in f.default else ""
        rules = ", ".join([*(["required"] if f.required else []), f"at most {f.max_length} characters"])
        self.screen.line(f"{f.label}{current} ({rules}):", "cyan")

    async def _form_answer(self, line: str) -> None:
        assert self.pending_form is not None
        form = self.pending_form
        f = form.fields[self._field_index]
        if self._multiline is not None:  # inside a several-line answer: collect up to the closing line
            if line.strip() != MULTILINE_END:
                self._multiline.append(line)
                return
            value, self._multiline = "\n".join(self._multiline), None
        else:
            answer = line.strip()
            if answer.lower() == "/cancel":  # like closing a modal: nothing is submitted
                self.pending_form = None
                self.screen.line("Form closed; nothing was sent.", "dim")
                return
            if answer == MULTILINE_START:
                self._multiline = []
                self.screen.line(f"Type or paste the lines; a line with only '{MULTILINE_END}' ends them.", "dim")
                return
            value = "" if answer == "-" else (answer or f.default)
        problem = field_problem(f, value)
        if problem:  # as Discord and Slack refuse to submit the form: say why and ask again
            self.screen.line(problem, "red")
            self._ask()
            return
        self._answers[f.id] = value
        self._field_index += 1
        if self._field_index < len(form.fields):
            self._ask()
            return
        self.pending_form = None
        responder = ConsoleResponder(self.screen, self.outbox, self.current.ref)
        self.screen.choices.clear()
        await self.app.submit(KEY, self.current.ref, GENERAL, form.custom_id, self._answers, responder,
                              self.messenger)
        self._take_form(responder)

    async def _press(self, number: int) -> None:
        choice = self.screen.pick(number)
        if choice is None:
            self.screen.line(f"There is no choice {number}.", "red")
            return
        responder = ConsoleResponder(self.screen, self.outbox, self.current.ref)
        values = [choice.value] if choice.value is not None else []
        await self.app.press(KEY, self.current.ref, GENERAL, choice.custom_id, responder, self.messenger,
                             values=values)
        self._take_form(responder)

    # ------------------------------------------------------------------ meta commands
    async def _as(self, name: str) -> None:
        if not name:
            self.screen.line("Usage: /as NAME", "red")
            return
        member = self.by_name(name) or self.add_member(name)
        community = await self.app.community(KEY)
        member.ref = await self.app.resolve_member(community, member.ref)
        self.current = member
        self.screen.line(f"You are now {member.ref.display_name}.", "dim")

    async def _members(self, _rest: str) -> None:
        community = await self.app.community(KEY)
        for m in self.members.values():
            row = await self.app.services.members.by_user_id(community.id, m.ref.user_id)
            tags = [t for t, on in (("moderator", m.moderator), ("left", row is not None and not row.active)) if on]
            self.screen.line(f"- {m.ref.display_name}" + (f" ({', '.join(tags)})" if tags else ""))

    async def _join(self, name: str) -> None:
        if not name:
            self.screen.line("Usage: /join NAME", "red")
            return
        community = await self.app.community(KEY)
        member = self.by_name(name)
        if member is not None:
            row = await self.app.services.members.by_user_id(community.id, member.ref.user_id)
            if row is not None and row.active:
                self.screen.line(f"{member.ref.display_name} is a member already; /join is for newcomers. Pick a "
                                 f"new name (e.g. /join {_free_name(self, name)}).", "red")
                return
            again = " again" if row is not None else ""
            self.screen.line(f"{member.ref.display_name} joined the community{again}.", "dim")
        else:
            member = self.add_member(name)
            self.screen.line(f"{member.ref.display_name} joined the community.", "dim")
        await self.app.emit(MemberJoined(key=KEY, member=member.ref, at=self.clock()))
        member.ref = await self.app.resolve_member(community, member.ref)

    async def _leave(self, name: str) -> None:
        member = self.by_name(name) if name else self.current
        if member is None:
            self.screen.line(f"No member called {name}.", "red")
            return
        self.screen.line(f"{member.ref.display_name} left the community.", "dim")
        await self.app.emit(MemberLeft(key=KEY, member=member.ref, at=self.clock()))

    async def _mod(self, name: str) -> None:
        member = self.by_name(name)
        if member is None:
            self.screen.line(f"No member called {name}.", "red")
            return
        member.moderator = True
        self.screen.line(f"{member.ref.display_name} is now a moderator.", "dim")

    async def _role(self, rest: str) -> None:
        """Create a role; given a member too, grant it (a `role:NAME` welcome trigger, as Discord sends one)."""
        role, _, who = rest.partition(" ")
        if not role:
            self.screen.line("Usage: /role NAME [MEMBER]", "red")
            return
        if role not in self.messenger.role_names:
            self.messenger.role_names.append(role)
        member = self.by_name(who) if who else None
        if who and member is None:
            self.screen.line(f"No member called {who}.", "red")
            return
        if member is None:
            self.screen.line(f"Role {role} exists now.", "dim")
            return
        member.ref = replace(member.ref, roles=(*member.ref.roles, role))
        self.screen.line(f"{member.ref.display_name} has the role {role} now.", "dim")
        await self.app.emit(MemberJoined(key=KEY, member=member.ref, trigger=f"role:{role}", at=self.clock()))

    async def _dmclosed(self, name: str) -> None:
        member = self.by_name(name)
        if member is None:
            self.screen.line(f"No member called {name}.", "red")
            return
        member.dm_closed = True
        self.screen.line(f"{member.ref.display_name} no longer accepts DMs.", "dim")

    async def _react(self, emoji: str) -> None:
        await self.app.emit(ReactionAdded(key=KEY, member=self.current.ref, channel=GENERAL, emoji=emoji or "👍",
                                          at=self.clock()))

    async def _wait(self, text: str) -> None:
        """Let time pass: on the virtual clock at once, running every job due on the way (greetings after their
        delay, rounds, check-ins, the drip); without one (an app on a test's clock), really."""
        delay = parse_duration(text or "1")
        if delay is None or delay > MAX_WAIT:
            self.screen.line("Usage: /wait TIME, e.g. /wait 90s, /wait 2m, /wait 3h, /wait 2d (at most 30 days).",
                             "red")
            return
        if self.driver is None:
            await asyncio.sleep(min(delay.total_seconds(), 3600.0))
            return
        await self.driver.advance(self.clock() + delay)
        await asyncio.sleep(0)
        self.screen.line(f"… {_spoken(delay)} later: {self.clock():%a %d %b %Y, %H:%M} UTC.", "dim")

    async def _help(self, _rest: str) -> None:
        self.screen.line(HELP)

    async def _quit(self, _rest: str) -> None:
        self.running = False


MAX_WAIT = timedelta(days=30)


def _spoken(delay: timedelta) -> str:
    """`2 minutes`, `1 hour 30 minutes`, `2 days`: a wait as it is said."""
    seconds = int(delay.total_seconds())
    parts = []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        n, seconds = divmod(seconds, size)
        if n:
            parts.append(f"{n} {unit}{'' if n == 1 else 's'}")
    return " ".join(parts[:2]) or "a moment"


def _free_name(console: ConsoleCommunity, name: str) -> str:
    """A name like `name` that nobody has yet (`zoe2`, `zoe3`, ...)."""
    base = name.strip().lstrip("@").lower()
    n = 2
    while console.by_name(f"{base}{n}") is not None:
        n += 1
    return f"{base}{n}"


def field_problem(f: FormField, value: str) -> str | None:
    """What Discord's and Slack's forms refuse before sending: an empty required field, a value over the field's
    `max_length`. The console refuses the same, so a form submit means the same on every platform."""
    if f.required and not value.strip():
        return f"{f.label} is required; type a value (or /cancel to leave the form)."
    if len(value) > f.max_length:
        return f"{f.label} takes at most {f.max_length} characters; this has {len(value)}."
    return None


_META: dict[str, Callable[[ConsoleCommunity, str], Any]] = {
    "/as": ConsoleCommunity._as,
    "/members": ConsoleCommunity._members,
    "/join": ConsoleCommunity._join,
    "/leave": ConsoleCommunity._leave,
    "/mod": ConsoleCommunity._mod,
    "/dmclosed": ConsoleCommunity._dmclosed,
    "/role": ConsoleCommunity._role,
    "/react": ConsoleCommunity._react,
    "/wait": ConsoleCommunity._wait,
    "/console": ConsoleCommunity._help,
    "/quit": ConsoleCommunity._quit,
    "/exit": ConsoleCommunity._quit,
}
