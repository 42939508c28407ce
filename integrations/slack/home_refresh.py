"""Keeping the App Home tab true: it is published again after every change it shows.

The tab shows the member's profile, their intro rounds and their mentoring (home.HOME_SECTIONS). Those change
through commands (``/profile set``, ``/match pause``, ``/mentor offer`` — typed, or run by a Home button), forms
(the profile modal), buttons anywhere (delete my profile, accept a mentee) and by themselves (a round introduced
the member). The features announce these changes as typed events (core/events.py); `HomeWatch` listens to them
like any feature would, and `HomeRefresher` publishes the tab of each member named, for members whose tab this
process has shown (a tab never opened needs no refresh; it is built fresh when opened).

Publishing is coalesced per member: while one publish is under way or a Slack request of the member is still
being handled, further changes only mark the tab stale, and it is published once more afterwards. A request
that changes three things publishes once, not three times, and never two publishes of one tab race.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from core.commands import Cog, on_event
from core.dispatcher import App
from core.events import CommandUsed, IntroSent, MatchFeedback, MentorSessionStarted, ProfileUpdated
from core.refs import CommunityRef, Platform

log = logging.getLogger(__name__)

Key = tuple[str, str]
"""(team id, user id)"""

WATCHED_GROUPS = frozenset({"profile", "match", "mentor", "privacy"})
"""Command groups whose commands can change what the tab shows."""
READ_ONLY = frozenset({"show", "status", "history", "preview", "find"})
"""Subcommands that only show (the tab runs some of them itself: they must not trigger a refresh)."""
MAX_SHOWN = 20_000


class HomeRefresher:
    """Publishes a member's tab again after a change; one publish at a time per member, changes coalesced."""

    def __init__(self, publish: Callable[[str, str], Awaitable[None]],
                 spawn: Callable[[Coroutine[Any, Any, None]], object]) -> None:
        self._publish = publish
        self._spawn = spawn
        self._shown: OrderedDict[Key, None] = OrderedDict()
        self._ids: dict[int, Key] = {}
        self._busy: dict[Key, bool] = {}  # a publish under way -> whether another is due after it
        self._held: dict[Key, int] = {}
        self._stale: set[Key] = set()

    def shown(self, team_id: str, user_id: str, member_id: int = 0) -> None:
        """The tab was published for this member (their store id lets events that name ids find them)."""
        key = (team_id, user_id)
        self._shown[key] = None
        self._shown.move_to_end(key)
        if member_id:
            self._ids[member_id] = key
        if len(self._shown) > MAX_SHOWN:
            old, _ = self._shown.popitem(last=False)
            self._ids = {i: k for i, k in self._ids.items() if k != old}

    def is_shown(self, team_id: str, user_id: str) -> bool:
        return (team_id, user_id) in self._shown

    def changed(self, team_id: str, user_id: str) -> None:
        """Something the tab shows changed for this member: publish it again (now, or when the request ends)."""
        key = (team_id, user_id)
        if key not in self._shown:
            return
        if self._held.get(key):
            self._stale.add(key)
        elif key in self._busy:
            self._busy[key] = True
        else:
            self._busy[key] = False
            self._spawn(self._run(key))

    def changed_id(self, member_id: int) -> None:
        key = self._ids.get(member_id)
        if key is not None:
            self.changed(*key)

    def hold(self, team_id: str, user_id: str) -> None:
        """A request of this member is being handled: changes wait for `release`, then publish once."""
        key = (team_id, user_id)
        self._held[key] = self._held.get(key, 0) + 1

    def release(self, team_id: str, user_id: str, *, changed: bool = False) -> None:
        key = (team_id, user_id)
        left = self._held.get(key, 1) - 1
        if left > 0:
            self._held[key] = left
            return
        self._held.pop(key, None)
        if key in self._stale or changed:
            self._stale.discard(key)
            self.changed(team_id, user_id)

    async def _run(self, key: Key) -> None:
        try:
            while True:
                try:
                    await self._publish(key[1], key[0])
                except Exception as exc:  # the tab is a view of the data: a failed refresh is only logged
                    log.warning("refreshing the Home tab failed: %s", type(exc).__name__)
                if not self._busy.get(key):
                    return
                self._busy[key] = False
        finally:
            self._busy.pop(key, None)


class HomeWatch(Cog):
    """Listens to the features' events for changes a Slack member's Home tab shows."""

    name = "slack_home"

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.refreshers: list[HomeRefresher] = []

    @staticmethod
    def attach(app: App, refresher: HomeRefresher) -> None:
        """Register the refresher with the app's watcher (added once per app)."""
        watch = app.cog(HomeWatch.name)
        if not isinstance(watch, HomeWatch):
            watch = HomeWatch(app)
            app.add_cog(watch)
        watch.refreshers.append(refresher)

    @staticmethod
    def _on_slack(community: CommunityRef | None) -> bool:
        return community is not None and community.platform == Platform.SLACK.value

    def _by_user(self, community: CommunityRef | None, user_id: str) -> None:
        if community is not None and self._on_slack(community):
            for refresher in self.refreshers:
                refresher.changed(community.external_id, user_id)

    def _by_ids(self, community: CommunityRef | None, *member_ids: int) -> None:
        if self._on_slack(community):
            for refresher in self.refreshers:
                for member_id in member_ids:
                    refresher.changed_id(member_id)

    @on_event(ProfileUpdated)
    def profile_updated(self, event: ProfileUpdated) -> None:
        self._by_user(event.community, event.member.user_id)

    @on_event(CommandUsed)
    def command_used(self, event: CommandUsed) -> None:
        words = event.command.split()
        if event.ok and len(words) == 2 and words[0] in WATCHED_GROUPS and words[1] not in READ_ONLY:
            self._by_user(event.community, event.member.user_id)

    @on_event(IntroSent)
    def intro_sent(self, event: IntroSent) -> None:
        self._by_ids(event.community, *event.members)

    @on_event(MentorSessionStarted)
    def mentoring_started(self, event: MentorSessionStarted) -> None:
        self._by_ids(event.community, event.mentor_id, event.mentee_id)

    @on_event(MatchFeedback)
    def feedback_given(self, event: MatchFeedback) -> None:
        self._by_ids(event.community, event.member_id)
