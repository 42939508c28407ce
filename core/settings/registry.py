"""The settings registry: every feature declares its own settings section, in its own package.

In the spirit of Red-DiscordBot's `Config.register_guild`: a feature writes its pydantic model(s) in
`cogs/<feature>/settings.py` and registers them there,

    SECTION = register(SettingsSection("matching", community=MatchingSettings, modules=("matching", "mentoring"),
                                       order=30))

and importing the feature (discovery does) is all it takes. The process-wide `Settings` (config.toml and
`KINDRED_...` variables), the per-community `CommunityConfig`, config.example.toml, the keys of `/config`, which
of them only the bot owner may change, and the module names of `/config module` are all built from what is
registered here, so adding a setting touches only the feature's folder.

A section is one `[name]` table of config.toml. Its `community` model holds the keys each community may override
(moderators, in chat); its `process` model holds process-wide keys (tuning of the running bot). A section with both
writes both into the same table, and in chat the process keys belong to the bot owner. A section with only a
`process` model (storage, platforms, logging) is read at start-up and never shown in `/config`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, create_model

__all__ = ["SettingsSection", "fingerprint", "module_title", "modules", "owner_keys", "register", "sections",
           "unregister"]


@dataclass(frozen=True)
class SettingsSection:
    """One `[name]` table of settings, declared by the feature that reads it.

    `order` places the table in config.toml and `/config` (core's own tables: storage 0, discord 1, slack 2,
    community 10, logging 90; features in between); `modules` are the names this feature can be switched off by
    (`/config module <name> off`)."""

    name: str
    community: type[BaseModel] | None = None
    process: type[BaseModel] | None = None
    modules: tuple[str, ...] = ()
    order: int = 50
    module_titles: tuple[tuple[str, str], ...] = ()
    """(module, English display name marked with `N_`) pairs: what `/config module` and refusals call a module in
    the community's language ("Intro rounds" for `matching`); a module without one is shown by its name."""
    model: type[BaseModel] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.name.isidentifier() or not self.name.islower():
            raise ValueError(f"settings section {self.name!r}: use a lower-case identifier")
        if self.community is None and self.process is None:
            raise ValueError(f"settings section {self.name!r} declares no model")
        object.__setattr__(self, "model", _merged(self.community, self.process))

    @property
    def per_community(self) -> bool:
        return self.community is not None

    @property
    def process_keys(self) -> tuple[str, ...]:
        """The field names that are process-wide (in chat: only the bot owner may change them)."""
        return tuple(self.process.model_fields) if self.process is not None else ()


def _merged(community: type[BaseModel] | None, process: type[BaseModel] | None) -> type[BaseModel]:
    """One model for the whole table: the community keys first, then the process keys. It subclasses both, so
    `cfg.section(MatchingSettings)` finds it and each model's validators still run."""
    if community is None:
        assert process is not None
        return process
    if process is None:
        return community
    clash = set(community.model_fields) & set(process.model_fields)
    if clash:
        raise ValueError(f"{community.__name__} and {process.__name__} both declare {sorted(clash)}")
    # bases (process, community): pydantic collects fields along the reversed MRO, so the community keys come first
    return create_model(community.__name__, __base__=(process, community), __module__=community.__module__)


_sections: dict[str, SettingsSection] = {}


def register(section: SettingsSection) -> SettingsSection:
    """Add a section (again importing the same declaration is harmless; two different ones under one name are
    a mistake and raise)."""
    old = _sections.get(section.name)
    if old is not None:
        if (old.community, old.process, old.modules, old.order, old.module_titles) == (
                section.community, section.process, section.modules, section.order, section.module_titles):
            return old
        raise ValueError(f"settings section {section.name!r} is registered twice")
    taken = {m: s.name for s in _sections.values() for m in s.modules}
    for name in section.modules:
        if name in taken:
            raise ValueError(f"module {name!r} is declared by both {taken[name]!r} and {section.name!r}")
    _sections[section.name] = section
    return section


def unregister(name: str) -> None:
    """Drop a section (tests that register a throwaway feature clean up with this)."""
    _sections.pop(name, None)


def fingerprint() -> tuple[SettingsSection, ...]:
    """What is registered, as a key: built models are cached against it, so the same sections always give the
    same model classes (and adding one gives new ones)."""
    return tuple(sections())


def sections() -> list[SettingsSection]:
    """Every registered section, in config.toml order."""
    return sorted(_sections.values(), key=lambda s: (s.order, s.name))


def modules() -> tuple[str, ...]:
    """The switchable module names, in section order (the one list `/config module` offers)."""
    return tuple(m for s in sections() for m in s.modules)


def module_title(name: str) -> str:
    """A module's English display name (translate it with `_`), or its name when its feature declares none."""
    for section in _sections.values():
        for module, title in section.module_titles:
            if module == name:
                return title
    return name


def owner_keys() -> frozenset[str]:
    """`section.field` of every process-wide key that chat shows (only the bot owner may change those)."""
    return frozenset(f"{s.name}.{k}" for s in sections() if s.per_community for k in s.process_keys)
