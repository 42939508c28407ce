"""Message catalogues: every member-facing text is looked up here in the community's language.

Texts are written in English in the code (`ctx._("…")` at run time, `N_("…")` for texts declared at import time)
and translated from gettext catalogues, read with Babel at start-up so that no compile step is needed. Each feature
owns its texts in `cogs/<feature>/locales/<lang>.po`; the shared `locales/<lang>.po` holds those of core/,
integrations/ and the composition root. Core never imports a feature: the composition root registers each
feature's catalogue folder (`add_catalogue_dir`, bootstrap/discovery.py) and the catalogues are merged here.
English is the source language; a catalogue that lacks a message falls back to English, and the test suite fails
when a shipped catalogue lacks one, so this never happens in a release.

A text that shows a count has a singular and a plural (`ctx._n("{n} variant", "{n} variants", n)`, gettext's
ngettext): the catalogue holds one form per plural category of its language (`msgid_plural`, `msgstr[0]`, ...),
and the language's plural rule (its `Plural-Forms`, from Babel's table) picks the form, so "1 variants" never
shows in any language.
"""

from __future__ import annotations

import gettext as _stdlib_gettext
import string
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DEFAULT_LOCALE = "en"
# The languages Kindred speaks: declared here only. Settings validation (`community.language`), the setup wizard,
# the Discord command translations and the catalogue checks all read this.
LANGUAGES = ("en", "de")


def N_(msgid: str) -> str:
    """Mark a text for extraction without translating it yet (it is translated when shown)."""
    return msgid


class Plural(NamedTuple):
    """A counted text declared before its count is known (an error, a refusal): translated when shown, in the
    form that fits the parameter named `param` (`gettext(locale, text, n=3)`)."""

    singular: str
    plural: str
    param: str = "n"


Text = str | Plural
"""What `gettext` and every `_` accept: a text, or a counted text (`N_n`)."""


def N_n(singular: str, plural: str, count: str = "n") -> Plural:
    """Mark a counted text for extraction: `UserError(N_n("At most {max} item.", "At most {max} items.", "max"),
    max=5)` shows "At most 5 items." and "At most 1 item."."""
    return Plural(singular, plural, count)


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
        load_plurals.cache_clear()


def catalogue_dirs() -> tuple[Path, ...]:
    """The shared catalogue folder first, then every registered feature's, in registration order."""
    return tuple(_CATALOGUE_DIRS)


def read_catalogue_file(path: Path, locale: str) -> dict[str, str]:
    """Read one .po file into a msgid -> msgstr dict (empty translations are skipped; plural entries are read by
    `read_plural_file`)."""
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    return {str(m.id): str(m.string) for m in catalog if m.id and isinstance(m.id, str) and m.string}


def read_plural_file(path: Path, locale: str) -> dict[tuple[str, str], tuple[str, ...]]:
    """Read the plural entries of one .po file: (singular, plural) -> one form per plural category. An entry with
    an empty form is skipped, so a half-translated text falls back to English whole rather than in parts."""
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    for m in catalog:
        if isinstance(m.id, (tuple, list)) and len(m.id) == 2 and isinstance(m.string, (tuple, list)):
            forms = tuple(str(f) for f in m.string)
            if forms and all(forms):
                out[(str(m.id[0]), str(m.id[1]))] = forms
    return out


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


@cache
def load_plurals(locale: str) -> dict[tuple[str, str], tuple[str, ...]]:
    """Every plural entry of `locale`, merged like `load_catalogue` (the shared catalogue first)."""
    merged: dict[tuple[str, str], tuple[str, ...]] = {}
    for folder in _CATALOGUE_DIRS:
        for key, forms in read_plural_file(folder / f"{locale}.po", locale).items():
            merged.setdefault(key, forms)
    return merged


@cache
def plural_rule(locale: str) -> Callable[[int], int]:
    """n -> the index of the plural form, from Babel's table of gettext plural rules (German and English:
    `nplurals=2; plural=(n != 1)`); the catalogues' `Plural-Forms` headers say the same (tests check it)."""
    return _stdlib_gettext.c2py(get_plural(locale).plural_expr)


def normalise_locale(locale: str | None) -> str:
    """Map "de-DE", "de_AT" or "DE" to a shipped locale, falling back to English."""
    if not locale:
        return DEFAULT_LOCALE
    short = locale.replace("_", "-").split("-")[0].lower()
    return short if short in LANGUAGES else DEFAULT_LOCALE


def answer_locale(community_language: str, person: str | None, follow_person: bool) -> str:
    """The language to answer a person in: theirs (as their platform tells it) when the community allows it and
    Kindred speaks it, else the community's."""
    if follow_person and person:
        short = person.replace("_", "-").split("-")[0].lower()
        if short in LANGUAGES:
            return short
    return community_language


def gettext(locale: str | None, msgid: Text, **params: Any) -> str:
    """Translate `msgid` into `locale` and fill in its placeholders; a `Plural` takes its count from the parameter
    it names."""
    if isinstance(msgid, Plural):
        return ngettext(locale, msgid.singular, msgid.plural, _count(params.get(msgid.param)), **params)
    loc = normalise_locale(locale)
    text = load_catalogue(loc).get(msgid, msgid) if loc != DEFAULT_LOCALE else msgid
    return format_text(text, params)


def ngettext(locale: str | None, singular: str, plural: str, n: int, /, **params: Any) -> str:
    """The form of a counted text that fits `n`, translated into `locale`, with its placeholders filled; `{n}` is
    the count unless `params` name it otherwise ("{count} variants" passes `count=n`)."""
    loc = normalise_locale(locale)
    params.setdefault("n", n)
    count = abs(int(n))
    text = singular if count == 1 else plural
    if loc != DEFAULT_LOCALE:
        forms = load_plurals(loc).get((singular, plural))
        if forms:
            text = forms[min(plural_rule(loc)(count), len(forms) - 1)]
    return format_text(text, params)


def _count(value: Any) -> int:
    """The count of a `Plural` from its parameter, which may have travelled as text (a settings refusal)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0  # no usable count: the plural form ("0 items") reads right in the languages Kindred speaks


Translate = Callable[..., str]
PluralTranslate = Callable[..., str]
"""`_n(singular, plural, n, **params)`: a counted text, bound to one locale (see `plural_translator`)."""


def translator(locale: str | None) -> Translate:
    """A `_` bound to one locale: `_ = translator("de"); _("Hello {name}", name="Ana")`."""

    def _(msgid: Text, **params: Any) -> str:
        return gettext(locale, msgid, **params)

    return _


def plural_translator(locale: str | None) -> PluralTranslate:
    """A `_n` bound to one locale: `_n = plural_translator("de"); _n("{n} day", "{n} days", 3)`."""

    def _n(singular: str, plural: str, n: int, /, **params: Any) -> str:
        return ngettext(locale, singular, plural, n, **params)

    return _n
