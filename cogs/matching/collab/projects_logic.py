"""Projects as plain data: reading what a poster typed, who fits a role, which projects fit a member.

No chat, no store: the cog hands in rows and engine members and gets back values or a `ProjectInputError` whose
`code` and `params` it turns into a translated message (nothing is stored when one is raised).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from cogs.matching.engine import History, MatchOptions, Member, Part, find_people
from cogs.matching.engine.facets import languages_of, norm
from cogs.matching.engine.timezones import overlap_minutes, valid_zone

MAX_NEEDS = 8
MAX_COUNT = 10
MAX_NEED = 60
MAX_LANGUAGES = 5
MAX_LANGUAGE = 20
MAX_TITLE = 100
MAX_DESCRIPTION = 1000
MAX_COMMITMENT = 100
MAX_AHEAD_DAYS = 3 * 366
# Minutes of waking hours (the engine's 08:00-21:00) a suggested person shares with the owner. Two 13-hour windows
# always share at least two hours, so "awake at the same time" needs more than that: three hours leaves out only
# people 11 or 12 hours apart (Berlin and Auckland), with whom a project would meet at dawn or late at night.
MIN_OVERLAP = 180
_COUNT = re.compile(r"^(?P<need>.+?)\s*(?:[*x×]\s*(?P<n1>\d+)|\((?P<n2>\d+)\))$|^(?P<n3>\d+)\s*[*x×]?\s+(?P<need2>.+)$",
                    re.IGNORECASE)
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_DOTTED = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
_UNTIL_WORDS = re.compile(r"\b(?:until|till|til|by|bis|zum|ending|ends)\b", re.IGNORECASE)


class ProjectInputError(ValueError):
    """Bad project input. Codes: ``no_title``, ``title_too_long`` {max}, ``no_needs``, ``too_many_needs`` {max},
    ``need_too_long`` {need, max}, ``bad_count`` {need, max}, ``too_many_languages`` {max}, ``bad_language``
    {language}, ``bad_date`` {text}, ``date_past`` {date}, ``date_far`` {date}, ``too_long`` {field, max}."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(f"{code}: {params}")
        self.code = code
        self.params = params


@dataclass(frozen=True, slots=True)
class ProjectInput:
    title: str
    description: str
    needs: tuple[tuple[str, int], ...]
    languages: tuple[str, ...]
    commitment: str
    until: date | None


def _flat(text: str | None) -> str:
    return " ".join((text or "").split())


def parse_needs(text: str | None) -> tuple[tuple[str, int], ...]:
    """"developer*2, designer" -> (("developer", 2), ("designer", 1)); the same need twice adds up."""
    out: dict[str, tuple[str, int]] = {}
    for raw in re.split(r"[,;\n]", text or ""):
        item = _flat(raw)
        if not item:
            continue
        m = _COUNT.match(item)
        need, count = item, 1
        if m:
            need = (m.group("need") or m.group("need2") or "").strip()
            count = int(m.group("n1") or m.group("n2") or m.group("n3"))
        if len(need) > MAX_NEED:
            raise ProjectInputError("need_too_long", need=need[:30] + "…", max=MAX_NEED)
        if not 1 <= count <= MAX_COUNT:
            raise ProjectInputError("bad_count", need=need, max=MAX_COUNT)
        key = norm(need)
        shown, before = out.get(key, (need, 0))
        if before + count > MAX_COUNT:
            raise ProjectInputError("bad_count", need=shown, max=MAX_COUNT)
        out[key] = (shown, before + count)
    if not out:
        raise ProjectInputError("no_needs")
    if len(out) > MAX_NEEDS:
        raise ProjectInputError("too_many_needs", max=MAX_NEEDS)
    return tuple(out.values())


def parse_languages(text: str | None) -> tuple[str, ...]:
    """"de, en" -> ("de", "en"); empty: the project speaks the owner's languages."""
    found = [x.strip() for x in re.split(r"[,;/\s]+", text or "") if x.strip()]
    langs = tuple(dict.fromkeys(norm(x) for x in found))
    if len(langs) > MAX_LANGUAGES:
        raise ProjectInputError("too_many_languages", max=MAX_LANGUAGES)
    for lang in langs:
        if len(lang) > MAX_LANGUAGE or not re.fullmatch(r"[\w-]+", lang):
            raise ProjectInputError("bad_language", language=lang[:MAX_LANGUAGE])
    return langs


def parse_date(text: str, today: date) -> date | None:
    """A date written 2027-03-31 or 31.03.2027 anywhere in `text`; None when there is none. It must not have
    passed, nor lie more than three years ahead (a typo such as 2207)."""
    m = _ISO.search(text)
    d = _DOTTED.search(text)
    try:
        if m:
            found = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        elif d:
            found = date(int(d.group(3)), int(d.group(2)), int(d.group(1)))
        else:
            return None
    except ValueError:
        raise ProjectInputError("bad_date", text=(m or d).group(0)) from None  # type: ignore[union-attr]
    if found < today:
        raise ProjectInputError("date_past", date=found.isoformat())
    if (found - today).days > MAX_AHEAD_DAYS:
        raise ProjectInputError("date_far", date=found.isoformat())
    return found


