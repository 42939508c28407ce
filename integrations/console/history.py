"""Playing a demo community's history (integrations/console/demo.py) through the running app.

Everything goes through the features' own doors, as it would on a chat platform: joins, messages, reactions and
leaves are events; taking part in rounds, greeting, mentoring and thanking are the members' own commands; the
buttons the bot sends (check-ins, mentor requests, "I've said hello") are pressed by the members they went to;
rounds, greetings, buddies and check-ins are the features' jobs, run by the virtual clock (clock.py) as the days
pass; CRM attributes go through engagement's CRM import. So the store holds what the features themselves
would have written, and every report, segment and export shows real shapes.
"""

from __future__ import annotations

import logging
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from core.events import MemberJoined, MemberLeft, MessagePosted, ProfileUpdated, ReactionAdded
from core.interfaces import SettingsEditor
from core.messages import ButtonStyle
from core.refs import CommunityRef, MemberRef
from core.scheduling import job_id, slot_of
from integrations.console.community import GENERAL, KEY, ConsoleResponder
from integrations.console.demo import HISTORY_DAYS, Life

if TYPE_CHECKING:
    from integrations.console.repl import ConsoleCommunity

log = logging.getLogger(__name__)

TICK = timedelta(hours=12) # how often the features' jobs run while the history is played (each run coalesced)
MAX_MESSAGES = 3000  # the history's messages at most, so that a big demo still starts in seconds
DEMO_SETTINGS = {"welcome.buddy": True}  # the demo shows onboarding buddies; everything else stays default
_CHATTER = ["Has anyone tried {t} in production?", "Great talk on {t} yesterday!", "Looking for help with {t}.",
            "Sharing a write-up about {t}.", "Who else is into {t}?", "Thanks for the tips on {t}!"]


@dataclass(order=True, slots=True)
class _Step:
    at: datetime
    order: int  # ties: joins first, leaves last
    kind: str
    who: int  # index into the lives
    arg: str = ""


