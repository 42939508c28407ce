"""Finding the features: each feature package exports `COGS`, the cog classes it contributes, so adding a feature
never touches the composition root.

Features are found in two places:
- every package in cogs/ (those starting with "_" are skipped): the features shipped with Kindred;
- every installed distribution's entry point in the group `kindred.features`, naming a package that exports
  `COGS`: a feature kept outside this repository, switched on by installing it into the bot's environment
  (`uv pip install ./kindred-garden`, whose pyproject.toml declares
  `[project.entry-points."kindred.features"] garden = "kindred_garden"`).

Importing a feature package registers its settings section (core/settings/registry.py), so bot.py imports them
all (`feature_packages`) before it reads config.toml.
"""

from __future__ import annotations

import importlib
import pkgutil
from importlib.metadata import entry_points

import cogs
from core.commands import Cog

ENTRY_POINT_GROUP = "kindred.features"
"""The entry-point group of installed feature packages (see the module docstring and CONTRIBUTING.md)."""


def feature_packages() -> list[str]:
    """The dotted names of every feature package: cogs/* by name, then the installed ones by entry-point name."""
    shipped = [f"{cogs.__name__}.{info.name}"
               for info in sorted(pkgutil.iter_modules(cogs.__path__), key=lambda i: i.name)
               if not info.name.startswith("_")]
    installed = [ep.module for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name)]
    return list(dict.fromkeys([*shipped, *installed]))


def discover() -> list[type[Cog]]:
    """Every cog class of every feature package, in `feature_packages` order."""
    found: list[type[Cog]] = []
    for name in feature_packages():
        module = importlib.import_module(name)
        found.extend(getattr(module, "COGS", []))
    return found
