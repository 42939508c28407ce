"""Kindred's settings: config.toml, overridden by `KINDRED_...` environment variables.

Each section lives in its own module. `CommunityConfig` is the part moderators may override per community
(`/config set matching.hour 10`); its defaults come from config.toml.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from core.settings.community import CommunitySettings
from core.settings.engagement import EngagementSettings
from core.settings.logging import LoggingSettings
from core.settings.matching import MatchingSettings
from core.settings.platforms import DiscordSettings, SlackSettings
from core.settings.profiles import ProfileSettings
from core.settings.storage import StorageSettings
from core.settings.welcome import WelcomeSettings

__all__ = [
    "CommunityConfig",
    "Settings",
    "SettingsError",
    "load_settings",
    "masked_dump",
    "settings_error_lines",
]

_toml_path: ContextVar[Path | None] = ContextVar("kindred_toml_path", default=None)

COMMUNITY_SECTIONS = ("community", "profiles", "matching", "welcome", "engagement")


class CommunityConfig(BaseModel):
    """The settings one community can override; keys are `section.field`."""

    community: CommunitySettings = Field(default_factory=CommunitySettings)
    profiles: ProfileSettings = Field(default_factory=ProfileSettings)
    matching: MatchingSettings = Field(default_factory=MatchingSettings)
    welcome: WelcomeSettings = Field(default_factory=WelcomeSettings)
    engagement: EngagementSettings = Field(default_factory=EngagementSettings)


class Settings(BaseSettings):
    """Everything Kindred reads at start-up."""

    model_config = SettingsConfigDict(
        env_prefix="KINDRED_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    storage: StorageSettings = Field(default_factory=StorageSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    community: CommunitySettings = Field(default_factory=CommunitySettings)
    profiles: ProfileSettings = Field(default_factory=ProfileSettings)
    matching: MatchingSettings = Field(default_factory=MatchingSettings)
    welcome: WelcomeSettings = Field(default_factory=WelcomeSettings)
    engagement: EngagementSettings = Field(default_factory=EngagementSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    owners: list[str] = Field(
        default_factory=list, description="Bot owners as platform:user_id, e.g. discord:1234 or slack:U0123."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        path = _toml_path.get()
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    def community_defaults(self) -> CommunityConfig:
        return CommunityConfig(**{s: getattr(self, s) for s in COMMUNITY_SECTIONS})


class SettingsError(Exception):
    """Settings that cannot be used; `lines` are one-line explanations that name the key."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


def _is_secret_key(loc: tuple[Any, ...]) -> bool:
    return any(isinstance(p, str) and ("token" in p or "secret" in p) for p in loc)


def settings_error_lines(exc: ValidationError) -> list[str]:
    """One line per problem: `matching.hour: Input should be less than or equal to 23 (got 25)`; secrets hidden."""
    lines = []
    for err in exc.errors(include_url=False):
        loc = tuple(err.get("loc", ()))
        key = ".".join(str(p) for p in loc) or "(settings)"
        msg = str(err.get("msg", "invalid value"))
        if err.get("type") == "extra_forbidden":
            msg = "unknown setting"
        shown = "" if _is_secret_key(loc) or err.get("type") == "extra_forbidden" else err.get("input")
        if shown not in ("", None) and not isinstance(shown, dict | list) and len(repr(shown)) < 60:
            lines.append(f"{key}: {msg} (got {shown!r})")
        else:
            lines.append(f"{key}: {msg}")
    return lines


def resolve_config_path(path: Path | None) -> Path | None:
    """`--config`, else `KINDRED_CONFIG`, else ./config.toml when present."""
    if path is not None:
        return path
    env = os.environ.get("KINDRED_CONFIG")
    if env:
        return Path(env)
    default = Path("config.toml")
    return default if default.exists() else None


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Read settings; raise `SettingsError` with readable lines (never a traceback, never a secret)."""
    config_path = resolve_config_path(path)
    if config_path is not None:
        if not config_path.exists():
            raise SettingsError([f"config file {config_path} does not exist"])
        try:
            tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError([f"{config_path}: not valid TOML ({exc})"]) from None
        except OSError as exc:
            raise SettingsError([f"{config_path}: cannot be read ({exc.strerror})"]) from None
    token = _toml_path.set(config_path)
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(settings_error_lines(exc)) from None
    finally:
        _toml_path.reset(token)


def _mask(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return "********" if value.get_secret_value() else ""
    if isinstance(value, BaseModel):
        return {k: _mask(getattr(value, k)) for k in type(value).model_fields}
    if isinstance(value, dict):
        return {k: _mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(v) for v in value]
    return value


def masked_dump(settings: BaseModel) -> dict[str, Any]:
    """Settings as plain data with every secret replaced by asterisks."""
    return _mask(settings)


def iter_keys(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf key of a settings model as `section.field`, with its pydantic FieldInfo."""
    for name, info in model.model_fields.items():
        ann = info.annotation
        key = f"{prefix}{name}"
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from iter_keys(ann, key + ".")
        else:
            yield key, info
