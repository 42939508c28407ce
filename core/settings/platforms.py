"""Connection settings of each chat platform. Secrets are `SecretStr` so they never print."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value


class DiscordSettings(BaseModel):
    token: SecretStr | None = Field(None, description="Bot token from the Discord developer portal.")
    api_base_url: str = Field("https://discord.com/api/v10", description="REST API base URL (tests, proxies).")
    gateway_url: str | None = Field(None, description="Gateway websocket URL; default: the one Discord announces.")
    guild_ids: list[int] = Field(default_factory=list, description="Register commands in these guilds only.")
    shard_count: int | None = Field(None, ge=1, description="Total shards, for large bots; default: automatic.")
    shard_ids: list[int] | None = Field(None, description="Shards this process runs.")
    store_message_content: bool = Field(False, description="Needs the privileged Message Content intent.")
    connect_attempts: int = Field(6, ge=1, le=50,
                                  description="Start-up: tries to reach the API, waiting 1, 2, 4, ... s between "
                                  "them; then Kindred stops with exit code 4.")

    _check_api = field_validator("api_base_url")(lambda v: _http_url(v))

    @field_validator("gateway_url")
    @classmethod
    def _check_gateway(cls, v: str | None) -> str | None:
        if v is not None and not v.startswith(("ws://", "wss://")):
            raise ValueError("must start with ws:// or wss://")
        return v

    @property
    def configured(self) -> bool:
        return self.token is not None and bool(self.token.get_secret_value())


class SlackSettings(BaseModel):
    bot_token: SecretStr | None = Field(None, description="Bot User OAuth token (xoxb-...).")
    app_token: SecretStr | None = Field(None, description="App-level token (xapp-...) for Socket Mode.")
    signing_secret: SecretStr | None = Field(None, description="Signing secret, needed in HTTP mode.")
    mode: Literal["socket", "http"] = Field("socket", description="Socket Mode (no public URL) or HTTP.")
    host: str = Field("127.0.0.1", description="HTTP mode: address to listen on.")
    port: int = Field(3000, ge=1, le=65535, description="HTTP mode: port to listen on.")
    api_base_url: str = Field("https://slack.com/api/", description="Web API base URL (tests, proxies).")
    command_prefix: str = Field("", max_length=10, pattern=r"^[a-z0-9_-]*$",
                                description="Prefix for slash commands to avoid clashes, e.g. 'k-'.")
    connect_attempts: int = Field(6, ge=1, le=50,
                                  description="Start-up: tries to reach the API, waiting 1, 2, 4, ... s between "
                                  "them; then Kindred stops with exit code 4.")
    client_id: str = Field("", max_length=64,
                           description="Many workspaces: the app's Client ID (Basic Information > App Credentials); "
                           "with client_secret and no bot_token, workspaces install Kindred through /slack/install.")
    client_secret: SecretStr | None = Field(None, description="Many workspaces: the app's Client Secret.")
    public_url: str = Field("", description="Many workspaces: the https:// address Slack and browsers reach Kindred "
                            "at (the OAuth redirect URL is this + redirect_path).")
    install_path: str = Field("/slack/install", pattern=r"^/[A-Za-z0-9_/-]*$",
                              description="Many workspaces: where the 'Add to Slack' page is served.")
    redirect_path: str = Field("/slack/oauth_redirect", pattern=r"^/[A-Za-z0-9_/-]*$",
                               description="Many workspaces: where Slack sends the installer back to.")
    state_minutes: int = Field(10, ge=1, le=60,
                               description="Many workspaces: minutes an install link stays valid.")
    token_rotation_minutes: int = Field(120, ge=1, le=720,
                                        description="Many workspaces with token rotation: refresh a bot token this "
                                        "many minutes before it expires.")
    authorize_url: str = Field("https://slack.com/oauth/v2/authorize",
                                   description="Where installers are sent to approve Kindred (tests, proxies).")

    _check_api = field_validator("api_base_url", "authorize_url")(lambda v: _http_url(v))

    @field_validator("public_url")
    @classmethod
    def _check_public(cls, v: str) -> str:
        return _http_url(v).rstrip("/") if v else v

    @property
    def multi_workspace(self) -> bool:
        """Installed by many workspaces through OAuth: a client id and secret and no single bot token."""
        has_token = self.bot_token is not None and bool(self.bot_token.get_secret_value())
        has_secret = self.client_secret is not None and bool(self.client_secret.get_secret_value())
        return bool(self.client_id) and has_secret and not has_token

    @property
    def configured(self) -> bool:
        if self.multi_workspace:
            return True  # what else it needs (HTTP mode, the signing secret) is said at start, with exit code 2
        if self.bot_token is None or not self.bot_token.get_secret_value():
            return False
        if self.mode == "socket":
            return self.app_token is not None and bool(self.app_token.get_secret_value())
        return self.signing_secret is not None and bool(self.signing_secret.get_secret_value())
