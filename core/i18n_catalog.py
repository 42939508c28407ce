"""Keeping the catalogues complete: extract every translatable text from the source and update the .po files.

`uv run bot.py i18n-update` rewrites locales/en.po (English is the source language, so each text translates to
itself) and appends the texts the other catalogues lack, untranslated, at their end, leaving every existing entry
and its place alone (several people translate in the same file); the test suite fails while any is left
untranslated. Each feature owns its texts: a text used only by files of one feature goes into that feature's
catalogue (`cogs/<feature>/locales/<lang>.po`, the folders the composition root registered with core/i18n.py), one
used by several features into each of theirs, and one used anywhere else (core/, integrations/) into the shared
`locales/<lang>.po`. Besides the literals in `_()`, `N_()` and `gettext()`, the descriptions of the per-community
settings are texts too: `/config show` shows them to moderators. Counted texts (`_n()`, `ngettext()`) are extracted
as (singular, plural) pairs and written as gettext plural entries (`msgid_plural`, one `msgstr[i]` per form).
"""

from __future__ import annotations

import inspect
import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from core.i18n import LANGUAGES, LOCALES_DIR, catalogue_dirs

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("core", "cogs", "integrations", "storage", "bootstrap")
KEYWORDS = {"_": None, "public_": None, "N_": None, "gettext": (2,), "_n": (1, 2), "ngettext": (2, 3), "N_n": (1, 2)}

Msgid = str | tuple[str, str]
"""A text, or a counted text's (singular, plural) pair."""


def extract_messages(root: Path = ROOT) -> dict[Msgid, list[tuple[str, int]]]:
    """msgid -> [(file, line)] for every literal passed to `_`, `N_` or `gettext(locale, ...)`, and (singular,
    plural) -> [(file, line)] for every pair passed to `_n` or `ngettext(locale, ...)`."""
    found: dict[Msgid, list[tuple[str, int]]] = {}
    for folder in SOURCE_DIRS:
        base = root / folder
        for filename, lineno, message, _comments, _context in extract_from_dir(
            base, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=()
        ):
            key: Msgid
            if isinstance(message, tuple):
                if len(message) != 2 or not all(isinstance(m, str) and m for m in message):
                    continue
                key = (message[0], message[1])
            elif isinstance(message, str) and message:
                key = message
            else:
                continue
            found.setdefault(key, []).append((f"{folder}/{filename}", lineno))
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


def feature_folders(root: Path = ROOT) -> dict[str, Path]:
    """Source folder (relative to `root`, "cogs/matching") -> its catalogue folder, for every registered feature
    catalogue folder inside `root` (features installed elsewhere keep their own catalogues up to date)."""
    out: dict[str, Path] = {}
    for folder in catalogue_dirs()[1:]:
        try:
            out[folder.parent.relative_to(root.resolve()).as_posix()] = folder
        except ValueError:
            continue
    return out


def destinations(locations: list[tuple[str, int]], features: dict[str, Path]) -> list[Path]:
    """The catalogue folders a text belongs in: the shared one if any file outside the features uses it, else
    the folder of every feature that uses it."""
    owners: list[Path] = []
    for file, _line in locations:
        owner = next((folder for source, folder in features.items() if file.startswith(source + "/")), None)
        if owner is None:
            return [LOCALES_DIR]
        if owner not in owners:
            owners.append(owner)
    return owners or [LOCALES_DIR]


def read_catalog(locale: str, folder: Path | None = None) -> Catalog:
    path = (folder or LOCALES_DIR) / f"{locale}.po"
    if not path.exists():
        return Catalog(locale=locale, project="Kindred")
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def write_catalog(catalog: Catalog, locale: str) -> None:
    LOCALES_DIR.mkdir(exist_ok=True)
    with (LOCALES_DIR / f"{locale}.po").open("wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False, sort_output=True, include_previous=False)


def append_missing(locale: str, msgids: list[Msgid], folder: Path | None = None) -> None:
    """Add these texts, untranslated, at the end of a catalogue, without touching anything already in it."""
    if not msgids:
        return
    block = Catalog(locale=locale, project="Kindred", fuzzy=False)
    for msgid in msgids:
        block.add(msgid, ("",) * block.num_plurals if isinstance(msgid, tuple) else "")
    buf = io.BytesIO()
    write_po(buf, block, width=0, omit_header=True, no_location=True, sort_output=False)
    folder = folder or LOCALES_DIR
    path = folder / f"{locale}.po"
    folder.mkdir(exist_ok=True)
    existing = path.read_bytes() if path.exists() else b""
    if not existing:
        header = io.BytesIO()
        write_po(header, Catalog(locale=locale, project="Kindred", fuzzy=False), width=0)
        existing = header.getvalue()
    separator = b"" if existing.endswith(b"\n\n") else b"\n" if existing.endswith(b"\n") else b"\n\n"
    path.write_bytes(existing + separator + buf.getvalue().lstrip(b"\n"))


def messages_by_catalogue(root: Path = ROOT) -> dict[Path, list[Msgid]]:
    """Catalogue folder -> the texts it must hold (the shared folder is always present)."""
    features = feature_folders(root)
    out: dict[Path, list[Msgid]] = {LOCALES_DIR: []}
    for msgid, locations in extract_messages(root).items():
        for folder in destinations(locations, features):
            out.setdefault(folder, []).append(msgid)
    return out


def update_catalogues(root: Path = ROOT) -> dict[str, int]:
    """Bring every catalogue up to date with the source; returns how many texts each locale still lacks."""
    messages = extract_messages(root)
    wanted = messages_by_catalogue(root)
    missing: dict[str, int] = {}
    for locale in LANGUAGES:
        if locale == "en":  # generated: each text is its own translation
            new = Catalog(locale=locale, project="Kindred", fuzzy=False)
            for msgid, locations in messages.items():
                new.add(msgid, msgid, locations=[(f, n) for f, n in locations[:3]])
            write_catalog(new, locale)
            missing[locale] = 0
            continue
        lacking: set[Msgid] = set()
        for folder, msgids in wanted.items():
            old = read_catalog(locale, folder)
            append_missing(locale, [m for m in msgids if not _holds(old, m)], folder)
            translated = {_key(m.id) for m in read_catalog(locale, folder) if m.id and _filled(m.string)}
            lacking.update(m for m in msgids if m not in translated)
        missing[locale] = len(lacking)
    return missing


def _key(msgid: object) -> Msgid:
    """A catalogue entry's id as `extract_messages` names it: a text, or a (singular, plural) pair."""
    if isinstance(msgid, (tuple, list)):
        return (str(msgid[0]), str(msgid[1]))
    return str(msgid)


def _holds(catalog: Catalog, msgid: Msgid) -> bool:
    """Whether the catalogue has an entry for this text, of the same kind (plain, or plural with this plural)."""
    entry = catalog.get(msgid)
    return entry is not None and _key(entry.id) == msgid


def _filled(string: object) -> bool:
    """A translation with every form written (a plural entry with one empty form is still untranslated)."""
    if isinstance(string, (tuple, list)):
        return bool(string) and all(string)
    return bool(string)
