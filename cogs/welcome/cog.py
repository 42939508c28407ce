"""Welcome commands, buttons and events; the onboarding work itself lives in flow.py.

`/welcome preview|test|set|status` for moderators, `/greeter join|leave|list` for volunteers, the greeting's
buttons, and the events that start and stop onboarding. A job (`services.jobs`, core/scheduling.py) runs
`Onboarding.tick` when the next greeting is due, at least once a minute for the drip, and at once when a join, a
changed setting or a platform that connected brings new work; everything it acts on is in the store, so a restart
picks up where the last process stopped.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pydantic import ValidationError

from cogs.welcome import messages as msgs
from cogs.welcome.flow import Onboarding
from cogs.welcome.funnel import PROFILE_STARTED_LABEL
from cogs.welcome.inputs import SETTABLE, check_reachable, parse_setting
from cogs.welcome.pacing import DRIP_EVERY, LOAD_WINDOW, POLL, WORK_WINDOW
from cogs.welcome.store.personal import WelcomePersonalData
from cogs.welcome.store.repo import Status, Step
from cogs.welcome.templates import Newcomer, clean_name
from core import options as opt
from core.commands import Cog, command, on_component, on_event
from core.community_config import apply_overrides
from core.context import Context
from core.dispatcher import App
from core.errors import DeliveryFailed, DMClosed, OptionError, UserError
from core.events import MemberJoined, MemberLeft, MessagePosted, ProfileStarted, ProfileUpdated
from core.i18n import N_, translator
from core.interfaces import PersonalData, SettingsEditor
from core.messages import Field, Message
from core.permissions import Level
from core.settings import CommunityConfig

log = logging.getLogger(__name__)

FUNNEL_DAYS = 30
JOB = "welcome"  # the process's welcome work: greetings due, the channel posts, the drip


class Welcome(Cog):
    name = "welcome"
    module = "welcome"
    groups = {
        "welcome": N_("Greeting and onboarding newcomers"),
        "greeter": N_("Volunteer as an onboarding buddy for newcomers"),
    }

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.flow = Onboarding(app)
        self.personal = WelcomePersonalData(self.services.store)
        self._last_drip: datetime | None = None
        self._wake_at: datetime | None = None  # clock time the job will look again, at the latest
        self._quiet: set[tuple[int, int]] = set()  # newcomers who have not posted yet

    # ------------------------------------------------------------------ lifecycle
    async def setup(self) -> None:
        self.services.provide_many(PersonalData, self.personal)
        await self.flow.recover()
        self._quiet = set(await self.flow.repo.quiet_newcomers(self.flow.now() - WORK_WINDOW))
        self.services.config.subscribe(self._settings_changed)
        self.app.on_platform_ready(lambda _platform: self.wake())  # greetings waiting for it go out now
        # Process-wide: greetings and drip steps are claimed row by row in the store, so every process may work;
        # whether a community has welcome switched on is checked per community (`Onboarding.switched_on`).
        self.services.jobs.every(JOB, POLL, self._run)
        self.wake()

    async def _settings_changed(self, community_id: int, keys: set[str]) -> None:
        """A moderator changed settings (here or with /config): look again at what is due."""
        if any(k.startswith(("welcome.", "community.")) for k in keys):
            self.wake()

    async def teardown(self) -> None:
        self.services.withdraw_many(PersonalData, self.personal)
        self.services.jobs.cancel(JOB)

    def wake(self) -> None:
        """Make the job look at the store now (a join, a changed setting); asked for while it runs, it runs
        once more right after."""
        self._wake_at = None
        self.services.jobs.run_now(JOB)

    async def tick(self) -> None:
        """Do everything due now, drip included (the job does this; tests call it after moving the clock)."""
        await self.flow.tick(drip=True)

    async def _run(self) -> None:
        """One run of the job: what is due, the drip once a minute, then the next run when the next greeting
        is due (at the latest after `POLL` seconds, or a minute after a failure)."""
        self._wake_at = None  # joins while this run works wake the job again
        now = self.flow.now()
        drip = self._last_drip is None or now - self._last_drip >= DRIP_EVERY or now < self._last_drip
        try:
            await self.flow.tick(drip=drip)
            if drip:
                self._last_drip = now
            wait = await self.flow.seconds_to_next()
        except Exception as exc:
            if not self.services.store.health.outage(exc, "the welcome job"):
                log.exception("welcome job failed; retrying in a minute")
            wait = 60.0
        self._wake_at = self.flow.now() + timedelta(seconds=wait)
        self.services.jobs.next_run(JOB, wait)

    # ------------------------------------------------------------------ events
    @on_event(MemberJoined)
    async def member_joined(self, event: MemberJoined) -> None:
        assert event.community is not None
        due = await self.flow.begin(event.community, event.member, event.trigger)
        if due is not None:
            self._quiet.add((event.community.id, event.member.id))
            if self._wake_at is None or due < self._wake_at:
                self.wake()  # otherwise the loop already wakes in time (a burst pokes it once, not 500 times)

    @on_event(MemberLeft)
    async def member_left(self, event: MemberLeft) -> None:
        assert event.community is not None
        await self.flow.repo.member_left(event.community.id, event.member.id, self.flow.now())

    @on_event(MessagePosted)
    async def message_posted(self, event: MessagePosted) -> None:
        assert event.community is not None
        key = (event.community.id, event.member.id)
        if key in self._quiet:
            self._quiet.discard(key)
            await self.flow.repo.note_message(event.community.id, event.member.id, self.flow.now())

    @on_event(ProfileUpdated)
    async def profile_updated(self, event: ProfileUpdated) -> None:
        assert event.community is not None
        await self.flow.record(event.community, event.member.id, Step.PROFILE_SAVED,
                               detail="complete" if event.complete else "")

    async def forget_member(self, community_id: int, member_id: int) -> None:
        self._quiet.discard((community_id, member_id))
        row = await self.services.members.get(member_id)
        if row is not None:  # the delivery ledger names the account (its DMs, the conversations it was in)
            await self.flow.ledger.forget(community_id, row.user_id)
        await self.flow.repo.forget(community_id, member_id)

    # ------------------------------------------------------------------ buttons
    @on_component(msgs.PROFILE_ID)
    async def profile_pressed(self, ctx: Context, values: list[str]) -> None:
        """Record that the newcomer started their profile, then open the profiles feature's own form."""
        if await self.flow.record(ctx.community, ctx.member.id, Step.PROFILE_STARTED):
            await self.app.emit(ProfileStarted(key=ctx.community.key, community=ctx.community, at=self.flow.now(),
                                               member_id=ctx.member.id, source=PROFILE_STARTED_LABEL))
        await self.app.press(ctx.community, ctx.member, ctx.channel, "profile:form:main", ctx.responder,
                             ctx.messenger)

    @on_component(msgs.BUDDY_ID)
    async def buddy_pressed(self, ctx: Context, values: list[str]) -> None:
        cfg = await self.services.config.get(ctx.community.id)
        if not cfg.welcome.buddy:
            raise UserError(N_("Onboarding buddies are switched off in this community."))
        if await self.flow.repo.newcomer(ctx.community.id, ctx.member.id) is None:
            raise UserError(N_("Buddies are for newcomers in their first weeks. Ask a moderator if you would "
                               "like one anyway."))
        await ctx.defer(ephemeral=True)  # an intro (a thread, a group DM) can take a moment
        outcome = await self.flow.find_buddy(ctx.community, ctx.member, ctx.messenger, cfg)
        if outcome.buddy is not None and outcome.status in ("assigned", "existing"):
            name = clean_name(outcome.buddy.display_name)
            text = (ctx._("I have introduced you to {buddy}, your buddy for the first weeks.", buddy=name)
                    if outcome.status == "assigned"
                    else ctx._("{buddy} is already your buddy; look for your intro conversation.", buddy=name))
        elif outcome.status == "none_free":
            text = ctx._("All our greeters are busy right now. Press “Find me a buddy” again in a day or two.")
        else:
            text = ctx._("I could not start a conversation with a buddy just now. Please try again later.")
        await ctx.reply(text, ephemeral=True)

    @on_component(msgs.HELLO_ID)
    async def hello_pressed(self, ctx: Context, newcomer_id: str, values: list[str]) -> None:
        pair = (await self.flow.repo.buddy_of(ctx.community.id, int(newcomer_id))
                if newcomer_id.isascii() and newcomer_id.isdigit() and len(newcomer_id) < 12 else None)
        if pair is None:
            raise UserError(N_("This button is no longer active."))
        if ctx.member.id not in (pair.buddy_id, pair.newcomer_id):
            raise UserError(N_("This button is not for you."))
        if await self.flow.repo.mark_contacted(ctx.community.id, pair.newcomer_id, self.flow.now()):
            await self.flow.record(ctx.community, pair.newcomer_id, Step.BUDDY_CONTACTED)
        await ctx.reply(ctx._("Thank you! Noted that you have said hello."), ephemeral=True)

    # ------------------------------------------------------------------ moderator commands
    @command("welcome preview", N_("Show the greeting as a newcomer would get it"), level=Level.MODERATOR)
    async def preview(self, ctx: Context) -> None:
        cfg = ctx.proposed or await self.services.config.get(ctx.community.id)  # /setup's dry run proposes one
        public = translator(cfg.community.language)  # what newcomers get; the labels follow the moderator's language
        variants = self.flow.variants(cfg, public)
        message = await self.flow.personal_greeting(ctx.community, cfg, ctx.member, public)
        message.title = ctx._n("Preview of the greeting (one variant)",
                               "Preview of the greeting ({count} variants, one picked at random)", len(variants),
                               count=len(variants))
        message.mentions = ()
        if len(variants) > 1:
            newcomer = [Newcomer(ctx.member.user_id, ctx.member.display_name)]
            for i, text in enumerate(variants, 1):
                rendered = await self.flow.render_greeting(ctx.community, cfg, newcomer, public, text)
                message.fields.append(Field(ctx._("Variant {n}", n=i), rendered.text, inline=False))
        await ctx.reply(message, ephemeral=True)

    @command("welcome test", N_("Run the welcome flow on yourself now, without waiting"), level=Level.MODERATOR,
             long_running=True)
    async def test(self, ctx: Context) -> None:
        """Sends the real greeting DM (so closed DMs show up), shows the channel version and who the buddy would
        be, and records nothing: a moderator's test does not use up anyone's steps."""
        cfg = await self.services.config.get(ctx.community.id)
        report: list[str] = []
        picked = await self.flow.pick_buddy(ctx.community, ctx.member) if cfg.welcome.buddy else None
        buddy_row = await self.services.members.get(picked[0].member_id) if picked else None
        buddy_name = clean_name(buddy_row.display_name) if buddy_row else ""
        public = translator(cfg.community.language)  # what newcomers get
        if cfg.welcome.dm:
            message = await self.flow.personal_greeting(ctx.community, cfg, ctx.member, public,
                                                        buddy_name=buddy_name,
                                                        no_greeter_free=cfg.welcome.buddy and not buddy_name,
                                                        test=True)
            try:
                await ctx.dm(ctx.member, message)
                report.append(ctx._("Greeting sent to you by DM."))
            except DMClosed:
                report.append(ctx._("Your DMs are closed, so newcomers like you get the greeting in the welcome "
                                    "channel instead."))
            except DeliveryFailed:
                report.append(ctx._("The DM could not be delivered; newcomers would get the channel greeting."))
        else:
            report.append(ctx._("Greetings by DM are off."))
        fields: list[Field] = []
        if cfg.welcome.channel:
            rendered = await self.flow.render_greeting(
                ctx.community, cfg, [Newcomer(ctx.member.user_id, ctx.member.display_name)], public)
            greeting = msgs.channel_greeting(public, rendered, [(ctx.member.user_id, ctx.member.display_name)],
                                             cfg.welcome.buddy)
            fields.append(Field(ctx._("In #{channel} it would read", channel=clean_name(cfg.welcome.channel)),
                                greeting.text, inline=False))
        else:
            report.append(ctx._("No welcome channel is set; newcomers with closed DMs cannot be greeted."))
        if cfg.welcome.buddy:
            report.append(ctx._("Your buddy would be {buddy}; a test introduces nobody.", buddy=buddy_name)
                          if buddy_name else ctx._("No greeter has room for a newcomer right now."))
        report.append(ctx._n("Delay after joining: {seconds} second. Nudge on day {nudge}, digest on day {digest} "
                             "(0 = off).",
                             "Delay after joining: {seconds} seconds. Nudge on day {nudge}, digest on day {digest} "
                             "(0 = off).", cfg.welcome.delay_seconds, seconds=cfg.welcome.delay_seconds,
                             nudge=cfg.welcome.nudge_day, digest=cfg.welcome.digest_day))
        if cfg.welcome.digest_day > 0:
            report.append(await self._digest_destination(ctx, cfg))
        await ctx.reply(Message(title=ctx._("Welcome test"), text="\n".join(report), fields=fields),
                        ephemeral=True)

    async def _digest_destination(self, ctx: Context, cfg: CommunityConfig) -> str:
        if cfg.welcome.digest_channel:
            return ctx._("The moderators' digest goes to #{channel}.", channel=clean_name(cfg.welcome.digest_channel))
        moderators = await self.flow.drip.moderators(ctx.community, ctx.messenger)
        if moderators:
            return ctx._("The moderators' digest goes by DM to: {names}.",
                         names=", ".join(clean_name(m.display_name) for m in moderators))
        return ctx._("No moderator can get the digest yet: set a moderators' channel with /config set "
                     "welcome.digest_channel #channel.")

    @command("welcome set", N_("Change the welcome: message, channel, dm, delay or buddy"),
             options=[
                 opt.choice("what", SETTABLE, N_("What to change"), required=True),
                 opt.string("value", N_("The new value; several greetings are separated by ||"), required=True,
                            max_length=4000),
             ], level=Level.MODERATOR)
    async def set(self, ctx: Context, what: str, value: str) -> None:
        changes = parse_setting(what, value)
        current = await self.services.overrides.all(ctx.community.id)
        try:
            resolved = apply_overrides(self.services.config.defaults, {**current, **changes})
        except ValidationError:
            raise OptionError(N_("“{value}” is not a valid value for {what}."), value=value[:60],
                              what=what) from None
        check_reachable(resolved.welcome.dm, resolved.welcome.channel)
        # through the config feature's editor, so the change is audited and shows in /config history
        editor = self.services.interface(SettingsEditor)
        if editor is not None:
            await editor.apply(ctx.community.id, set_values=changes, who=ctx.member, action="welcome set")
        else:  # the config feature is not loaded: store the overrides as they are (validated above)
            await self.services.overrides.set_many(ctx.community.id, changes,
                                                   by=f"{ctx.member.platform}:{ctx.member.user_id}"[:100])
            await self.services.config.changed(ctx.community.id, set(changes))
        self.wake()
        shown = {
            "message": ctx._n("{count} greeting variant", "{count} greeting variants", len(resolved.welcome.messages),
                               count=len(resolved.welcome.messages)),
            "channel": f"#{clean_name(resolved.welcome.channel)}" if resolved.welcome.channel else ctx._("off"),
            "dm": ctx._("on") if resolved.welcome.dm else ctx._("off"),
            "delay": ctx._n("{seconds} second", "{seconds} seconds", resolved.welcome.delay_seconds,
                             seconds=resolved.welcome.delay_seconds),
            "buddy": ctx._("on") if resolved.welcome.buddy else ctx._("off"),
        }[what]
        text = ctx._("Saved: {what} is now {value}.", what=what, value=shown)
        if what == "message":
            text += "\n" + ctx._("Check it with /welcome preview.")
        await ctx.reply(text, ephemeral=True)

    @command("welcome status", N_("How the newcomers of the last 30 days are getting on"), level=Level.MODERATOR)
    async def status(self, ctx: Context) -> None:
        since = self.flow.now() - timedelta(days=FUNNEL_DAYS)
        started, counts = await self.flow.repo.funnel(ctx.community.id, since)

        def n(step: Step, *statuses: Status) -> int:
            got = counts.get(step.value, {})
            return sum(got.get(s.value, 0) for s in statuses) if statuses else sum(got.values())

        greeted = n(Step.GREETED, Status.DONE)
        waiting = n(Step.GREETED, Status.PENDING, Status.SENDING, Status.CHANNEL)
        undelivered = n(Step.GREETED, Status.FAILED)
        lines = [
            ctx._("Newcomers: {n}", n=started),
            ctx._("Greeted: {n} (waiting: {waiting}, could not be reached: {failed}, left before: {left})",
                  n=greeted, waiting=waiting, failed=undelivered, left=n(Step.GREETED, Status.SKIPPED)),
            ctx._("Opened the profile form: {n}; saved a profile: {saved}", n=n(Step.PROFILE_STARTED),
                  saved=n(Step.PROFILE_SAVED)),
            ctx._("Buddies assigned: {n}; said hello: {hello}; reminders: {reminded}",
                  n=n(Step.BUDDY_ASSIGNED), hello=n(Step.BUDDY_CONTACTED), reminded=n(Step.BUDDY_REMINDED)),
            ctx._("Nudged: {n}; listed as stalled in a digest: {digest}", n=n(Step.NUDGED, Status.DONE),
                  digest=n(Step.DIGESTED, Status.DONE, Status.FAILED)),
        ]
        if undelivered:
            lines.append(ctx._("Some newcomers could not be greeted (closed DMs and no welcome channel). Set one "
                               "with /welcome set channel #name."))
        await ctx.reply(Message(title=ctx._n("Welcome, last {days} day", "Welcome, last {days} days", FUNNEL_DAYS,
                                             days=FUNNEL_DAYS), text="\n".join(lines)),
                        ephemeral=True)

    # ------------------------------------------------------------------ greeters
    @command("greeter join", N_("Volunteer to be a buddy for newcomers"),
             options=[opt.integer("capacity", N_("How many newcomers at a time (default 3)"), min_value=1,
                                  max_value=20, default=3)])
    async def greeter_join(self, ctx: Context, capacity: int = 3) -> None:
        await self.flow.repo.greeter_join(ctx.community.id, ctx.member.id, capacity, self.flow.now())
        cfg = await self.services.config.get(ctx.community.id)
        text = ctx._n("Thank you! You are a greeter now and get at most {capacity} newcomer at a time. Leave any "
                      "time with /greeter leave.",
                      "Thank you! You are a greeter now and get at most {capacity} newcomers at a time. Leave any "
                      "time with /greeter leave.", capacity, capacity=capacity)
        if not cfg.welcome.buddy:
            text += "\n" + ctx._("Buddies are switched off here at the moment; a moderator can turn them on with "
                                 "/welcome set buddy yes.")
        await ctx.reply(text, ephemeral=True)

    @command("greeter leave", N_("Stop being a buddy for newcomers"))
    async def greeter_leave(self, ctx: Context) -> None:
        if not await self.flow.repo.greeter_leave(ctx.community.id, ctx.member.id):
            raise UserError(N_("You are not in the greeter pool."))
        await ctx.reply(ctx._("You have left the greeter pool. Newcomers you already look after keep you as "
                              "their buddy."), ephemeral=True)

    @command("greeter list", N_("Show the greeters and how many newcomers each has"), level=Level.MODERATOR)
    async def greeter_list(self, ctx: Context) -> None:
        pool = await self.flow.repo.greeters(ctx.community.id)
        loads = await self.flow.repo.loads(ctx.community.id, self.flow.now() - LOAD_WINDOW)
        if not pool:
            await ctx.reply(ctx._("Nobody is in the greeter pool yet. Members volunteer with /greeter join."),
                            ephemeral=True)
            return
        lines = []
        for g in pool:
            row = await self.services.members.get(g.member_id)
            name = clean_name(row.display_name) if row else str(g.member_id)
            lines.append(ctx._("{name}: {load} of {capacity}", name=name, load=loads.get(g.member_id, 0),
                               capacity=g.capacity))
        await ctx.reply(Message(title=ctx._("Greeters"), text="\n".join(lines)), ephemeral=True)