def parse_when(commitment: str | None, until: str | None, today: date) -> tuple[str, date | None]:
    """The time commitment and the end date. The form has one field for both ("3 h a week, until
    2027-03-31"), typed options may give them apart; the date is taken out of the commitment text."""
    text = _flat(commitment)
    end = None
    if until and _flat(until):
        end = parse_date(_flat(until), today)
        if end is None:
            raise ProjectInputError("bad_date", text=_flat(until)[:40])
    found = parse_date(text, today)
    if found is not None:
        end = end or found
        text = _ISO.sub("", _DOTTED.sub("", text))
        text = _UNTIL_WORDS.sub("", text)
        text = _flat(text).strip(" ,;-–—")
    if len(text) > MAX_COMMITMENT:
        raise ProjectInputError("too_long", field="commitment", max=MAX_COMMITMENT)
    return text, end


def parse_project(*, title: str | None, description: str | None, needs: str | None, languages: str | None,
                  commitment: str | None, until: str | None, today: date) -> ProjectInput:
    """Everything a poster gave, checked together: the first problem is raised, nothing half-read is kept."""
    name = _flat(title)
    if not name:
        raise ProjectInputError("no_title")
    if len(name) > MAX_TITLE:
        raise ProjectInputError("title_too_long", max=MAX_TITLE)
    about = (description or "").strip()
    if len(about) > MAX_DESCRIPTION:
        raise ProjectInputError("too_long", field="description", max=MAX_DESCRIPTION)
    wanted = parse_needs(needs)
    langs = parse_languages(languages)
    time, end = parse_when(commitment, until, today)
    return ProjectInput(name, about, wanted, langs, time, end)


# ---------------------------------------------------------------------------------------------- fitting people
def need_part(need: str, m: Member) -> Part | None:
    """Why member `m` fits a need: they have it as their role or offer it as a skill (equal after
    normalising, or the need contained in theirs: "developer" in "backend developer")."""
    key = norm(need)
    if not key:
        return None
    if m.role and (norm(m.role) == key or key in norm(m.role)):
        return ("match_role", {"name": m.name, "role": m.role})
    for skill in m.offers:
        if norm(skill) == key or key in norm(skill):
            return ("match_offers", {"name": m.name, "skill": skill})
    return None


def project_languages(languages: Sequence[str], owner: Member, options: MatchOptions) -> frozenset[str]:
    """The languages the project is run in: those given, else the owner's."""
    given = frozenset(norm(x) for x in languages if norm(x))
    return given or languages_of(owner.languages, options.default_language)


def overlap_with(owner: Member, m: Member, options: MatchOptions) -> int:
    ref = options.reference_date or date.today()
    return overlap_minutes(valid_zone(owner.timezone, options.default_timezone),
                           valid_zone(m.timezone, options.default_timezone), ref, options.waking_start_hour,
                           options.waking_end_hour)


@dataclass(frozen=True, slots=True)
class RolePick:
    need: str
    member: int
    reasons: tuple[Part, ...]


def suggest_for_project(owner: Member, needs: Sequence[tuple[str, int]], languages: Sequence[str],
                        candidates: Iterable[Member], history: History, options: MatchOptions,
                        capped: Collection[int], per_role: int) -> dict[str, list[RolePick]]:
    """At most `per_role` (never more than three) people for each need: they have the role or offer the skill,
    share a language with the project, have three waking hours in common with the owner, and are not the
    owner, blocked with them (`history.blocked`) or in `capped`. Ranked by the engine's fit with the owner
    (`find_people`, so recent partners rank lower); nobody is suggested for two needs of one project."""
    langs = project_languages(languages, owner, options)
    loose = replace(options, language_required=False)
    pool = [m for m in candidates if m.id != owner.id and m.id not in capped]
    taken: set[int] = set()
    out: dict[str, list[RolePick]] = {}
    for need, _count in needs:
        fitting: dict[int, list[Part]] = {}
        for m in pool:
            if m.id in taken:
                continue
            part = need_part(need, m)
            if part is None:
                continue
            shared = sorted(languages_of(m.languages, options.default_language) & langs)
            if not shared or overlap_with(owner, m, options) < MIN_OVERLAP:
                continue
            fitting[m.id] = [part, ("match_language", {"name": m.name, "languages": shared})]
        members = [m for m in pool if m.id in fitting]
        ranked = find_people(owner, members, [], history, loose, (), limit=min(per_role, 3))
        picks = []
        for s in ranked:
            taken.add(s.member)
            fit = [p for p in s.reasons if p[0] != "offers_from_you"]
            picks.append(RolePick(need, s.member, tuple([*fitting[s.member], *fit][:4])))
        out[need] = picks
    return out


def project_fit(needs: Sequence[tuple[str, int]], languages: Sequence[str], owner: Member | None, m: Member,
                options: MatchOptions) -> int:
    """How well a project fits member `m`, for ordering /collab list: a need they fill counts most, then a
    shared language, then waking hours in common with the owner."""
    score = 0
    if any(need_part(need, m) is not None for need, _ in needs):
        score += 4
    mine = languages_of(m.languages, options.default_language)
    langs = frozenset(norm(x) for x in languages if norm(x))
    if owner is not None:
        langs = langs or languages_of(owner.languages, options.default_language)
    if not langs or mine & langs:
        score += 2
    if owner is not None and overlap_with(owner, m, options) >= MIN_OVERLAP:
        score += 1
    return score
