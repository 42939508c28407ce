"""Message catalogues: every member-facing text is looked up here in the community's language.

Texts are written in English in the code (`ctx._("…")` at run time, `N_("…")` for texts declared at import time)
and translated from gettext catalogues, read with Babel at start-up so that no compile step is needed. Each feature
owns its texts in `cogs/<feature>/locales/<lang>.po`; the shared `locales/<lang>.po` holds those of core/,
integrations/ and the composition root. Core never imports a feature: the composition root registers each
feature's catalogue folder (`add_catalogue_dir`, bootstrap/discovery.py) and the catalogues are merged here.
English is the source language; a catalogue that lacks a message falls back to English, and the test suite fails
when a shipped catalogue lacks one, so this never happens in a release.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DEFAULT_LOCALE = "en"
# The languages Kindred speaks: declared here only. Settings validation (`community.language`), the setup wizard,
# the Discord command translations and the catalogue checks all read this.
LANGUAGES = ("en", "de")


def N_(msgid: str) -> str:
    """Mark a text for extraction without translating it yet (it is translated when shown)."""
    return msgid


class _Missing(dict[str, Any]):
    """Leaves unknown placeholders visible instead of raising, so a bad translation never breaks a reply."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def format_text(text: str, params: Mapping[str, Any]) -> str:
    """Fill `{name}` placeholders; only plain names are allowed, attribute access is not."""
    if not params:
        return text
    out: list[str] = []
    values = _Missing(params)
    try:
        for literal, field_name, spec, conv in string.Formatter().parse(text):
            out.append(literal)
            if field_name is None:
                continue
            if not field_name.isidentifier():
                out.append("{" + field_name + "}")
                continue
            value = values[field_name]
            if conv == "r":
                value = repr(value)
            out.append(format(value, spec or ""))
    except (ValueError, TypeError):
        return text
    return "".join(out)


_CATALOGUE_DIRS: list[Path] = [LOCALES_DIR]


def add_catalogue_dir(path: Path) -> None:
    """Register a feature's `locales` folder, so its texts are translated too; registering one twice is harmless.

    Called by the composition root while it finds the features, since core must not import them."""
    path = path.resolve()
    if path not in _CATALOGUE_DIRS:
        _CATALOGUE_DIRS.append(path)
        load_catalogue.cache_clear()


def catalogue_dirs() -> tuple[Path, ...]:
    """The shared catalogue folder first, then every registered feature's, in registration order."""
    return tuple(_CATALOGUE_DIRS)


def read_catalogue_file(path: Path, locale: str) -> dict[str, str]:
    """Read one .po file into a msgid -> msgstr dict (empty translations are skipped)."""
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    return {str(m.id): str(m.string) for m in catalog if m.id and isinstance(m.id, str) and m.string}


@cache
def load_catalogue(locale: str) -> dict[str, str]:
    """Every catalogue of `locale` merged into one msgid -> msgstr dict: the shared one, then each feature's.

    A text used in two places must translate the same (tests/core/test_i18n.py checks it); should two
    catalogues still disagree, the first one read (the shared one) wins."""
    merged: dict[str, str] = {}
    for folder in _CATALOGUE_DIRS:
        for msgid, msgstr in read_catalogue_file(folder / f"{locale}.po", locale).items():
            merged.setdefault(msgid, msgstr)
    return merged


def normalise_locale(locale: str | None) -> str:
    """Map "de-DE", "de_AT" or "DE" to a shipped locale, falling back to English."""
    if not locale:
        return DEFAULT_LOCALE
    short = locale.replace("_", "-").split("-")[0].lower()
    return short if short in LANGUAGES else DEFAULT_LOCALE


def gettext(locale: str | None, msgid: str, **params: Any) -> str:
    """Translate `msgid` into `locale` and fill in its placeholders."""
    loc = normalise_locale(locale)
    text = load_catalogue(loc).get(msgid, msgid) if loc != DEFAULT_LOCALE else msgid
    return format_text(text, params)


Translate = Callable[..., str]


def translator(locale: str | None) -> Translate:
    """A `_` bound to one locale: `_ = translator("de"); _("Hello {name}", name="Ana")`."""

    def _(msgid: str, **params: Any) -> str:
        return gettext(locale, msgid, **params)

    return _
