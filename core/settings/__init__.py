"""Kindred's settings: config.toml, overridden by `KINDRED_...` environment variables.

Each section lives in its own module. `CommunityConfig` is the part moderators may override per community
(`/config set matching.hour 10`); its defaults come from config.toml.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
import types
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource
from pydantic_settings import SettingsError as SourceError

from core.errors import ExitCode, StartupFailed
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
    "env_problems",
    "load_settings",
    "mask_url",
    "masked_dump",
    "settings_error_lines",
    "unoptional",
]

_toml_path: ContextVar[Path | None] = ContextVar("kindred_toml_path", default=None)

ENV_PREFIX = "KINDRED_"
CONFIG_ENV = "KINDRED_CONFIG"
MASK = "********"
_URL_PASSWORD = re.compile(r"^([A-Za-z][\w+.-]*://[^:/@?#]*:)([^@/?#]*)(@)")

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
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", validate_default=True
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


class SettingsError(StartupFailed):
    """Settings that cannot be used; `lines` are one-line explanations that name the key (exit code 2)."""

    prefix = "config error: "

    def __init__(self, lines: list[str]) -> None:
        super().__init__(lines, ExitCode.CONFIG)


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
        if isinstance(shown, str):
            shown = mask_url(shown)
        if shown not in ("", None) and not isinstance(shown, dict | list) and len(repr(shown)) < 60:
            lines.append(f"{key}: {msg} (got {shown!r})")
        else:
            lines.append(f"{key}: {msg}")
    return lines


def unoptional(annotation: Any) -> Any:
    """`X | None` -> `X` (other annotations unchanged)."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _json_example(annotation: Any) -> str | None:
    """How a complex setting is written in an environment variable (JSON), or None for a plain value."""
    ann = unoptional(annotation)
    if get_origin(ann) is list:
        (item,) = get_args(ann) or (str,)
        return "[1, 2]" if item is int else '["a", "b"]'
    if get_origin(ann) is dict or (isinstance(ann, type) and issubclass(ann, BaseModel)):
        return '{"key": "value"}'
    return None


def env_problems(environ: Mapping[str, str], model: type[BaseModel] | None = None) -> list[str]:
    """One line per `KINDRED_...` variable that names no setting, or holds a list/table that is not JSON.

    pydantic-settings would ignore the first silently and fail with a traceback on the second; both are typos
    that should stop start-up with the variable's name."""
    root = model or Settings
    lines = []
    for name, value in sorted(environ.items()):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper == CONFIG_ENV:
            continue
        parts = upper[len(ENV_PREFIX):].lower().split("__")
        current: type[BaseModel] = root
        info = None
        for i, part in enumerate(parts):
            info = current.model_fields.get(part)
            if info is None:
                break
            ann = unoptional(info.annotation)
            if i == len(parts) - 1:
                break
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                current = ann
            elif get_origin(ann) is dict:
                break  # the entries of a table are the table's own business
            else:
                info = None  # a plain value has nothing below it
                break
        if info is None:
            key = ".".join(p for p in parts if p)
            lines.append(f"{name}: unknown setting ({key or '-'}); see config.example.toml for the keys")
            continue
        example = _json_example(info.annotation) if len(parts) == i + 1 else None
        if example is None or not value.strip():
            continue
        try:
            json.loads(value)
        except ValueError:
            secret = _is_secret_key(tuple(parts))
            got = "" if secret or len(value) > 60 else f" (got {mask_url(value)!r})"
            lines.append(f"{name}: write the value as JSON, e.g. {example}{got}")
    return lines


def resolve_config_path(path: Path | None) -> Path | None:
    """`--config`, else `KINDRED_CONFIG`, else ./config.toml when present."""
    if path is not None:
        return path
    env = os.environ.get(CONFIG_ENV)
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
        except UnicodeDecodeError:
            raise SettingsError([f"{config_path}: not valid TOML (the file is not UTF-8 text)"]) from None
        except OSError as exc:
            raise SettingsError([f"{config_path}: cannot be read ({exc.strerror})"]) from None
    problems = env_problems(os.environ)
    if problems:
        raise SettingsError(problems)
    token = _toml_path.set(config_path)
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(settings_error_lines(exc)) from None
    except SourceError as exc:  # a source could not be read at all (env_problems catches the known cases)
        raise SettingsError([f"settings: {str(exc).splitlines()[0]}"]) from None
    finally:
        _toml_path.reset(token)


def mask_url(url: str) -> str:
    """A connection URL with its password replaced: `postgresql+asyncpg://kindred:********@db/kindred`."""
    return _URL_PASSWORD.sub(lambda m: m.group(1) + MASK + m.group(3), url)


def url_password(url: str) -> str:
    """The password inside a connection URL, or "" (for the log filter)."""
    m = _URL_PASSWORD.match(url)
    return m.group(2) if m else ""


def _mask(value: Any, key: str = "") -> Any:
    if isinstance(value, SecretStr):
        return MASK if value.get_secret_value() else ""
    if isinstance(value, str) and key.endswith("url"):
        return mask_url(value)
    if isinstance(value, BaseModel):
        return {k: _mask(getattr(value, k), k) for k in type(value).model_fields}
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
