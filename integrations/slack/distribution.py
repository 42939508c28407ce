"""The app manifest for distribution: one Kindred deployment that any number of workspaces install (OAuth).

What distribution needs beyond the one-workspace manifest (manifest.py): HTTP instead of Socket Mode, with
slash commands, interactivity and events all sent to ``<url>/slack/events``; the OAuth redirect URL
``<url>/slack/oauth_redirect`` (``[slack] redirect_path``); the ``app_uninstalled`` and ``tokens_revoked``
events, so that a workspace that removes Kindred is forgotten; and token rotation when asked for. The bot scopes
are the ones the code uses (manifest.BOT_SCOPES), which are also the ones the install link asks for.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING, Any

from integrations.slack.connection import HTTP_PATH
from integrations.slack.manifest import build_manifest, render_manifest

if TYPE_CHECKING:
    from core.dispatcher import App

LIFECYCLE_EVENTS = ("app_uninstalled", "tokens_revoked")


def distribution_manifest(manifest: dict[str, Any], url: str, *, redirect_path: str = "/slack/oauth_redirect",
                          token_rotation: bool = False) -> dict[str, Any]:
    """The one-workspace manifest turned into one that workspaces install through OAuth at ``url``."""
    base = url.rstrip("/")
    endpoint = base + HTTP_PATH
    result = copy.deepcopy(manifest)
    settings = result["settings"]
    settings["socket_mode_enabled"] = False
    settings["token_rotation_enabled"] = token_rotation
    settings["interactivity"]["request_url"] = endpoint
    subscriptions = settings["event_subscriptions"]
    subscriptions["request_url"] = endpoint
    subscriptions["bot_events"] = sorted({*subscriptions.get("bot_events", []), *LIFECYCLE_EVENTS})
    for command in result["features"].get("slash_commands", []):
        command["url"] = endpoint
    result["oauth_config"]["redirect_urls"] = [base + redirect_path]
    return result


def write_distribution_manifest(path: str | Path, app: App, url: str, *, token_rotation: bool = False) -> Path:
    """Write the distribution manifest for this app's command tree (prefix and redirect path from ``[slack]``)."""
    slack = app.services.settings.slack
    manifest = distribution_manifest(build_manifest(app.tree, prefix=slack.command_prefix), url,
                                     redirect_path=slack.redirect_path, token_rotation=token_rotation)
    target = Path(path)
    target.write_text(render_manifest(manifest), encoding="utf-8")
    return target
