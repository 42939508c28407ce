"""How a feature declares what it offers: commands with typed options, component and form handlers, events.

A cog is a class; its methods are marked with `@command`, `@on_component`, `@on_form` and `@on_event`. The
dispatcher collects them once; each integration turns the resulting tree into native slash commands. Adding a
command touches one cog and nothing else.

    class Profiles(Cog):
        name = "profiles"
        groups = {"profile": N_("Your profile")}

        @command("profile show", N_("Show a profile"), options=[opt.member("member", N_("Whose profile"))])
        async def show(self, ctx: Context, member: MemberRef | None) -> None: ...
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from core.options import Option, OptionType
from core.permissions import Level

if TYPE_CHECKING:
    from core.context import Context
    from core.dispatcher import App
    from core.events import Event
    from core.refs import CommunityRef

_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")

Handler = Callable[..., Awaitable[Any]]
# An event handler may also be a plain function that returns None when it is done at once (see `on_event`).
EventHandler = Callable[..., Awaitable[Any] | None]
H = TypeVar("H", bound=Handler)
E = TypeVar("E", bound=EventHandler)
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """What a command is, independent of any platform. `path` is ("profile", "set") or ("help",)."""

    path: tuple[str, ...]
    description: str
    options: tuple[Option, ...] = ()
    level: Level = Level.MEMBER
    long_running: bool = False
    handler_name: str = ""
    stored_member: bool = True
    """The handler reads the caller's store id (`ctx.member.id`). A command that does not (`/help`) runs
    without waiting for a newcomer's account to be written; the account is recorded after the answer."""

    @property
    def name(self) -> str:
        return " ".join(self.path)

    def with_options(self, options: Sequence[Option]) -> CommandSpec:
        return replace(self, options=tuple(options))


@dataclass(slots=True)
class Command:
    """A command bound to its cog instance."""

    spec: CommandSpec
    cog: Cog
    handler: Handler

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass(frozen=True, slots=True)
class ComponentSpec:
    """A handler for buttons/selects (or forms) whose custom id matches `pattern` ("match:met:{id}:{answer}")."""

    pattern: str
    regex: re.Pattern[str]
    level: Level = Level.MEMBER
    handler_name: str = ""


def compile_pattern(pattern: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[a-z_][a-z0-9_]*\})", pattern)
    rx = "".join(f"(?P<{p[1:-1]}>[^:]*)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{rx}$")


def _mark(fn: F, attr: str, spec: object) -> F:
    """Attach what a decorator declares to the handler function (`Cog._marked` finds it there). `setattr`: a
    function's type has no attributes of ours to declare."""
    setattr(fn, attr, spec)
    return fn


def command(
    path: str,
    description: str,
    *,
    options: Sequence[Option] = (),
    level: Level = Level.MEMBER,
    long_running: bool = False,
    stored_member: bool = True,
) -> Callable[[H], H]:
    """Declare a command. `path` is one word or "group sub"; the handler gets `ctx` and the options by name.
    `stored_member=False` when the handler never reads the caller's store id (see CommandSpec)."""
    words = tuple(path.split())
    if not 1 <= len(words) <= 2 or not all(_NAME.match(w) for w in words):
        raise ValueError(f"bad command path {path!r}")
    names = [o.name for o in options]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate option names in {path!r}")
    seen_optional = False
    for o in options:
        if o.required and seen_optional:
            raise ValueError(f"{path!r}: required option {o.name!r} after an optional one")
        seen_optional = seen_optional or not o.required

    def deco(fn: H) -> H:
        return _mark(fn, "__kindred_command__", CommandSpec(words, description, tuple(options), level, long_running,
                                                            fn.__name__, stored_member))

    return deco


TARGET = "member"
"""The option name under which a member command's handler gets the member it was used on."""


def user_command(name: str, label: str, *, level: Level = Level.MEMBER) -> Callable[[H], H]:
    """Declare a command used on a member rather than typed (Discord: an entry of a member's "Apps" context
    menu). `name` is its neutral id ("view-profile"), `label` what the menu shows (a text, translated); the
    handler gets `ctx` and `member`, the member it was used on, and runs through the same checks as a command.
    Platforms without such menus (Slack, the console) do not offer it; declare a typed command for them."""
    if not _NAME.match(name):
        raise ValueError(f"bad user command name {name!r}")
    target = Option(TARGET, OptionType.MEMBER, label, required=True)

    def deco(fn: H) -> H:
        return _mark(fn, "__kindred_user_command__", CommandSpec((name,), label, (target,), level,
                                                                 handler_name=fn.__name__))

    return deco


