"""Keeping the catalogues complete: extract every translatable text from the source and update the .po files.

`uv run bot.py i18n-update` rewrites locales/en.po (English is the source language, so each text translates to
itself) and adds new texts to the other catalogues, untranslated, for a translator to fill in; the test suite
fails while any is left untranslated.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from core.i18n import LOCALES_DIR, SUPPORTED_LOCALES

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
    return found


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


def update_catalogues(root: Path = ROOT) -> dict[str, int]:
    """Sync every catalogue with the source; returns how many texts each locale still lacks."""
    messages = extract_messages(root)
    missing: dict[str, int] = {}
    for locale in SUPPORTED_LOCALES:
        old = read_catalog(locale)
        new = Catalog(locale=locale, project="Kindred", fuzzy=False)
        for msgid, locations in messages.items():
            previous = old.get(msgid)
            text = msgid if locale == "en" else (str(previous.string) if previous and previous.string else "")
            new.add(msgid, text, locations=[(f, n) for f, n in locations[:3]])
        missing[locale] = sum(1 for m in new if m.id and not m.string)
        write_catalog(new, locale)
    return missing
