"""The German catalogues speak one way: role nouns with the middle dot (Moderator·in, Begrüßer·innen) or a neutral
noun (die Moderation, Mitarbeitende), never the masculine form alone or the pair form, and words that name two
different things in English do not fall together in German."""

from __future__ import annotations

import re

from core.i18n import catalogue_dirs, read_catalogue_file, read_plural_file

# A role noun without the middle dot, or a pair form ("eine Moderatorin oder ein Moderator").
_UNINCLUSIVE = re.compile(
    r"\b(Moderator|Moderatoren|Moderatorin|Moderatorinnen|Mentor|Mentoren|Mentorin|Mentorinnen|Begrüßer|Begrüßern|"
    r"Inhaber|Inhabern|Betreiber|Partner|Nutzer|Teilnehmer|Helfer)\b(?!·)"
)


def _german() -> dict[str, list[str]]:
    """Every German text of every catalogue: msgid (the singular of a counted one) -> its forms."""
    out: dict[str, list[str]] = {}
    for folder in catalogue_dirs():
        path = folder / "de.po"
        for msgid, msgstr in read_catalogue_file(path, "de").items():
            out.setdefault(msgid, []).append(msgstr)
        for (singular, _plural), forms in read_plural_file(path, "de").items():
            out.setdefault(singular, []).extend(forms)
    return out


def test_one_inclusive_style_for_role_nouns() -> None:
    found = sorted({m.group(0) + " in " + form for forms in _german().values() for form in forms
                    for m in [_UNINCLUSIVE.search(form)] if m})
    assert not found, f"write Moderator·in / Begrüßer·innen or a neutral noun: {found[:10]}"


def test_staff_is_not_the_profile_field_team() -> None:
    """"staff" (people who run the community, left out of metrics) and the profile field "Team" are different."""
    german = _german()
    assert german["Team"] == ["Team"]
    staff = {msgid: forms for msgid, forms in german.items() if re.search(r"\bstaff\b", msgid, re.IGNORECASE)}
    assert len(staff) >= 4
    for msgid, forms in staff.items():
        assert all("Team" not in f for f in forms), msgid
        assert all("Mitarbeitende" in f for f in forms), msgid


def test_module_names_are_translated() -> None:
    from core.i18n import gettext
    from core.settings import registry

    titles = {name: gettext("de", registry.module_title(name)) for name in registry.modules()}
    assert titles["matching"] == "Vorstellungsrunden" and titles["welcome"] == "Begrüßung"
    assert all(title != name for name, title in titles.items() if name != "mentoring"), titles
