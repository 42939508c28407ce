"""Counted texts: every count a person reads comes in the form its number needs ("1 variant", "2 variants"), from
gettext plural entries in every catalogue, and a text with a count but without plural forms fails here."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from core.errors import UserError
from core.i18n import (
    LANGUAGES,
    N_n,
    catalogue_dirs,
    gettext,
    load_catalogue,
    load_plurals,
    ngettext,
    plural_translator,
)
from core.i18n_catalog import ROOT, SOURCE_DIRS, extract_messages
from core.settings.refusals import refusal


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_english_and_german_pick_the_form_of_the_count() -> None:
    pair = ("{count} greeting variant", "{count} greeting variants")
    assert ngettext("en", *pair, 1, count=1) == "1 greeting variant"
    assert ngettext("en", *pair, 2, count=2) == "2 greeting variants"
    assert ngettext("en", *pair, 0, count=0) == "0 greeting variants"
    assert ngettext("de", *pair, 1, count=1) == "1 Begrüßungsvariante"
    assert ngettext("de-AT", *pair, 5, count=5) == "5 Begrüßungsvarianten"
    assert ngettext("fr", *pair, 1, count=1) == "1 greeting variant"  # not shipped: English, still right
    _n = plural_translator("de")
    assert _n("{n} message", "{n} messages", 1) == "1 Nachricht"  # `{n}` is the count unless named otherwise
    assert _n("{days} day", "{days} days", 3, days=3) == "3 Tage"


def test_a_text_declared_before_its_count_is_known() -> None:
    """`N_n` marks an error or a refusal whose count comes later, in the parameter it names."""
    text = N_n("At most {max} extra field.", "At most {max} extra fields.", "max")
    assert gettext("en", text, max=1) == "At most 1 extra field."
    assert gettext("de", text, max=1) == "Höchstens 1 zusätzliches Feld."
    assert gettext("de", text, max="7") == "Höchstens 7 zusätzliche Felder."  # travelled as text (a refusal)
    error = UserError(text, max=1)
    assert str(error) == "At most 1 extra field."
    assert refusal(text, max=1).message() == "At most 1 extra field."
    assert refusal(text, max=3).context == {"max": "3", "msgid": text.singular, "msgid_plural": text.plural,
                                            "count": "max"}


@given(st.integers(min_value=0, max_value=10**9))
def test_every_plural_entry_has_a_form_for_every_count(n: int) -> None:
    for locale in LANGUAGES:
        for (singular, plural), _forms in load_plurals(locale).items():
            text = ngettext(locale, singular, plural, n)
            assert "{n}" not in text


def test_catalogues_declare_the_plural_rule_of_their_language() -> None:
    for folder in catalogue_dirs():
        for locale in LANGUAGES:
            path = folder / f"{locale}.po"
            if not path.exists():
                continue
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=locale)
            rule = get_plural(locale)
            assert (catalog.num_plurals, catalog.plural_expr) == (rule.num_plurals, rule.plural_expr), path
            for message in catalog:
                if isinstance(message.id, tuple) and message.string and any(message.string):
                    assert len(message.string) == rule.num_plurals, f"{path}: {message.id[0]!r}"


def test_plural_forms_keep_the_placeholders() -> None:
    """Each form may only use placeholders the English text has; the last (the general plural) uses all but the
    count may be written out in the singular ("eine Variante")."""
    for locale in LANGUAGES:
        for (singular, plural), forms in load_plurals(locale).items():
            allowed = _fields(singular) | _fields(plural)
            for form in forms:
                assert _fields(form) <= allowed, f"{locale}: {form!r}"
            assert _fields(forms[-1]) == _fields(plural), f"{locale}: {forms[-1]!r}"


def test_no_text_is_both_plain_and_counted() -> None:
    """A catalogue keys entries by the singular: the same text as plain and as counted would overwrite one."""
    messages = extract_messages()
    plain = {m for m in messages if isinstance(m, str)}
    clashes = sorted(m[0] for m in messages if isinstance(m, tuple) and m[0] in plain)
    assert not clashes, f"used both with and without a count: {clashes}"
    plurals: dict[str, set[str]] = {}
    for m in messages:
        if isinstance(m, tuple):
            plurals.setdefault(m[0], set()).add(m[1])
    twice = sorted(singular for singular, forms in plurals.items() if len(forms) > 1)
    assert not twice, f"one singular with two different plurals: {twice}"


def _literal_calls(names: set[str]) -> list[tuple[str, str, str]]:
    """(file:line, singular, plural) of every call `name("…", "…", …)` in the source, by the Python parser."""
    found = []
    for folder in SOURCE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
                if name not in names:
                    continue
                args = node.args[1:] if name == "ngettext" else node.args
                if len(args) >= 2 and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args[:2]):
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    found.append((where, args[0].value, args[1].value))  # type: ignore[union-attr]
    return found


def test_the_extractor_finds_every_counted_text() -> None:
    """Babel's extractor reads calls token by token; a bare `_` among a counted call's arguments makes it take
    the call for a plain one. The parser sees every call, so a counted text the catalogue would lack fails."""
    calls = _literal_calls({"_n", "N_n", "ngettext"})
    assert len(calls) > 20
    messages = extract_messages()
    lost = [where for where, singular, plural in calls if (singular, plural) not in messages]
    assert not lost, f"counted texts the extractor reads as plain ones: {lost}"


# A count placeholder followed by a word that changes with the number: "{n} mentees", "{days} days".
_COUNTED = re.compile(r"\{(n|count|days|seconds|minutes|hours|max|min|length|capacity|limit|groups|members|"
                      r"received|sent|ended|withdrawn|total)\}\s+(?!(?:of|now|a|in|more|and|to|MB|"
                      r"sein|weitere|bis|und|von|jetzt|pro|insgesamt)\b|·|\()"
                      r"([A-Za-zÄÖÜäöüß-]+)")


# The engine says "1 waking hour overlaps" with a text of its own (cogs/matching/texts.py `timezone_overlap_one`).
_SINGULAR_ELSEWHERE = {"{hours} waking hours overlap"}


def test_texts_with_a_count_have_plural_forms() -> None:
    """Every plain text (English and German) that puts a count before a noun must be a counted text instead."""
    offenders = []
    german = load_catalogue("de")
    for msgid in extract_messages():
        if not isinstance(msgid, str) or msgid in _SINGULAR_ELSEWHERE:
            continue
        for text in (msgid, german.get(msgid, "")):
            if _COUNTED.search(text):
                offenders.append(text)
    assert not offenders, f"texts with a count but no plural forms (use ctx._n or N_n): {offenders}"


def test_i18n_update_writes_plural_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import core.i18n_catalog as catalog

    (tmp_path / "core").mkdir()
    source = 'ctx._n("{n} apple", "{n} apples", n)\nN_n("{max} pear", "{max} pears", "max")\n'
    (tmp_path / "core" / "x.py").write_text(source, encoding="utf-8")
    locales = tmp_path / "locales"
    locales.mkdir()
    monkeypatch.setattr(catalog, "LOCALES_DIR", locales)
    monkeypatch.setattr(catalog, "SOURCE_DIRS", ("core",))
    catalog.update_catalogues(tmp_path)
    german = (locales / "de.po").read_text(encoding="utf-8")
    assert 'msgid "{n} apple"\nmsgid_plural "{n} apples"\nmsgstr[0] ""\nmsgstr[1] ""' in german
    assert 'msgid_plural "{max} pears"' in german
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in german
    english = (locales / "en.po").read_text(encoding="utf-8")
    assert 'msgstr[0] "{n} apple"\nmsgstr[1] "{n} apples"' in english
    german = german.replace('msgstr[0] ""\nmsgstr[1] ""', 'msgstr[0] "{n} Apfel"\nmsgstr[1] ""', 1)
    (locales / "de.po").write_text(german, encoding="utf-8")
    # half a translation is no translation: still counted as missing, and nothing is added twice
    assert catalog.update_catalogues(tmp_path)["de"] == len(catalog.extract_messages(tmp_path))
    assert (locales / "de.po").read_text(encoding="utf-8").count('msgid "{n} apple"') == 1
