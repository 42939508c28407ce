"""The Slack integration: slack-bolt (async) wrapped around Kindred's dispatcher, in Socket Mode or HTTP mode.

Every request is acked first (Slack allows three seconds) and worked on afterwards: slash commands, buttons and
selects, modal submits, and events. The integration only translates: Slack payload -> neutral request for the
dispatcher, neutral answer -> Block Kit (responder.py, messenger.py). Features never see a Slack object.

Modes: Socket Mode (``[slack] app_token``; no public URL needed) or HTTP (``host:port``, requests verified with
``signing_secret``: a bad signature or a timestamp older than five minutes gets 401 and does nothing).

One workspace (``[slack] bot_token``) or many (``client_id`` and ``client_secret``, HTTP mode): then workspaces
install Kindred through OAuth (oauth.py) and every request is served with its own workspace's client, directory
and messenger (workspaces.py), each workspace its own community.

Slack redelivers an event it thinks was not acknowledged; each event is taken in once, whichever process or
connection a delivery reaches and across restarts (dedupe.py). A member deactivated in Slack (``user_change``
with ``deleted``) leaves the community for Kindred, and comes back when reactivated (events.user_changed).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Coroutine
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from core.aio import bounded
from core.commands import Command
from core.context import Responder
from core.dispatcher import App
from core.errors import DeliveryFailed, ExitCode
from core.events import Event
from core.i18n import answer_locale, gettext
from core.refs import ChannelRef, CommunityKey, CommunityRef, MemberRef, Platform
from core.settings.platforms import SlackSettings
from integrations.slack import events as translate
from integrations.slack import home, slash
from integrations.slack.blocks import FormOrigin, chosen_values, submitted_values
from integrations.slack.client import make_web_client
from integrations.slack.connection import HTTP_PATH, Connection
from integrations.slack.dedupe import DeliveryLog
from integrations.slack.directory import Directory
from integrations.slack.dm_help import dm_help, is_direct_message
from integrations.slack.errors import SlackDeliveryFailed, SlackStartupError, error_code
from integrations.slack.home_refresh import HomeRefresher, HomeWatch
from integrations.slack.messenger import SlackMessenger
from integrations.slack.oauth import SlackOAuth
from integrations.slack.responder import CapturingResponder, Interaction, SlackResponder
from integrations.slack.routing import RoutingMessenger
from integrations.slack.submission import ACK_BUDGET, SubmissionResponder
from integrations.slack.workspaces import Workspace, workspace
from storage.seen_events import SeenEventRepo

log = logging.getLogger(__name__)


def channel_ref(channel_id: str | None, name: str = "") -> ChannelRef | None:
    """A ChannelRef for a Slack conversation id (``D…`` ids are direct messages)."""
    if not channel_id:
        return None
    is_dm = channel_id.startswith("D") or name == "directmessage"
    return ChannelRef(Platform.SLACK, channel_id, "" if name in {"directmessage", "privategroup"} else name, is_dm)


class SlackIntegration:
    """Kindred on Slack: one workspace with a bot token, or every workspace that installed it (OAuth)."""

    def __init__(
        self,
        app: App,
        settings: SlackSettings,
        *,
        client: AsyncWebClient | None = None,
        http_port: int | None = None,
    ) -> None:
        self.app = app
        self.settings = settings
        self.oauth = SlackOAuth(app, settings) if settings.multi_workspace else None
        self.client = client or (self.oauth.client if self.oauth is not None else make_web_client(settings))
        self.default = workspace(app, self.client)
        """The one workspace of a bot token (with many workspaces: a client without a token, for nothing)."""
        self.directory: Directory = self.default.directory
        self.messenger: SlackMessenger = self.default.messenger
        self.deliveries = DeliveryLog(SeenEventRepo(app.services.store), app.services.clock)
        self.stats = {"events": 0, "duplicates": 0, "commands": 0, "actions": 0, "submissions": 0}
        self.team_id = ""
        self.team_name = ""
        self.connection = Connection(settings, http_port)
        self._communities: dict[str, CommunityRef] = {}
        self.events_seen = 0
        self._arrivals = asyncio.Condition()
        self._tasks: set[asyncio.Task[None]] = set()
        self.bolt = self._build_bolt()
        self.homes = HomeRefresher(self.publish_home, self._spawn)
        self.submit_budget = ACK_BUDGET
        HomeWatch.attach(app, self.homes)

    # ------------------------------------------------------------------ bolt wiring

    def _build_bolt(self) -> AsyncApp:
        http = self.settings.mode == "http"
        secret = self.settings.signing_secret.get_secret_value() if self.settings.signing_secret else ""
        bolt = AsyncApp(
            client=self.client,
            signing_secret=secret,
            request_verification_enabled=http,
            process_before_response=False,
            logger=logging.getLogger("integrations.slack.bolt"),
            name="kindred",
            **(self.oauth.bolt_options() if self.oauth is not None else {}),
        )
        if self.oauth is not None:
            self.oauth.listen_for_uninstalls(bolt, self._seen)
        bolt.command(re.compile(r"^/.+"))(self._on_command)
        bolt.action(re.compile(r".+"))(self._on_action)
        bolt.view(re.compile(r".+"))(self._on_view_submission)
        bolt.event("team_join")(self._on_team_join)
        bolt.event("member_joined_channel")(self._on_member_joined_channel)
        bolt.event("message")(self._on_message)
        bolt.event("reaction_added")(self._on_reaction_added)
        bolt.event("app_home_opened")(self._on_app_home_opened)
        bolt.event("user_change")(self._on_user_change)
        bolt.error(self._on_error)
        return bolt

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run the work for a request in the background, tracked so ``idle()`` and ``stop()`` can wait for it."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            if not self.app.services.store.health.outage(error, "a Slack event"):
                log.error("Slack request handling failed: %s", type(error).__name__, exc_info=error)

    async def _seen(self) -> None:
        async with self._arrivals:
            self.events_seen += 1
            self._arrivals.notify_all()

    async def wait_for_events(self, count: int, within: float = 10.0) -> None:
        """Wait until ``count`` event deliveries have reached a listener (handled, dropped or ignored)."""

        async def reached() -> None:
            async with self._arrivals:
                await self._arrivals.wait_for(lambda: self.events_seen >= count)

        await bounded(reached(), within)

    async def idle(self, within: float = 10.0) -> None:
        """Wait until the work of every request received so far is done (raises TimeoutError after ``within``)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self._tasks:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"{len(self._tasks)} Slack requests still in progress")
            await asyncio.wait(list(self._tasks), timeout=remaining)

    async def _request(self, team_id: str, user_id: str, work: Coroutine[Any, Any, None], *,
                       changes: bool = False) -> None:
        """A member's request: the Home tab changes it makes are published once it is done (home_refresh.py);
        ``changes`` when any request of its kind may change what the tab shows (buttons, forms)."""
        self.homes.hold(team_id, user_id)
        try:
            await work
        finally:
            self.homes.release(team_id, user_id, changed=changes)

    async def _guarded(self, work: Coroutine[Any, Any, None], interaction: Interaction, team_id: str) -> None:
        """Run an interaction's work; if the integration itself fails (the store cannot say who the workspace
        is, ...), still tell the person (the dispatcher already answers for failures inside features)."""
        try:
            await work
        except Exception as exc:
            known = self._cached(team_id)
            await self.app.answer_failure(self.key(team_id), self._responder(interaction, team_id, known), exc,
                                          "Slack interaction")

    async def _on_error(self, error: Exception, body: dict[str, Any]) -> None:
        kind = body.get("type") or ("slash_command" if "command" in body else "request")
        log.error("Slack %s failed: %s", kind, type(error).__name__, exc_info=error)

    @property
    def http_endpoint(self) -> str | None:
        """HTTP mode: the URL of ``/slack/events`` on the address the server got (port 0: a free one)."""
        return self.connection.http_endpoint

    # ------------------------------------------------------------------ identities

    def key(self, team_id: str | None = None) -> CommunityKey:
        """The workspace as a neutral community key."""
        if self.oauth is None:
            return CommunityKey(Platform.SLACK, team_id or self.team_id, self.team_name)
        return CommunityKey(Platform.SLACK, team_id or "", self._cached(team_id or "").team_name)

    def _cached(self, team_id: str) -> Workspace:
        """The workspace if its client is at hand (no store read), else the token-less default."""
        if self.oauth is None:
            return self.default
        return self.oauth.workspaces.cached(team_id) or self.default

    async def workspace(self, team_id: str | None) -> Workspace:
        """The workspace a request or an event belongs to, with its own token (one workspace: the only one)."""
        if self.oauth is None:
            return self.default
        found = await self.oauth.workspaces.get(team_id or "")
        if found is None:
            raise SlackDeliveryFailed("token_revoked")
        return found

    async def community(self, team_id: str | None = None) -> CommunityRef:
        """The workspace as stored (cached: events arrive often)."""
        team = team_id or self.team_id
        ref = self._communities.get(team)
        if ref is None:
            ref = self._communities[team] = await self.app.community(self.key(team))
        return ref

    async def locale(self, team_id: str | None = None) -> str:
        return await self.app.locale(await self.community(team_id))

    async def person_locale(self, team_id: str | None, user_id: str) -> str:
        """The language for what only this person sees: theirs in Slack when the community allows it
        (``community.follow_member_locale``) and Kindred speaks it, else the community's."""
        basics = (await self.app.services.config.get((await self.community(team_id)).id)).community
        where = await self.workspace(team_id or self.team_id)
        user = await where.directory.user(user_id) if user_id and basics.follow_member_locale else None
        return answer_locale(basics.language, user.locale if user else None, basics.follow_member_locale)

    def _responder(self, interaction: Interaction, team_id: str, where: Workspace) -> SlackResponder:
        user_id = interaction.user_id
        return SlackResponder(where.messenger, interaction, lambda: self.person_locale(team_id, user_id),
                              lambda: where.directory.locale_of(user_id))

    @staticmethod
    def _team_of(body: dict[str, Any]) -> str:
        team = body.get("team")
        if isinstance(team, dict) and team.get("id"):
            return str(team["id"])
        user = body.get("user")
        if isinstance(user, dict) and user.get("team_id"):
            return str(user["team_id"])
        return str(body.get("team_id") or "")

    async def _known_member(self, community: CommunityRef, user_id: str, where: Workspace) -> MemberRef:
        """Record a mentioned member in the store so the option parser can find them by id."""
        return await self.app.resolve_member(community, await where.directory.member(user_id))

    # ------------------------------------------------------------------ slash commands

    async def _on_command(self, ack: Any, command: dict[str, Any]) -> None:
        self.stats["commands"] += 1
        interaction = Interaction(str(command.get("user_id", "")), command.get("channel_id"),
                                  command.get("response_url"), command.get("trigger_id"))
        team_id = str(command.get("team_id") or self.team_id)
        work = self._request(team_id, interaction.user_id, self.run_command(command))
        self._spawn(self._guarded(work, interaction, team_id))
        await ack()

    async def run_command(self, command: dict[str, Any]) -> None:
        """Run one slash command payload through the dispatcher (after the ack)."""
        team_id = str(command.get("team_id") or self.team_id)
        where = await self.workspace(team_id)
        invocation = slash.parse(str(command.get("command", "")), str(command.get("text", "")),
                                 self.settings.command_prefix)
        user_id = str(command.get("user_id", ""))
        member = await where.directory.member(user_id, username=str(command.get("user_name", "")))
        channel = channel_ref(command.get("channel_id"), str(command.get("channel_name", "")))
        interaction = Interaction(user_id, command.get("channel_id"), command.get("response_url"),
                                  command.get("trigger_id"))
        responder = self._responder(interaction, team_id, where)
        community = await self.community(team_id)
        if slash.wants_group_help(self.app.tree, invocation):
            locale = await self.person_locale(team_id, user_id)
            message = slash.group_help(self.app.tree, invocation.name, locale, self.settings.command_prefix)
            await responder.reply(message, ephemeral=True)
            return
        for mentioned in slash.mentioned_users(invocation.text):
            await self._known_member(community, mentioned, where)
        await self.app.invoke(community, member, channel, invocation.full_text, None, responder, where.messenger)

    # ------------------------------------------------------------------ buttons and selects

    async def _on_action(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        self.stats["actions"] += 1
        interaction = Interaction(str((body.get("user") or {}).get("id", "")),
                                  (body.get("channel") or {}).get("id"), body.get("response_url"))
        team_id = self._team_of(body) or self.team_id
        work = self._request(team_id, interaction.user_id, self.run_action(body, action), changes=True)
        self._spawn(self._guarded(work, interaction, team_id))
        await ack()

    async def run_action(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """A button press or select choice: a feature's component, or a command button from the Home tab."""
        team_id = self._team_of(body) or self.team_id
        where = await self.workspace(team_id)
        user = body.get("user") or {}
        user_id = str(user.get("id", ""))
        container = body.get("container") or {}
        channel_id = (body.get("channel") or {}).get("id") or container.get("channel_id")
        interaction = Interaction(user_id, channel_id, body.get("response_url"), body.get("trigger_id"))
        responder = self._responder(interaction, team_id, where)
        member = await where.directory.member(user_id, username=str(user.get("username", "")))
        community = await self.community(team_id)
        channel = channel_ref(channel_id)
        custom_id = str(action.get("action_id", ""))
        path = home.command_of_action(custom_id)
        if path is not None:
            await self.app.invoke(community, member, channel, list(path), None, responder, where.messenger)
        else:
            await self.app.press(community, member, channel, custom_id, responder, where.messenger,
                                 values=chosen_values(action))
        view = body.get("view") or {}
        if container.get("type") == "view" and view.get("type") == "home":
            self.homes.shown(team_id, user_id)  # pressed on the tab: refreshed when the press is done

    # ------------------------------------------------------------------ modals

    async def _on_view_submission(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        """The form's handler starts at once; the ack waits briefly for its verdict, so that a refusal is shown
        in the modal, next to the field, and the modal stays open (submission.py)."""
        self.stats["submissions"] += 1
        team_id = self._team_of(body) or self.team_id
        user_id = str((body.get("user") or {}).get("id", ""))
        origin = FormOrigin.load(view.get("private_metadata"))
        interaction = Interaction(user_id, origin.channel_id, origin.response_url, body.get("trigger_id"))
        held = SubmissionResponder(self._responder(interaction, team_id, self._cached(team_id)))
        work = self._request(team_id, user_id, self.run_submission(body, view, held), changes=True)
        self._spawn(self._guarded(work, interaction, team_id)).add_done_callback(held.done)
        errors = await held.verdict(view, self.submit_budget)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        self._spawn(held.release())

    async def run_submission(self, body: dict[str, Any], view: dict[str, Any], responder: Responder) -> None:
        """A modal was submitted: the form's custom id is the view's callback id."""
        team_id = self._team_of(body) or self.team_id
        where = await self.workspace(team_id)
        user = body.get("user") or {}
        member = await where.directory.member(str(user.get("id", "")), username=str(user.get("username", "")))
        community = await self.community(team_id)
        origin = FormOrigin.load(view.get("private_metadata"))
        await self.app.submit(community, member, channel_ref(origin.channel_id), str(view.get("callback_id", "")),
                              submitted_values(view), responder, where.messenger)

    # ------------------------------------------------------------------ events

    async def _first_delivery(self, body: dict[str, Any]) -> bool:
        """False for a redelivery of an event already taken in, here or by another process sharing the store
        (same ``event_id``; see dedupe.py)."""
        team_id = str(body.get("team_id") or self.team_id)
        if await self.deliveries.first_time(team_id, str(body.get("event_id") or "")):
            self.stats["events"] += 1
            return True
        self.stats["duplicates"] += 1
        log.debug("dropping retried delivery of %s", body.get("event_id"))
        return False

    async def _emit(self, event: Event | None, team_id: str) -> None:
        if event is not None:
            event.community = await self.community(team_id)
            await self.app.emit(event)

    async def _on_team_join(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if await self._first_delivery(body):
            team_id = str(body.get("team_id") or self.team_id)
            member = (await self.workspace(team_id)).directory.remember(event.get("user") or {}).ref()
            self._spawn(self._emit(translate.member_joined_team(self.key(team_id), body, member), team_id))
        await self._seen()

    async def _on_member_joined_channel(self, body: dict[str, Any]) -> None:
        if await self._first_delivery(body):
            team_id = str(body.get("team_id") or self.team_id)
            known = (await self.workspace(team_id)).directory.known
            joined = translate.member_joined_channel(self.key(team_id), body, known)
            self._spawn(self._emit(joined, team_id))
        await self._seen()

    async def _on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        bot_user_id = (await self.workspace(str(body.get("team_id") or self.team_id))).messenger.bot_user_id
        if translate.is_counted_message(event, bot_user_id):
            direct = is_direct_message(event)
            if (not direct or event.get("subtype") is None) and await self._first_delivery(body):
                self._spawn(self._answer_dm(body, event) if direct else self._message_posted(body))
        await self._seen()

    async def _answer_dm(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """Somebody wrote to the bot: a short help in their language (a DM is not community activity)."""
        team_id = str(body.get("team_id") or self.team_id)
        community = await self.community(team_id)
        disabled = set((await self.app.services.config.get(community.id)).community.disabled_modules)
        locale = await self.person_locale(team_id, str(event.get("user", "")))
        message = dm_help(self.app.find, disabled, locale, self.settings.command_prefix)
        try:
            await (await self.workspace(team_id)).messenger.post(str(event.get("channel", "")), message)
        except DeliveryFailed as error:
            log.info("could not answer a direct message: %s", error.reason)

    async def _message_posted(self, body: dict[str, Any]) -> None:
        team_id = str(body.get("team_id") or self.team_id)
        config = await self.app.services.config.get((await self.community(team_id)).id)
        store_text = config.engagement.store_message_text
        known = (await self.workspace(team_id)).directory.known
        await self._emit(translate.message_posted(self.key(team_id), body, known, store_text=store_text), team_id)

    async def _on_reaction_added(self, body: dict[str, Any]) -> None:
        if await self._first_delivery(body):
            team_id = str(body.get("team_id") or self.team_id)
            known = (await self.workspace(team_id)).directory.known
            self._spawn(self._emit(translate.reaction_added(self.key(team_id), body, known), team_id))
        await self._seen()

    async def _on_app_home_opened(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home" and await self._first_delivery(body):
            team_id, user_id = str(body.get("team_id") or self.team_id), str(event.get("user", ""))
            self.homes.shown(team_id, user_id)
            self.homes.changed(team_id, user_id)
        await self._seen()

    async def _on_user_change(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        user = event.get("user")
        if isinstance(user, dict) and user.get("id") and await self._first_delivery(body):
            self._spawn(self._user_changed(body, user))
        await self._seen()

    async def _user_changed(self, body: dict[str, Any], data: dict[str, Any]) -> None:
        """A deactivation becomes a leave and a reactivation a return (see events.user_changed); the stored row
        says which of them is news, so the many other profile changes (names, status) cost one read and no event."""
        team_id = str(body.get("team_id") or data.get("team_id") or self.team_id)
        user = (await self.workspace(team_id)).directory.remember(data)
        community = await self.community(team_id)
        row = await self.app.services.members.by_user_id(community.id, user.id)
        gone = None if row is None else row.left_at is not None
        await self._emit(translate.user_changed(self.key(team_id), body, user.ref(), deleted=user.deleted,
                                                gone=gone), team_id)

    # ------------------------------------------------------------------ App Home

    async def publish_home(self, user_id: str, team_id: str | None = None) -> None:
        """Build the member's Home tab from Kindred's own commands and publish it."""
        team_id = team_id or self.team_id
        where = await self.workspace(team_id)
        community = await self.community(team_id)
        locale = await self.person_locale(team_id, user_id)
        disabled = set((await self.app.services.config.get(community.id)).community.disabled_modules)
        member = await where.directory.member(user_id)

        def offered(path: tuple[str, ...]) -> Command | None:
            command = self.app.find(path)
            if command is None or (command.cog.module and command.cog.module in disabled):
                return None
            return command

        sections = []
        for path in home.HOME_SECTIONS:
            command = offered(path)
            if command is None:
                continue
            capture = CapturingResponder(where.directory.locale_of(user_id))
            await self.app.invoke(community, member, None, command, None, capture, where.messenger)
            sections.extend(capture.messages)
        labels = []
        for path, label in home.HOME_BUTTONS:
            command = offered(path)
            if command is not None and not any(o.required for o in command.spec.options):
                labels.append((path, gettext(locale, label)))
        view = home.home_view(gettext(locale, home.HOME_TITLE), gettext(locale, home.HOME_INTRO), sections,
                              home.home_buttons(labels))
        try:
            await where.client.views_publish(user_id=user_id, view=view)
        except SlackApiError as error:
            log.warning("views.publish for the Home tab failed: %s", error_code(error))
            return
        self.homes.shown(team_id, user_id, (await self.app.resolve_member(community, member)).id)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Check the tokens, register the messenger, then connect (Socket Mode) or listen (HTTP). A refused token
        raises `SlackStartupError` with exit code 3, a missing setting 2, an API that does not answer after
        `[slack] connect_attempts` tries with growing waits 4 (see core/retry.py)."""
        if self.oauth is not None:
            await self._start_many()
            return
        try:
            auth = await self.connection.reach(self.client.auth_test)
        except SlackApiError as error:
            raise SlackStartupError(
                f"Slack refused the bot token ([slack] bot_token): {error_code(error)}", ExitCode.REJECTED
            ) from None
        self.team_id = str(auth.get("team_id") or "")
        self.team_name = str(auth.get("team") or "")
        self.messenger.bot_user_id = str(auth.get("user_id") or "")
        self.app.register_messenger(self.messenger)
        await self.community()
        if self.settings.mode == "http":
            await self.connection.listen_http(self.bolt)
        else:
            await self.connection.connect_socket(self.bolt, self.client)
        log.info("connected to Slack workspace %s (%s mode)", self.team_name or self.team_id, self.settings.mode)
        self.app.platform_ready(Platform.SLACK.value)

    async def _start_many(self) -> None:
        """Many workspaces: no token to check at start (each workspace brings its own when it installs); serve
        the install pages and the events over HTTP, route outgoing messages per workspace, and let scheduled work
        skip the workspaces that uninstalled Kindred."""
        assert self.oauth is not None
        if self.settings.mode != "http":
            raise SlackStartupError("[slack] mode must be \"http\" when workspaces install Kindred themselves "
                                    "(client_id and client_secret set): the install pages need a web address")
        self.app.register_messenger(RoutingMessenger(self.oauth.workspaces))
        self.app.services.jobs.add_reachability(self.oauth.reaches)
        await self.connection.listen_http(self.bolt)
        teams = await self.oauth.workspaces.teams()
        log.info("serving %d installed Slack workspaces; new ones install at %s%s", len(teams),
                 self.settings.public_url or (self.http_endpoint or "").removesuffix(HTTP_PATH),
                 self.settings.install_path)
        self.app.platform_ready(Platform.SLACK.value)

    async def stop(self, *, drain: float = 10.0) -> None:
        """Stop taking requests, let the ones in progress finish (up to ``drain`` seconds), disconnect."""
        await self.connection.stop_taking_requests()
        try:
            await bounded(self.deliveries.drain(), drain)
            await asyncio.sleep(0)  # the listeners whose claims were just answered start their work
            await self.idle(drain)
        except TimeoutError:
            log.warning("stopping with %d Slack requests still in progress; cancelling them", len(self._tasks))
            for task in list(self._tasks):
                task.cancel()
        await self.connection.close()