def timeline(lives: list[Life], end: datetime, rng: random.Random, days: int = HISTORY_DAYS) -> list[_Step]:
    """Every step of the history in time order (pure: the same lives and seed give the same steps)."""
    def at(days_ago: float) -> datetime:
        return end - timedelta(days=days_ago)

    steps: list[_Step] = []
    total = sum(life.chattiness * (life.joined - (life.quiet_from or life.left or 0)) for life in lives) or 1.0
    scale = min(1.0, MAX_MESSAGES / total)
    for i, life in enumerate(lives):
        steps.append(_Step(at(life.joined), 0, "join", i))
        if life.greeter:
            steps.append(_Step(at(life.joined - 0.01), 1, "greeter", i))
        if life.mentor_topics:
            steps.append(_Step(at(life.joined - 0.02), 1, "mentor", i, ",".join(life.mentor_topics)))
        if life.rounds_from is not None:
            steps.append(_Step(at(life.rounds_from), 1, "rounds", i))
        if life.mentee_topic and life.mentee_from is not None:
            steps.append(_Step(at(life.mentee_from), 2, "mentee", i, life.mentee_topic))
        if life.left is not None:
            steps.append(_Step(at(life.left), 9, "leave", i))
        if life.quiet_from is not None:
            steps.append(_Step(at(life.quiet_from), 8, "quiet", i))
        until = life.quiet_from or life.left or 0.0
        day = life.joined
        while day > until:
            span = min(1.0, day - until)
            for _ in range(_poisson(rng, life.chattiness * span * scale)):
                when = day - rng.random() * span
                topic = rng.choice(life.member.facets["topics"])
                steps.append(_Step(at(when), 3, "message", i, rng.choice(_CHATTER).format(t=topic)))
                if rng.random() < 0.4:
                    steps.append(_Step(at(max(when - 0.01, until)), 4, "react", i, rng.choice(["👍", "🎉", "❤️", "🙏"])))
                if rng.random() < 0.04:
                    steps.append(_Step(at(max(when - 0.02, until)), 5, "thanks", i, topic))
            day -= 1.0
    steps.sort()
    return steps


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method; the means here are small)."""
    if mean <= 0:
        return 0
    limit, k, p = math.exp(-min(mean, 30.0)), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class HistoryPlayer:
    """Plays the steps through the console community's app, with the screen muted."""

    def __init__(self, console: ConsoleCommunity, lives: list[Life], seed: int) -> None:
        self.console = console
        self.app = console.app
        self.lives = lives
        self.rng = random.Random(f"kindred-demo-events-{seed}")
        self.refs: list[MemberRef] = []
        self.community: CommunityRef | None = None
        self.present: list[int] = []  # lives present now, in join order
        self.helpers: list[int] = []  # greeters and mentors: thanked more often
        self.quiet: set[int] = set()  # lives who went quiet: no messages, reactions, answers any more
        self._seen = 0  # outbox entries already looked at for buttons
        self._end = console.clock()
        self._round: tuple[str, datetime] | None = None  # the round job, and when this period's round is due

    async def play(self) -> None:
        console = self.console
        end = console.clock()
        start = end - timedelta(days=HISTORY_DAYS)
        steps = timeline(self.lives, end, self.rng)
        console.clock.set(start - timedelta(hours=1))
        console.driver.forget_past()
        community = await self.app.community(KEY)
        editor = self.app.services.interface(SettingsEditor)
        if editor is not None:
            await editor.apply(community.id, set_values=DEMO_SETTINGS, who=console.current.ref, action="demo")
        self.community = community
        self.refs = [console.add_member(life.member.name, user_id=life.member.user_id).ref for life in self.lives]
        self._seen = len(console.outbox.sent)
        self._end = end
        next_tick = start
        for step in steps:
            while step.at >= next_tick:
                await self._tick(next_tick)
                next_tick += TICK
            console.clock.set(max(step.at, console.clock()))
            try:
                await self._do(community.id, step)
            except Exception:  # one odd step must not stop the demo; the log says which
                log.exception("demo step %s of %s failed", step.kind, self.lives[step.who].member.name)
        await self._tick(end)
        console.driver.forget_past()  # from now on, each job at its next firing
        await self._crm()

    def _find_round(self, community: CommunityRef, end: datetime) -> None:
        """The history stops just before this period's intro round, so that `/match run-now` pairs people at
        once, as on the day a community starts its rounds."""
        from cogs.matching.cog import ROUND_JOB

        key = job_id(ROUND_JOB, community.id)
        schedule = self.app.services.jobs.planned().get(key)
        if schedule is not None:
            self._round = (key, slot_of(schedule, end))

    async def _tick(self, when: datetime) -> None:
        """Let the features' jobs run up to `when` (coalesced), then have members answer what they were sent."""
        if self._round is None and self.community is not None:  # scheduled once the community uses matching
            self._find_round(self.community, self._end)
        hold = frozenset({self._round[0]}) if self._round and when >= self._round[1] else frozenset()
        await self.console.driver.advance(when, max_steps=1, hold=hold)
        await self._answer_buttons()

    async def _do(self, community_id: int, step: _Step) -> None:
        life, ref, now = self.lives[step.who], self.refs[step.who], self.console.clock()
        if step.kind == "join":
            await self.app.emit(MemberJoined(key=KEY, member=ref, at=now))
            member = self.console.members[ref.user_id]
            member.ref = await self.app.resolve_member(self.community, ref)
            if life.profile:
                await self.app.services.profiles.set_fields(community_id, member.ref.id, life.member.facets)
                await self.app.emit(ProfileUpdated(key=KEY, member=member.ref, fields=tuple(life.member.facets),
                                                   complete=True, at=now))
            self.present.append(step.who)
        elif step.kind == "leave":
            await self.app.emit(MemberLeft(key=KEY, member=self._member(step.who), at=now))
            self.present.remove(step.who)
        elif step.kind == "quiet":  # stops taking part in anything
            self.quiet.add(step.who)
            if life.rounds_from is not None:
                await self._command(step.who, "/match leave")
        elif step.kind == "greeter":
            self.helpers.append(step.who)
            await self._command(step.who, "/greeter join capacity:5")
        elif step.kind == "mentor":
            self.helpers.append(step.who)
            await self._command(step.who, f"/mentor offer topics:{step.arg} capacity:2")
        elif step.kind == "mentee":
            await self._command(step.who, f"/mentor request topic:{step.arg}")
        elif step.kind == "rounds":
            await self._command(step.who, "/match join")
        elif step.kind == "message":
            await self.app.emit(MessagePosted(key=KEY, member=self._member(step.who), channel=GENERAL,
                                              length=len(step.arg), text=step.arg, at=now))
        elif step.kind == "react":
            author = self._other(step.who, [i for i in self.present if i not in self.quiet])
            if author is not None:
                await self.app.emit(ReactionAdded(key=KEY, member=self._member(author), channel=GENERAL,
                                                  emoji=step.arg, message_author=self._member(step.who), at=now))
        elif step.kind == "thanks":
            helper = self._other(step.who, [h for h in self.helpers if h in self.present] * 3 + self.present)
            if helper is not None:
                name = self.lives[helper].member.name
                await self._command(step.who, f"/thanks member:{name} for:the tips on {step.arg}")

    def _member(self, index: int) -> MemberRef:
        return self.console.members[self.refs[index].user_id].ref

    def _other(self, index: int, pool: list[int]) -> int | None:
        choices = [i for i in pool if i != index]
        return self.rng.choice(choices) if choices else None

    async def _command(self, index: int, text: str) -> None:
        member = self._member(index)
        responder = ConsoleResponder(self.console.screen, self.console.outbox, member)
        await self.app.invoke(KEY, member, GENERAL, text, None, responder, self.console.messenger)

    async def _answer_buttons(self) -> None:
        """Members answer what the bot sent them: most press the positive button (met, accept, said hello), some
        another one, some nothing."""
        sent = self.console.outbox.sent
        fresh, self._seen = sent[self._seen:], len(sent)
        by_user = {ref.user_id: i for i, ref in enumerate(self.refs)}
        for kind, target, message in fresh:
            index = by_user.get(target) if kind == "dm" else None
            positive = [b for b in message.buttons if b.style == ButtonStyle.SUCCESS]
            if index is None or not positive or index not in self.present or index in self.quiet:
                continue
            roll = self.rng.random()
            others = [b for b in message.buttons if b.style not in (ButtonStyle.SUCCESS, ButtonStyle.DANGER)]
            button = positive[0] if roll < 0.65 else (self.rng.choice(others) if others and roll < 0.8 else None)
            if button is None:
                continue
            member = self._member(index)
            responder = ConsoleResponder(self.console.screen, self.console.outbox, member)
            await self.app.press(KEY, member, GENERAL, button.custom_id, responder, self.console.messenger)

    async def _crm(self) -> None:
        """A few CRM attributes, imported as `bot.py import-members` does."""
        from cogs.engagement.crm import parse_crm_csv
        from cogs.engagement.store.crm import CrmRepo

        rows = [life.crm for life in self.lives if life.crm]
        if not rows:
            return
        columns = list(rows[0])
        lines = [",".join(columns), *(",".join(row[c] for c in columns) for row in rows)]
        parsed = parse_crm_csv(lines, "email")
        if parsed.ok:
            await CrmRepo(self.app.services.store).upsert_many(parsed.records, self.console.clock())
