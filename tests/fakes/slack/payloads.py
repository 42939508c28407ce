"""Builders for the payloads Slack sends to apps: slash commands, interactions and Events API callbacks.

Shapes follow Slack's documented payloads (the fields slack-bolt and a bot read), so the same dict can be sent
over Socket Mode (as an envelope's ``payload``) or over HTTP (form-encoded, ``payload=<json>`` or JSON) by the
signing helper.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

from .state import Workspace


@dataclass
class Payloads:
    """Payload factory bound to one fake workspace (team, app id) and its response-URL endpoint."""

    workspace: Workspace
    base_url: str
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _n(self) -> int:
        return next(self._ids)

    def _team(self) -> dict[str, Any]:
        return {"id": self.workspace.team_id, "domain": "kindred-test"}

    def _user(self, user_id: str) -> dict[str, Any]:
        user = self.workspace.users.get(user_id)
        name = user.name if user is not None else user_id.lower()
        return {"id": user_id, "username": name, "name": name, "team_id": self.workspace.team_id}

    def response_url(self) -> str:
        """A fresh response URL on the fake (posts to it are recorded in ``FakeSlack.responses``)."""
        return f"{self.base_url}respond/{self._n():05d}-{secrets.token_hex(4)}"

    def trigger_id(self) -> str:
        """A trigger id the fake's ``views.open`` accepts."""
        return f"{self._n()}.{self.workspace.team_id}.{secrets.token_hex(8)}"

    def slash_command(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str = "U0ALICE",
        channel_id: str = "C0GENERAL",
        channel_name: str | None = None,
    ) -> dict[str, str]:
        """The fields of a slash command invocation (form-encoded over HTTP, an object over Socket Mode)."""
        channel = self.workspace.channels.get(channel_id)
        return {
            "token": "deprecated-verification-token",
            "team_id": self.workspace.team_id,
            "team_domain": "kindred-test",
            "channel_id": channel_id,
            "channel_name": channel_name or (channel.name if channel is not None else "general"),
            "user_id": user_id,
            "user_name": self._user(user_id)["username"],
            "command": command,
            "text": text,
            "api_app_id": self.workspace.app_id,
            "is_enterprise_install": "false",
            "response_url": self.response_url(),
            "trigger_id": self.trigger_id(),
        }

    def block_action(
        self,
        action_id: str,
        *,
        value: str | None = None,
        selected: list[str] | str | None = None,
        action_type: str | None = None,
        user_id: str = "U0ALICE",
        channel_id: str | None = "C0GENERAL",
        message_ts: str = "1700000000.000001",
        message: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        block_id: str = "kindred",
    ) -> dict[str, Any]:
        """A ``block_actions`` interaction: a button press or a select choice, in a message or a view."""
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id,
            "action_ts": "1700000001.000100",
        }
        if isinstance(selected, list):
            action["type"] = action_type or "multi_static_select"
            action["selected_options"] = [
                {"text": {"type": "plain_text", "text": v}, "value": v} for v in selected
            ]
        elif selected is not None:
            action["type"] = action_type or "static_select"
            action["selected_option"] = {"text": {"type": "plain_text", "text": selected}, "value": selected}
        else:
            action["type"] = action_type or "button"
            action["text"] = {"type": "plain_text", "text": "button"}
            if value is not None:
                action["value"] = value
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": self.workspace.app_id,
            "token": "deprecated-verification-token",
            "trigger_id": self.trigger_id(),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "state": {"values": {}},
            "actions": [action],
        }
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id", "V0HOME")}
            payload["view"] = view
        else:
            payload["container"] = {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            }
            payload["channel"] = {"id": channel_id, "name": "general"}
            payload["message"] = message or {"type": "message", "ts": message_ts, "text": "", "blocks": []}
            payload["response_url"] = self.response_url()
        return payload

    def view_submission(
        self,
        callback_id: str,
        values: dict[str, dict[str, Any]],
        *,
        user_id: str = "U0ALICE",
        private_metadata: str = "",
        view_id: str = "V0MODAL",
    ) -> dict[str, Any]:
        """A modal submit. ``values`` maps block_id -> action_id -> state (use ``text_value`` etc.)."""
        return {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.workspace.app_id,
            "token": "deprecated-verification-token",
            "trigger_id": self.trigger_id(),
            "view": {
                "id": view_id,
                "team_id": self.workspace.team_id,
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": private_metadata,
                "blocks": [],
                "title": {"type": "plain_text", "text": "Kindred"},
                "state": {"values": values},
                "hash": "1700000000.hash",
                "app_id": self.workspace.app_id,
                "bot_id": self.workspace.bot_id,
            },
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def submit_view(self, view: Any, values: dict[str, dict[str, Any]], *, user_id: str = "U0ALICE",
                    ) -> dict[str, Any]:
        """A submit of a modal the app opened (a ``FakeView``), as Slack sends it: the view's blocks, callback id
        and private metadata, and the state ``values`` (block_id -> action_id -> state)."""
        payload = self.view_submission(view.view.get("callback_id", ""), values, user_id=user_id,
                                       private_metadata=view.view.get("private_metadata", ""), view_id=view.id)
        payload["view"]["blocks"] = view.view.get("blocks") or []
        payload["view"]["hash"] = view.hash
        return payload

    def view_closed(self, callback_id: str, *, user_id: str = "U0ALICE") -> dict[str, Any]:
        """The person dismissed a modal (sent only when the modal asked with ``notify_on_close``)."""
        return {
            "type": "view_closed",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.workspace.app_id,
            "view": {"id": "V0MODAL", "type": "modal", "callback_id": callback_id, "state": {"values": {}}},
            "is_cleared": False,
        }

    def event_callback(self, event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
        """Wrap an event in the Events API envelope; pass the same ``event_id`` to simulate a retry."""
        number = self._n()
        return {
            "token": "deprecated-verification-token",
            "team_id": self.workspace.team_id,
            "api_app_id": self.workspace.app_id,
            "event": {"event_ts": f"1700000100.{number:06d}", **event},
            "type": "event_callback",
            "event_id": event_id or f"Ev0{number:08d}",
            "event_time": 1700000100 + number,
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.workspace.team_id,
                    "user_id": self.workspace.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }

    # ---- events (the inner ``event`` objects) ----

    def team_join(self, user_id: str, name: str | None = None) -> dict[str, Any]:
        """A new member joined the workspace (Slack sends the full user object)."""
        user = self.workspace.users.get(user_id)
        if user is None:
            user = self.workspace.add_user(user_id, name)
        return {"type": "team_join", "user": user.to_api(self.workspace.team_id)}

    def user_change(self, user_id: str, **changes: Any) -> dict[str, Any]:
        """A member's user object changed, e.g. ``deleted=True`` (deactivated by an admin) or ``deleted=False``
        (reactivated), or a new name; the workspace's user changes with it, as ``users.info`` would then say."""
        user = self.workspace.users[user_id]
        for name, value in changes.items():
            if not hasattr(user, name):
                raise TypeError(f"a Slack user has no field {name!r}")
            setattr(user, name, value)
        return {"type": "user_change", "user": user.to_api(self.workspace.team_id), "cache_ts": 1700000000 + self._n()}

    def member_joined_channel(self, user_id: str, channel_id: str = "C0GENERAL") -> dict[str, Any]:
        return {
            "type": "member_joined_channel",
            "user": user_id,
            "channel": channel_id,
            "channel_type": "C",
            "team": self.workspace.team_id,
        }

    def message(
        self,
        user_id: str,
        text: str,
        *,
        channel_id: str = "C0GENERAL",
        thread_ts: str | None = None,
        subtype: str | None = None,
        bot_id: str | None = None,
        channel_type: str = "channel",
    ) -> dict[str, Any]:
        """A message event; ``subtype="message_changed"`` or ``bot_id`` model edits and bot posts."""
        ts = f"1700000200.{self._n():06d}"
        event: dict[str, Any] = {
            "type": "message",
            "channel": channel_id,
            "user": user_id,
            "text": text,
            "ts": ts,
            "channel_type": channel_type,
            "team": self.workspace.team_id,
        }
        if thread_ts is not None:
            event["thread_ts"] = thread_ts
        if subtype is not None:
            event["subtype"] = subtype
        if subtype == "message_changed":
            event.pop("user")
            event["message"] = {
                "type": "message",
                "user": user_id,
                "text": text,
                "ts": ts,
                "edited": {"user": user_id, "ts": ts},
            }
        if bot_id is not None:
            event["bot_id"] = bot_id
            event.setdefault("subtype", "bot_message")
        return event

    def reaction_added(
        self,
        user_id: str,
        reaction: str,
        *,
        item_user: str | None = None,
        channel_id: str = "C0GENERAL",
        ts: str = "1700000200.000001",
    ) -> dict[str, Any]:
        event: dict[str, Any] = {
            "type": "reaction_added",
            "user": user_id,
            "reaction": reaction,
            "item": {"type": "message", "channel": channel_id, "ts": ts},
        }
        if item_user is not None:
            event["item_user"] = item_user
        return event

    def app_home_opened(self, user_id: str, *, tab: str = "home") -> dict[str, Any]:
        channel = self.workspace.dm_channel_of(user_id) if user_id in self.workspace.users else None
        return {
            "type": "app_home_opened",
            "user": user_id,
            "tab": tab,
            "channel": channel.id if channel is not None else "D0HOME",
        }


def text_value(value: str | None, action_type: str = "plain_text_input") -> dict[str, Any]:
    """State of a text input in a ``view_submission``."""
    return {"type": action_type, "value": value}


def select_value(value: str | None) -> dict[str, Any]:
    """State of a static select in a ``view_submission``."""
    option = None if value is None else {"text": {"type": "plain_text", "text": value}, "value": value}
    return {"type": "static_select", "selected_option": option}


def multi_select_value(values: list[str]) -> dict[str, Any]:
    """State of a multi static select in a ``view_submission``."""
    return {
        "type": "multi_static_select",
        "selected_options": [{"text": {"type": "plain_text", "text": v}, "value": v} for v in values],
    }
