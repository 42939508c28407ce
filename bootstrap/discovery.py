"""Finding the features: each feature package exports `COGS`, the cog classes it contributes, so adding a feature
never touches the composition root.

Features are found in two places:
- every package in cogs/ (those starting with "_" are skipped): the features shipped with Kindred;
- every installed distribution's entry point in the group `kindred.features`, naming a package that exports
  `COGS`: a feature kept outside this repository, switched on by installing it into the bot's environment
  (`uv pip install ./kindred-garden`, whose pyproject.toml declares
  `[project.entry-points."kindred.features"] garden = "kindred_garden"`).

Finding a feature also registers its catalogue folder, `<package>/locales`, with core/i18n.py, so its texts are
translated (core never imports the features itself).

Importing a feature package registers its settings section (core/settings/registry.py), so bot.py imports them
all (`feature_packages`) before it reads config.toml.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from importlib.metadata import entry_points
from pathlib import Path

import cogs
from core.commands import Cog
from core.i18n import add_catalogue_dir

ENTRY_POINT_GROUP = "kindred.features"
"""The entry-point group of installed feature packages (see the module docstring and CONTRIBUTING.md)."""


def feature_packages() -> list[str]:
    """The dotted names of every feature package: cogs/* by name, then the installed ones by entry-point name."""
    shipped = [f"{cogs.__name__}.{info.name}"
               for info in sorted(pkgutil.iter_modules(cogs.__path__), key=lambda i: i.name)
               if not info.name.startswith("_")]
    installed = [ep.module for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name)]
    names = list(dict.fromkeys([*shipped, *installed]))
    register_catalogues(names)
    return names


def register_catalogues(packages: list[str]) -> None:
    """Register each feature package's `locales` folder with core/i18n.py, without importing the package: every
    path that finds the features (start-up, `bot.py i18n-update`, the tests) gets their texts. A new feature's
    folder is registered before it exists, so `bot.py i18n-update` creates it."""
    for name in packages:
        spec = importlib.util.find_spec(name)
        for location in (spec.submodule_search_locations or []) if spec else []:
            add_catalogue_dir(Path(location) / "locales")


def discover() -> list[type[Cog]]:
    """Every cog class of every feature package, in `feature_packages` order."""
    found: list[type[Cog]] = []
    for name in feature_packages():
        module = importlib.import_module(name)
        found.extend(getattr(module, "COGS", []))
    return found
