"""Keeping the catalogues complete: extract every translatable text from the source and update the .po files.

`uv run bot.py i18n-update` rewrites locales/en.po (English is the source language, so each text translates to
itself) and appends the texts the other catalogues lack, untranslated, at their end, leaving every existing entry
and its place alone (several people translate in the same file); the test suite fails while any is left
untranslated. Besides the literals in `_()`, `N_()` and `gettext()`, the descriptions of the per-community
settings are texts too: `/config show` shows them to moderators.
"""

from __future__ import annotations

import inspect
import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from core.i18n import LANGUAGES, LOCALES_DIR

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("core", "cogs", "integrations")
KEYWORDS = {"_": None, "N_": None, "gettext": (2,)}


def extract_messages(root: Path = ROOT) -> dict[str, list[tuple[str, int]]]:
    """msgid -> [(file, line)] for every literal passed to `_`, `N_` or `gettext(locale, ...)`."""
    found: dict[str, list[tuple[str, int]]] = {}
    for folder in SOURCE_DIRS:
        base = root / folder
        for filename, lineno, message, _comments, _context in extract_from_dir(
            base, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=()
        ):
            if isinstance(message, tuple):
                message = message[0]
            if not message or not isinstance(message, str):
                continue
            found.setdefault(message, []).append((f"{folder}/{filename}", lineno))
    for message, where in setting_descriptions().items():
        found.setdefault(message, []).append(where)
    return found


def setting_descriptions() -> dict[str, tuple[str, int]]:
    """The description of every per-community setting, with the settings module that declares it."""
    from pydantic import BaseModel

    from core.settings import community_model, iter_keys

    out: dict[str, tuple[str, int]] = {}
    for section, info in community_model().model_fields.items():
        model = info.annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)):  # every section is a settings model
            continue
        module = inspect.getmodule(model)
        path = Path(module.__file__).resolve().relative_to(ROOT).as_posix() if module and module.__file__ else ""
        for _key, field in iter_keys(model):
            if field.description:
                out.setdefault(field.description, (path or f"core/settings ({section})", 0))
    return out


def read_catalog(locale: str) -> Catalog:
    path = LOCALES_DIR / f"{locale}.po"
    if not path.exists():
        return Catalog(locale=locale, project="Kindred")
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def write_catalog(catalog: Catalog, locale: str) -> None:
    LOCALES_DIR.mkdir(exist_ok=True)
    with (LOCALES_DIR / f"{locale}.po").open("wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False, sort_output=True, include_previous=False)


def append_missing(locale: str, msgids: list[str]) -> None:
    """Add these texts, untranslated, at the end of a catalogue, without touching anything already in it."""
    if not msgids:
        return
    block = Catalog(locale=locale, project="Kindred", fuzzy=False)
    for msgid in msgids:
        block.add(msgid, "")
    buf = io.BytesIO()
    write_po(buf, block, width=0, omit_header=True, no_location=True, sort_output=False)
    path = LOCALES_DIR / f"{locale}.po"
    LOCALES_DIR.mkdir(exist_ok=True)
    existing = path.read_bytes() if path.exists() else b""
    if not existing:
        header = io.BytesIO()
        write_po(header, Catalog(locale=locale, project="Kindred", fuzzy=False), width=0)
        existing = header.getvalue()
    separator = b"" if existing.endswith(b"\n\n") else b"\n" if existing.endswith(b"\n") else b"\n\n"
    path.write_bytes(existing + separator + buf.getvalue().lstrip(b"\n"))


def update_catalogues(root: Path = ROOT) -> dict[str, int]:
    """Bring every catalogue up to date with the source; returns how many texts each locale still lacks."""
    messages = extract_messages(root)
    missing: dict[str, int] = {}
    for locale in LANGUAGES:
        old = read_catalog(locale)
        if locale == "en":  # generated: each text is its own translation
            new = Catalog(locale=locale, project="Kindred", fuzzy=False)
            for msgid, locations in messages.items():
                new.add(msgid, msgid, locations=[(f, n) for f, n in locations[:3]])
            write_catalog(new, locale)
            missing[locale] = 0
            continue
        append_missing(locale, [m for m in messages if old.get(m) is None])
        translated = {m.id for m in read_catalog(locale) if m.id and m.string}
        missing[locale] = sum(1 for m in messages if m not in translated)
    return missing
