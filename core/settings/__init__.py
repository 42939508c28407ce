"""Kindred's settings: config.toml, overridden by `KINDRED_...` environment variables.

Each `[section]` is declared by the code that reads it and registered in the settings registry
(core/settings/registry.py): core's own tables here (storage, discord, slack, community, logging), every feature's
in its own package (`cogs/<feature>/settings.py`). The models below are built from the registry:
`settings_model()` is everything Kindred reads at start-up, `community_model()` the part moderators may override
per community (`/config set matching.hour 10`), whose defaults come from config.toml. `Settings` and
`CommunityConfig` are their bases: use them in type hints, and `settings.section(MatchingSettings)` for typed
access (`settings.matching` works too). Constructing a base (`CommunityConfig()`) builds the full model.
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
from typing import TYPE_CHECKING, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, Field, SecretStr, ValidationError, create_model
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource
from pydantic_settings import SettingsError as SourceError

from core.errors import ExitCode, StartupFailed
from core.settings import registry
from core.settings.community import CommunitySettings, with_modules
from core.settings.logging import LoggingSettings
from core.settings.ops import OpsSettings
from core.settings.platforms import DiscordSettings, SlackSettings
from core.settings.registry import SettingsSection
from core.settings.storage import StorageSettings

__all__ = [
    "CommunityConfig",
    "Settings",
    "SettingsError",
    "SettingsSection",
    "community_model",
    "env_problems",
    "load_settings",
    "mask_url",
    "masked_dump",
    "settings_error_lines",
    "settings_model",
    "unoptional",
]

_toml_path: ContextVar[Path | None] = ContextVar("kindred_toml_path", default=None)

ENV_PREFIX = "KINDRED_"
CONFIG_ENV = "KINDRED_CONFIG"
MASK = "********"
_URL_PASSWORD = re.compile(r"^([A-Za-z][\w+.-]*://[^:/@?#]*:)([^@/?#]*)(@)")

# core's own tables; features register theirs between community (10) and logging (90)
registry.register(SettingsSection("storage", process=StorageSettings, order=0))
registry.register(SettingsSection("discord", process=DiscordSettings, order=1))
registry.register(SettingsSection("slack", process=SlackSettings, order=2))
registry.register(SettingsSection("community", community=CommunitySettings, order=10))
registry.register(SettingsSection("ops", process=OpsSettings, order=80))
registry.register(SettingsSection("logging", process=LoggingSettings, order=90))

M = TypeVar("M", bound=BaseModel)


def _section_of(holder: BaseModel, model: type[M]) -> M:
    for name in type(holder).model_fields:
        value = getattr(holder, name)
        if isinstance(value, model):
            return value
    raise LookupError(f"no registered settings section holds {model.__name__}")


class CommunityConfig(BaseModel):
    """The settings one community can override; keys are `section.field`, one section per registered feature."""

    def __new__(cls, *args: Any, **kwargs: Any) -> CommunityConfig:
        return super().__new__(community_model() if cls is CommunityConfig else cls)

    def section(self, model: type[M]) -> M:
        """The section declared with `model` (`cfg.section(MatchingSettings).hour`), typed."""
        return _section_of(self, model)

    if TYPE_CHECKING:  # the sections are fields of the built model
        def __getattr__(self, name: str) -> Any: ...


class Settings(BaseSettings):
    """Everything Kindred reads at start-up: one field per registered section, then `owners`."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    def __new__(cls, *args: Any, **kwargs: Any) -> Settings:
        return super().__new__(settings_model() if cls is Settings else cls)

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

    def section(self, model: type[M]) -> M:
        """The section declared with `model` (`settings.section(StorageSettings).url`), typed."""
        return _section_of(self, model)

    def community_defaults(self) -> CommunityConfig:
        """The per-community sections as read at start-up: every community's defaults."""
        model = community_model()
        values: dict[str, Any] = {}
        for name, info in model.model_fields.items():
            value = getattr(self, name, None)
            if value is None:
                continue  # registered after these settings were read: its defaults apply
            ann = info.annotation
            values[name] = value if isinstance(ann, type) and isinstance(value, ann) else value.model_dump()
        return model(**values)

    if TYPE_CHECKING:  # the sections are fields of the built model
        def __getattr__(self, name: str) -> Any: ...


def _table(section: SettingsSection) -> type[BaseModel]:
    """The model of one table; the community table's module names are the registered features'."""
    if section.name == "community":
        return with_modules(registry.modules())
    return section.model


def _fields(chosen: list[SettingsSection], base: type[BaseModel]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for section in chosen:
        if hasattr(base, section.name):
            raise ValueError(f"settings section {section.name!r} would hide {base.__name__}.{section.name}")
        model = _table(section)
        fields[section.name] = (model, Field(default_factory=model))
    return fields


_built: dict[tuple[str, tuple[SettingsSection, ...]], Any] = {}


def community_model() -> type[CommunityConfig]:
    """`CommunityConfig` with one field per registered per-community section (rebuilt when one is added)."""
    key = ("community", registry.fingerprint())
    if key not in _built:
        chosen = [s for s in registry.sections() if s.per_community]
        _built[key] = create_model("CommunityConfig", __base__=CommunityConfig, __module__=__name__,
                                   **_fields(chosen, CommunityConfig))
    return _built[key]


def settings_model() -> type[Settings]:
    """`Settings` with one field per registered section, then `owners` (rebuilt when a section is added)."""
    key = ("settings", registry.fingerprint())
    if key not in _built:
        fields = _fields(registry.sections(), Settings)
        fields["owners"] = (list[str], Field(
            default_factory=list, description="Bot owners as platform:user_id, e.g. discord:1234 or slack:U0123."))
        _built[key] = create_model("Settings", __base__=Settings, __module__=__name__, **fields)
    return _built[key]


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
    root = model or settings_model()
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
        return settings_model()(**overrides)
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
    """Every leaf key of a settings model as `section.field`, with its pydantic FieldInfo (for the bases
    `Settings` and `CommunityConfig`: of the built models, like constructing them)."""
    model = settings_model() if model is Settings else community_model() if model is CommunityConfig else model
    for name, info in model.model_fields.items():
        ann = info.annotation
        key = f"{prefix}{name}"
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from iter_keys(ann, key + ".")
        else:
            yield key, info