def on_component(pattern: str, *, level: Level = Level.MEMBER) -> Callable[[H], H]:
    """Handle a button or select whose custom id matches `pattern`; the handler gets `ctx`, the pattern's
    fields by name, and `values` (the chosen select values, empty for a button)."""

    def deco(fn: H) -> H:
        return _mark(fn, "__kindred_component__", ComponentSpec(pattern, compile_pattern(pattern), level, fn.__name__))

    return deco


def on_form(pattern: str, *, level: Level = Level.MEMBER) -> Callable[[H], H]:
    """Handle a submitted form whose custom id matches `pattern`; the handler gets `ctx`, the pattern's
    fields by name, and `values` (a dict of field id -> text)."""

    def deco(fn: H) -> H:
        return _mark(fn, "__kindred_form__", ComponentSpec(pattern, compile_pattern(pattern), level, fn.__name__))

    return deco


def on_event(*event_types: type[Event]) -> Callable[[E], E]:
    """Handle events of these types; the handler gets the event (with `community` resolved).

    The handler is usually a coroutine function. One on the hot path (every message) may instead be a plain
    function that returns None when it is done at once, or an awaitable for the rest of its work: that saves a
    coroutine per event."""

    def deco(fn: E) -> E:
        return _mark(fn, "__kindred_events__", tuple(event_types))

    return deco


@dataclass(slots=True)
class Autocomplete:
    """What an autocomplete source receives."""

    community: CommunityRef
    member_id: int
    current: str
    options: dict[str, Any] = field(default_factory=dict)
    option: str = ""


class Cog:
    """Base of every feature. Subclasses set `name`, optionally `groups` and `module`, and mark methods."""

    name: ClassVar[str] = ""
    groups: ClassVar[dict[str, str]] = {}
    module: ClassVar[str | None] = None  # switchable module ("matching", "welcome", ...) this cog belongs to

    def __init__(self, app: App) -> None:
        self.app = app
        self.services = app.services

    async def setup(self) -> None:
        """Called once the store is open and before integrations start."""

    async def teardown(self) -> None:
        """Called on shutdown; flush what must not be lost."""

    async def forget_member(self, community_id: int, member_id: int) -> None:
        """Erase everything this cog stores about one member (privacy: `/privacy forget`)."""

    def customise(self, spec: CommandSpec) -> CommandSpec:
        """Adjust a declared command at start-up (e.g. options built from settings)."""
        return spec

    async def options_for(self, ctx: Context, spec: CommandSpec) -> Sequence[Option]:
        """The options a command takes in this community (default: the declared ones).

        Typed text (console, Slack) is parsed with these, so they may depend on the community's settings, e.g.
        profile fields a moderator added. Platforms that register options natively (Discord) send the declared
        ones; names given there must be a subset of what this returns."""
        return spec.options

    def _marked(self, attr: str) -> list[tuple[Any, Any]]:
        out = []
        for name in dir(type(self)):
            fn = getattr(type(self), name, None)
            spec = getattr(fn, attr, None)
            if spec is not None:
                out.append((spec, getattr(self, name)))
        return out

    def commands(self) -> list[Command]:
        return [Command(self.customise(spec), self, h) for spec, h in self._marked("__kindred_command__")]

    def user_commands(self) -> list[Command]:
        """The commands used on a member (`@user_command`), bound to this cog."""
        return [Command(spec, self, h) for spec, h in self._marked("__kindred_user_command__")]

    def components(self) -> list[tuple[ComponentSpec, Handler]]:
        return self._marked("__kindred_component__")

    def forms(self) -> list[tuple[ComponentSpec, Handler]]:
        return self._marked("__kindred_form__")

    def event_handlers(self) -> list[tuple[tuple[type[Event], ...], EventHandler]]:
        return self._marked("__kindred_events__")
