"""The Slack app manifest, generated from the neutral command tree so creating the app is one paste.

One slash command per top-level group (``/profile``) or top-level command (``/help``), each optionally prefixed
(``command_prefix = "k-"`` gives ``/k-profile``) to avoid clashes with other apps. Scopes and events are the ones
the Slack integration uses and nothing more (scopes.py). Without a request URL the manifest is for Socket Mode;
with one it is for HTTP mode (slash commands, interactivity and events all go to that URL).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from integrations.slack.scopes import BOT_EVENTS, BOT_SCOPES

if TYPE_CHECKING:
    from core.dispatcher import App, CommandTree

log = logging.getLogger(__name__)

__all__ = ["BOT_EVENTS", "BOT_SCOPES", "build_manifest", "render_manifest", "slash_commands", "slash_name",
           "write_manifest"]
"""The scopes and events come from scopes.py, where each is tied to the Web API method or event that needs it."""

SLACK_BUILTIN_COMMANDS = frozenset({
    "active", "apps", "archive", "away", "collapse", "dm", "dnd", "expand", "feed", "invite", "join", "kick",
    "leave", "me", "msg", "mute", "open", "prefs", "remind", "remove", "rename", "search", "shortcuts", "shrug",
    "star", "status", "topic", "who",
})
"""Slack's own commands; an app command with one of these names would never be reached."""

MAX_DESCRIPTION = 100
MAX_USAGE_HINT = 100


def slash_name(name: str, prefix: str = "") -> str:
    """The Slack command for a top-level name: ``/`` + prefix + name (Slack allows at most 32 characters)."""
    return f"/{prefix}{name}"[:32]


def _usage_hint(words: list[str]) -> str:
    hint = " | ".join(words)
    return hint if len(hint) <= MAX_USAGE_HINT else hint[: MAX_USAGE_HINT - 1] + "…"


def slash_commands(tree: CommandTree, prefix: str = "", request_url: str | None = None) -> list[dict[str, Any]]:
    """Manifest entries for every top-level group and command, in name order."""
    entries: list[dict[str, Any]] = []
    names = sorted({*tree.groups, *tree.top})
    for name in names:
        if name in tree.groups:
            group = tree.groups[name]
            description = group.description or f"/{name} commands"
            hint = _usage_hint(sorted(group.commands))
        else:
            spec = tree.top[name].spec
            description = spec.description
            hint = _usage_hint([f"[{o.name}]" if not o.required else f"<{o.name}>" for o in spec.options])
        if not prefix and name in SLACK_BUILTIN_COMMANDS:
            log.warning("/%s is a Slack built-in command; set [slack] command_prefix to reach it", name)
        entry: dict[str, Any] = {
            "command": slash_name(name, prefix),
            "description": description[:MAX_DESCRIPTION],
            "should_escape": True,
        }
        if hint:
            entry["usage_hint"] = hint
        if request_url:
            entry["url"] = request_url
        entries.append(entry)
    return entries


def build_manifest(
    tree: CommandTree,
    *,
    prefix: str = "",
    request_url: str | None = None,
    name: str = "Kindred",
    description: str = "Helps the members of this community meet the right people.",
) -> dict[str, Any]:
    """The manifest as data (Slack's manifest schema, version 1)."""
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": list(BOT_EVENTS)},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": request_url is None,
        "token_rotation_enabled": False,
    }
    if request_url:
        settings["event_subscriptions"]["request_url"] = request_url
        settings["interactivity"]["request_url"] = request_url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": description,
            "long_description": (
                "Kindred introduces members to each other: a short profile of what they do and want to learn, "
                "weekly intro rounds, mentor matching and 'find someone who knows X'. Moderators configure it "
                "with slash commands; the community keeps its data."
            ),
            "background_color": "#2f3a56",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": slash_commands(tree, prefix, request_url),
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": settings,
    }


def render_manifest(manifest: dict[str, Any]) -> str:
    """YAML text with a header saying where it comes from."""
    header = (
        "# Slack app manifest for Kindred, generated from the command tree - do not edit by hand.\n"
        "# Create the app at Slack's app management page: 'Create New App' > 'From a manifest', paste this.\n"
    )
    return header + yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=110)


def write_manifest(path: str | Path, app: App, *, request_url: str | None = None, name: str = "Kindred") -> Path:
    """Write the manifest for this app's command tree (prefix from ``[slack] command_prefix``) to ``path``."""
    prefix = app.services.settings.slack.command_prefix
    manifest = build_manifest(app.tree, prefix=prefix, request_url=request_url, name=name)
    target = Path(path)
    target.write_text(render_manifest(manifest), encoding="utf-8")
    return target
