"""The fake Slack's side of OAuth v2: the authorize page, ``oauth.v2.access`` and token rotation.

Slack's real flow, shortened to what an app sees: the installer's browser opens
``/oauth/v2/authorize?client_id&scope&state&redirect_uri``, picks a workspace (here ``choose_team=T…``, what a
person does on Slack's page) and approves; Slack redirects to the app's redirect URL with a one-time ``code`` and
the ``state``. The app exchanges the code (client id and secret as HTTP basic auth) for that workspace's bot
token. With rotation on, the token expires after ``expires_in`` seconds and comes with a refresh token, which
``oauth.v2.access`` with ``grant_type=refresh_token`` exchanges for a new token (the old one stops working).
"""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from .state import Workspace
from .web_api import ApiError


@dataclass
class Grant:
    """A code issued by the authorize page: for which workspace and redirect URL, and whether it was used."""

    team_id: str
    redirect_uri: str
    scopes: str
    used: bool = False


@dataclass
class FakeOAuth:
    """The app's OAuth configuration on the fake Slack and the codes and tokens it issued."""

    client_id: str = "1111.2222"
    client_secret: str = "kindred-test-client-secret"
    redirect_urls: list[str] = field(default_factory=list)
    """The app's registered Redirect URLs (OAuth & Permissions); the first is used when a link names none."""
    rotation: bool = False
    expires_in: int = 43200
    grants: dict[str, Grant] = field(default_factory=dict)
    refresh_tokens: dict[str, str] = field(default_factory=dict)
    """refresh token -> team id"""
    refreshed: int = 0
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def authorize(self, query: dict[str, str], teams: dict[str, Workspace]) -> str:
        """The URL the authorize page redirects the browser to (the app's redirect URL with code and state);
        raises ApiError for what Slack would show an error page for."""
        if query.get("client_id") != self.client_id:
            raise ApiError("invalid_client_id")
        team_id = query.get("choose_team", "")
        if team_id not in teams:
            raise ApiError("team_not_found")
        redirect = query.get("redirect_uri") or (self.redirect_urls[0] if self.redirect_urls else "")
        if not redirect or (self.redirect_urls and redirect not in self.redirect_urls):
            raise ApiError("bad_redirect_uri")
        code = f"code-{team_id}-{next(self._numbers)}"
        self.grants[code] = Grant(team_id, redirect, query.get("scope", ""))
        answer = {"code": code}
        if query.get("state"):
            answer["state"] = query["state"]
        return f"{redirect}{'&' if '?' in redirect else '?'}{urlencode(answer)}"

    def check_client(self, args: dict[str, Any], authorization: str) -> None:
        """Client id and secret, as basic auth (slack_sdk) or as form fields."""
        client_id, secret = args.get("client_id"), args.get("client_secret")
        if authorization.startswith("Basic "):
            decoded = base64.b64decode(authorization.removeprefix("Basic ").strip()).decode()
            client_id, _, secret = decoded.partition(":")
        if client_id != self.client_id:
            raise ApiError("invalid_client_id")
        if secret != self.client_secret:
            raise ApiError("bad_client_secret")

    def new_token(self, ws: Workspace) -> dict[str, Any]:
        """A fresh bot token for the workspace (the workspace's earlier tokens stop working)."""
        n = next(self._numbers)
        token = f"xoxe.xoxb-{ws.team_id}-{n}" if self.rotation else f"xoxb-{ws.team_id}-{n}"
        ws.tokens = {token}
        answer: dict[str, Any] = {"access_token": token, "token_type": "bot"}
        if self.rotation:
            refresh = f"xoxe-1-{ws.team_id}-{n}"
            self.refresh_tokens = {k: v for k, v in self.refresh_tokens.items() if v != ws.team_id}
            self.refresh_tokens[refresh] = ws.team_id
            answer.update(refresh_token=refresh, expires_in=self.expires_in)
        return answer

    def access(self, args: dict[str, Any], teams: dict[str, Workspace]) -> dict[str, Any]:
        """``oauth.v2.access``: a code for a token, or (rotation) a refresh token for a new token."""
        if args.get("grant_type") == "refresh_token":
            team_id = self.refresh_tokens.get(str(args.get("refresh_token") or ""))
            if team_id is None or team_id not in teams or not teams[team_id].installed:
                raise ApiError("invalid_refresh_token")
            self.refreshed += 1
            return self.new_token(teams[team_id])
        grant = self.grants.get(str(args.get("code") or ""))
        if grant is None or grant.used:
            raise ApiError("invalid_code")
        grant.used = True
        if args.get("redirect_uri") and args["redirect_uri"] != grant.redirect_uri:
            raise ApiError("bad_redirect_uri")
        ws = teams[grant.team_id]
        ws.installed = True
        return {
            "app_id": ws.app_id,
            "authed_user": {"id": ws.installer_id},
            "scope": grant.scopes,
            "bot_user_id": ws.bot_user_id,
            "team": {"id": ws.team_id, "name": ws.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
            **self.new_token(ws),
        }
