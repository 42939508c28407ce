"""Features. Each package exports `COGS`, the cog classes it contributes; `discover` finds them all,
so adding a feature never touches the composition root."""

from __future__ import annotations

import importlib
import pkgutil

from core.commands import Cog


def discover() -> list[type[Cog]]:
    found: list[type[Cog]] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.extend(getattr(module, "COGS", []))
    return found
