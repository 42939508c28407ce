"""Every member-facing text is translated in every shipped catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.i18n import (
    LANGUAGES,
    LOCALES_DIR,
    catalogue_dirs,
    format_text,
    gettext,
    load_catalogue,
    load_plurals,
    read_catalogue_file,
    read_plural_file,
)
from core.i18n_catalog import Msgid, extract_messages, messages_by_catalogue


def _translated(folder: Path, locale: str) -> set[Msgid]:
    """The texts a catalogue file translates: plain ones, and (singular, plural) pairs with every form written."""
    return {*read_catalogue_file(folder / f"{locale}.po", locale), *read_plural_file(folder / f"{locale}.po", locale)}


def test_every_catalogue_holds_its_own_texts() -> None:
    """Each feature's catalogue translates the texts of that feature; the shared one those of core/ and the rest."""
    wanted = messages_by_catalogue()
    assert len(wanted) > 5  # the shared catalogue and one per feature with texts
    for locale in LANGUAGES:
        if locale == "en":
            continue
        for folder, msgids in wanted.items():
            catalogue = _translated(folder, locale)
            missing = sorted((m for m in msgids if m not in catalogue), key=str)
            hint = f"translate them in {folder}/{locale}.po (uv run bot.py i18n-update adds them)"
            assert not missing, f"{len(missing)} texts untranslated, e.g. {missing[:5]}: {hint}"


def test_features_own_their_texts() -> None:
    wanted = messages_by_catalogue()
    features = {folder.parent.name: set(msgids) for folder, msgids in wanted.items() if folder != LOCALES_DIR}
    assert {"config", "engagement", "matching", "profiles", "welcome"} <= set(features)
    assert "Round weekday." in features["matching"]  # a setting description goes with its feature
    assert "Saved." in features["profiles"]
    shared = "This button is no longer active."  # used by core/ and by features: shared only
    assert shared in wanted[LOCALES_DIR]
    assert not any(shared in msgids for msgids in features.values())
    several = [name for name, msgids in features.items() if "This form is no longer active." in msgids]
    assert len(several) > 1  # used by several features (and not core): in each of theirs


def test_a_text_in_two_catalogues_translates_the_same() -> None:
    for locale in LANGUAGES:
        seen: dict[str, tuple[str, str]] = {}
        for folder in catalogue_dirs():
            entries: dict[Msgid, object] = {**read_catalogue_file(folder / f"{locale}.po", locale),
                                            **read_plural_file(folder / f"{locale}.po", locale)}
            for msgid, msgstr in entries.items():
                first = seen.setdefault(str(msgid), (str(msgstr), str(folder)))
                assert first[0] == str(msgstr), f"{msgid!r} translates differently in {first[1]} and {folder}"


def test_every_message_is_in_every_catalogue() -> None:
    messages = extract_messages()
    assert len(messages) > 40
    for locale in LANGUAGES:
        if locale == "en":
            continue  # English is the source language: each text is its own translation
        catalogue = {*load_catalogue(locale), *load_plurals(locale)}
        missing = sorted((m for m in messages if m not in catalogue), key=str)
        hint = "uv run bot.py i18n-update adds them, untranslated, to the catalogue of their feature or locales/de.po"
        assert not missing, f"{locale}.po lacks {len(missing)} texts, e.g. {missing[:5]}: {hint}"


def test_translations_keep_placeholders() -> None:
    import string

    for locale in LANGUAGES:
        for msgid, msgstr in load_catalogue(locale).items():
            ids = {f for _, f, _, _ in string.Formatter().parse(msgid) if f}
            strs = {f for _, f, _, _ in string.Formatter().parse(msgstr) if f}
            assert ids == strs, f"{locale}: placeholders differ in {msgid!r}"


def test_german_and_fallback() -> None:
    assert gettext("de", "Saved.") == "Gespeichert."
    assert gettext("de-AT", "Saved.") == "Gespeichert."
    assert gettext("fr", "Saved.") == "Saved."
    assert gettext("de", "Profile of {name}", name="Ana") == "Profil von Ana"


def test_format_never_reads_attributes() -> None:
    assert format_text("{name.__class__}", {"name": "x"}) == "{name.__class__}"
    assert format_text("{missing}", {"name": "x"}) == "{missing}"


def test_settings_descriptions_are_texts_to_translate() -> None:
    from cogs.config.schema import community_schema

    messages = extract_messages()
    assert {s.description for s in community_schema().values()} <= set(messages)


def test_i18n_update_appends_and_leaves_existing_entries_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import core.i18n_catalog as catalog

    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "x.py").write_text('N_("Zebra text")\nN_("Apple text {n}")\n', encoding="utf-8")
    locales = tmp_path / "locales"
    locales.mkdir()
    existing = ('msgid ""\nmsgstr ""\n"Language: de\\n"\n\n# --- a section of one translator ---\n'
                'msgid "Zebra text"\nmsgstr "Zebra-Text"\n')
    (locales / "de.po").write_text(existing, encoding="utf-8")
    monkeypatch.setattr(catalog, "LOCALES_DIR", locales)
    monkeypatch.setattr(catalog, "SOURCE_DIRS", ("core",))
    missing = catalog.update_catalogues(tmp_path)
    text = (locales / "de.po").read_text(encoding="utf-8")
    assert text.startswith(existing)  # nothing rewritten, reordered or dropped
    assert 'msgid "Apple text {n}"\nmsgstr ""' in text[len(existing):]
    assert text.count('msgid "Zebra text"') == 1
    assert missing["de"] == len(catalog.extract_messages(tmp_path)) - 1
    assert (locales / "en.po").exists()
    assert catalog.update_catalogues(tmp_path) == missing  # running it again adds nothing
    assert (locales / "de.po").read_text(encoding="utf-8") == text
