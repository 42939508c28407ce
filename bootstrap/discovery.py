"""Finding the features: each package in cogs/ exports `COGS`, the cog classes it contributes, so adding a
feature never touches the composition root."""

from __future__ import annotations

import importlib
import pkgutil

import cogs
from core.commands import Cog


def discover() -> list[type[Cog]]:
    """Every cog class of every feature package (packages starting with "_" are skipped), by package name."""
    found: list[type[Cog]] = []
    for info in sorted(pkgutil.iter_modules(cogs.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{cogs.__name__}.{info.name}")
        found.extend(getattr(module, "COGS", []))
    return found
