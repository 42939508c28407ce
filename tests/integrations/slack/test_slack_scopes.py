"""The manifest asks for exactly the scopes the code needs: worked out here from the Web API methods the Slack
integration calls (read from its source) and the events it listens to, through the table in scopes.py."""

from __future__ import annotations

import ast
from pathlib import Path

import yaml
from slack_sdk.web.async_base_client import AsyncBaseClient
from slack_sdk.web.async_client import AsyncWebClient

from integrations.slack import scopes
from integrations.slack.manifest import BOT_EVENTS, BOT_SCOPES

SLACK_DIR = Path(__file__).resolve().parents[3] / "integrations" / "slack"
API_METHODS = set(dir(AsyncWebClient)) - set(dir(AsyncBaseClient))


def _calls() -> tuple[set[str], set[str]]:
    """(Web API client methods called, bolt event names listened to) anywhere in integrations/slack."""
    methods: set[str] = set()
    events: set[str] = set()
    for path in SLACK_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            owner = node.func.value
            owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if owner_name == "client" and node.func.attr in API_METHODS:
                methods.add(node.func.attr)
            if owner_name == "bolt" and node.func.attr == "event" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    events.add(first.value)
    return methods, events


def test_every_called_method_and_event_is_in_the_scope_table() -> None:
    methods, events = _calls()
    assert {"chat_postMessage", "users_info", "views_publish", "conversations_history"} <= methods
    assert methods - set(scopes.METHOD_SCOPES) == set(), "add the new Web API method to scopes.METHOD_SCOPES"
    assert set(scopes.METHOD_SCOPES) - methods - {"auth_test", "apps_connections_open"} == set(), (
        "scopes.METHOD_SCOPES names a method the code no longer calls")
    subscribed = {e.split(".")[0] for e in BOT_EVENTS}
    assert subscribed <= events, "the manifest subscribes to an event nothing listens to"
    assert events - subscribed <= scopes.NO_SCOPE_EVENTS, "a listener for an event the manifest does not subscribe to"


def test_manifest_scopes_are_exactly_what_the_calls_and_events_need() -> None:
    methods, _events = _calls()
    needed = set(scopes.needed_scopes(methods | {"auth_test"}, set(BOT_EVENTS)))
    assert set(BOT_SCOPES) == needed
    assert "im:read" not in needed and "mpim:read" not in needed
    assert "im:history" in needed, "message.im needs im:history"
    shipped = yaml.safe_load((SLACK_DIR / "manifest.yaml").read_text(encoding="utf-8"))
    assert set(shipped["oauth_config"]["scopes"]["bot"]) == needed
    assert "message.im" in shipped["settings"]["event_subscriptions"]["bot_events"]
