"""Which OAuth scopes the Slack integration needs, worked out from what it does: the Web API methods it calls
and the events it subscribes to. The manifest asks for exactly these (manifest.py), and a test reads the code's
Web API calls and fails when one is missing from `METHOD_SCOPES` or the manifest asks for more than this table
gives (tests/integrations/slack/test_slack_scopes.py), so the list cannot drift from the code.

A workspace admin installing the app sees each scope; asking only for what is used is what makes the install
easy to approve.
"""

from __future__ import annotations

METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth_test": (),
    "apps_connections_open": (),  # the app-level token's connections:write, not a bot scope
    "chat_postMessage": ("chat:write",),
    "chat_postEphemeral": ("chat:write",),
    "chat_update": ("chat:write",),  # the collab cards, edited in place
    # a DM (im:write) or a group DM for an intro (mpim:write)
    "conversations_open": ("im:write", "mpim:write"),
    # read-backs after a crash, in every kind of conversation an intro, greeting or check-in goes to
    "conversations_history": ("channels:history", "groups:history", "im:history", "mpim:history"),
    "files_upload_v2": ("files:write",),
    "usergroups_list": ("usergroups:read",),
    "usergroups_users_list": ("usergroups:read",),
    "users_info": ("users:read",),  # names, admin flags, and the locale (include_locale needs no more)
    "views_open": (),
    "views_publish": (),
}
"""slack_sdk client method -> the bot scopes Slack requires for it (Slack's method reference)."""

EVENT_SCOPES: dict[str, tuple[str, ...]] = {
    "app_home_opened": (),
    "member_joined_channel": ("channels:read", "groups:read"),
    "message.channels": ("channels:history",),
    "message.groups": ("groups:history",),
    "message.im": ("im:history",),
    "reaction_added": ("reactions:read",),
    "team_join": ("users:read",),
    "user_change": ("users:read",),
}
"""Bot event -> the scopes Slack requires before it delivers it."""

NO_SCOPE_EVENTS: frozenset[str] = frozenset({"app_uninstalled", "tokens_revoked"})
"""Events Slack sends to every app without a scope (listened to for OAuth installs; not a bot event to ask for)."""

FEATURE_SCOPES: tuple[str, ...] = ("commands",)
"""Scopes for what is declared in the manifest rather than called: the slash commands."""


def needed_scopes(methods: set[str] | None = None, events: set[str] | None = None) -> tuple[str, ...]:
    """The sorted scopes for these methods and events (all of the tables by default)."""
    chosen_methods = METHOD_SCOPES if methods is None else {m: METHOD_SCOPES[m] for m in methods}
    chosen_events = EVENT_SCOPES if events is None else {e: EVENT_SCOPES[e] for e in events}
    scopes = {*FEATURE_SCOPES}
    for needs in (*chosen_methods.values(), *chosen_events.values()):
        scopes.update(needs)
    return tuple(sorted(scopes))


BOT_EVENTS: tuple[str, ...] = tuple(sorted(EVENT_SCOPES))
BOT_SCOPES: tuple[str, ...] = needed_scopes()
