"""On-demand "find someone": simple facet wishes in, at most three ranked suggestions with reasons out.

People faced with a long list pick a famous name, not the right person, so the answer is short on purpose;
and popular members stop being suggested once they hold as many open requests as the community allows
(the cog passes those ids in `capped`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from .explain import Part
from .facets import languages_of, norm
from .model import History, MatchOptions, Member
from .score import PairFeatures, ScoringContext, features, score
from .timezones import utc_offset_minutes, valid_zone

KEYS = ("role", "topic", "offers", "wants", "language", "timezone", "team")
ALIASES = {
    "topics": "topic", "interest": "topic", "offer": "offers", "want": "wants", "learn": "wants",
    "lang": "language", "languages": "language", "tz": "timezone", "zone": "timezone",
    "org": "team", "organisation": "team", "organization": "team", "any": "any",
}
MAX_FILTERS = 8
MAX_VALUE = 100
LIMIT = 3
_COVERABLE = {"match_topic": "topic", "match_offers": "skill", "match_any": "facet"}  # part -> facet value
_KEY = re.compile(r"(?:(?<=\s)|^)([A-Za-z_]+):")


class FilterError(ValueError):
    """Bad filter text. `code` and `params` let the cog show a translated message:
    ``unknown_key`` {key}, ``empty_value`` {key}, ``too_long`` {key, max}, ``too_many`` {max},
    ``no_filters`` {}."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(f"{code}: {params}")
        self.code = code
        self.params = params


@dataclass(frozen=True, slots=True)
class Filter:
    key: str  # one of KEYS, or "any" for bare words
    values: tuple[str, ...]  # alternatives ("topic:rust,go" -> rust or go)


@dataclass(frozen=True)
class Suggestion:
    member: int
    score: float
    reasons: tuple[Part, ...]


def parse_filters(text: str) -> list[Filter]:
    """"role:production topic:smart factories" -> [role=production, topic=smart factories].

    Values run to the next `key:`; commas separate alternatives; words before the first key match any facet.
    """
    text = (text or "").strip()
    marks = list(_KEY.finditer(text))
    chunks: list[tuple[str, str]] = []
    head = text[: marks[0].start()] if marks else text
    if head.strip():
        chunks.append(("any", head))
    for k, mark in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        chunks.append((mark.group(1), text[mark.end() : end]))
    if not chunks:
        raise FilterError("no_filters")
    if len(chunks) > MAX_FILTERS:
        raise FilterError("too_many", max=MAX_FILTERS)
    out: list[Filter] = []
    for raw_key, raw_value in chunks:
        key = ALIASES.get(raw_key.casefold(), raw_key.casefold())
        if key not in KEYS and key != "any":
            raise FilterError("unknown_key", key=raw_key)
        values = tuple(v for v in (" ".join(x.split()) for x in raw_value.split(",")) if v)
        if not values:
            raise FilterError("empty_value", key=raw_key)
        if any(len(v) > MAX_VALUE for v in values):
            raise FilterError("too_long", key=raw_key, max=MAX_VALUE)
        out.append(Filter(key, values))
    return out


def _language_aliases(value: str) -> set[str]:
    """A language filter accepts a code ("de") or a name in English or German ("German", "Deutsch")."""
    v = norm(value)
    out = {v}
    try:
        from babel import Locale

        for loc in ("en", "de"):
            for code, name in Locale.parse(loc).languages.items():
                if norm(name) == v:
                    out.add(norm(code))
    except Exception:  # babel data unavailable: codes still work
        pass
    return out


def _offset_of(value: str) -> int | None:
    """"UTC+2", "+02:00", "-5" -> minutes; None when the value is not an offset."""
    m = re.fullmatch(r"(?:utc|gmt)?\s*([+-])(\d{1,2})(?::?(\d{2}))?", norm(value))
    if not m:
        return None
    minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
    return minutes if m.group(1) == "+" else -minutes


def _text_hit(value: str, facets: Sequence[str]) -> str | None:
    """The facet a wish matches: equal, or the wish contained in the facet ("factor" in "smart factories")."""
    v = norm(value)
    for f in facets:
        if norm(f) == v:
            return f
    for f in facets:
        if v and v in norm(f):
            return f
    return None


def _match(flt: Filter, m: Member, options: MatchOptions, ctx: ScoringContext) -> Part | None:
    """The reason part when member `m` satisfies filter `flt` (any alternative), else None."""
    for value in flt.values:
        if flt.key == "role":
            if m.role and _text_hit(value, [m.role]):
                return ("match_role", {"name": m.name, "role": m.role})
        elif flt.key == "topic":
            if hit := _text_hit(value, m.topics):
                return ("match_topic", {"name": m.name, "topic": hit})
        elif flt.key == "offers":
            if hit := _text_hit(value, m.offers):
                return ("match_offers", {"name": m.name, "skill": hit})
        elif flt.key == "wants":
            if hit := _text_hit(value, m.wants):
                return ("match_wants", {"name": m.name, "skill": hit})
        elif flt.key == "team":
            if m.team and _text_hit(value, [m.team]):
                return ("match_team", {"name": m.name, "team": m.team})
        elif flt.key == "language":
            langs = languages_of(m.languages, options.default_language)
            shared = sorted(langs & _language_aliases(value))
            if shared:
                return ("match_language", {"name": m.name, "languages": shared})
        elif flt.key == "timezone":
            zone = valid_zone(m.timezone, options.default_timezone)
            offset = _offset_of(value)
            if offset is not None:
                if utc_offset_minutes(zone, ctx.ref) == offset:
                    return ("match_timezone", {"name": m.name, "zone": zone})
            elif norm(value) == norm(zone) or norm(value) in {norm(p.replace("_", " ")) for p in zone.split("/")}:
                return ("match_timezone", {"name": m.name, "zone": zone})
        elif flt.key == "any":
            facets = [*m.topics, *m.offers, *m.wants, *([m.role] if m.role else []), *([m.team] if m.team else [])]
            if hit := _text_hit(value, facets):
                return ("match_any", {"name": m.name, "facet": hit})
    return None


def find_people(
    requester: Member,
    candidates: Sequence[Member],
    filters: Sequence[Filter],
    history: History | None = None,
    options: MatchOptions | None = None,
    capped: Collection[int] = (),
    limit: int = LIMIT,
) -> list[Suggestion]:
    """At most `limit` (never more than three) members matching every filter, best fit first.

    `candidates` are the members who take part now (the caller leaves out whoever paused, left or is gone).
    Never suggests the requester, anyone blocked with them (either direction), anyone in `capped`, or
    someone they share no language with when the community requires one. Recent partners may be found
    (asking for someone is a deliberate choice) but rank lower through the history penalty of `score`,
    which here applies from the very last round on: the no-repeat window of rounds (`exclude_rounds`) is a
    hard rule for rounds, and without this a partner of last week would rank as a stranger.
    """
    history = history or History()
    options = replace(options or MatchOptions(), exclude_rounds=0)
    ctx = ScoringContext(history, options)
    limit = max(0, min(limit, LIMIT))
    capped_set = set(capped)
    scored: list[tuple[float, int, Suggestion]] = []
    for m in candidates:
        if m.id == requester.id or m.id in capped_set or ctx.is_blocked(requester.id, m.id):
            continue
        reasons: list[Part] = []
        for flt in filters:
            part = _match(flt, m, options, ctx)
            if part is None:
                break
            reasons.append(part)
        else:
            f = features(requester, m, ctx)
            if options.language_required and not f.common_languages:
                continue
            s = score(f, options)
            fit = _fit_parts(f)
            reasons = [*_not_covered(reasons, f), *fit]
            scored.append((-s, m.id, Suggestion(m.id, s, tuple(reasons))))
    scored.sort(key=lambda x: (x[0], x[1]))
    return [s for _, _, s in scored[:limit]]


def _not_covered(parts: Sequence[Part], f: PairFeatures) -> list[Part]:
    """Filter reasons the fit reasons say better: "ana works on rust" goes when "you both work on rust"
    follows, "ana offers go" when "they offer go, which you want to learn" does."""
    covered = {norm(t) for t in f.shared_topics[:3]} | {norm(x) for x in f.b_gives_a[:2]}  # as `_fit_parts` shows
    return [p for p in parts if not (p[0] in _COVERABLE and norm(str(p[1][_COVERABLE[p[0]]])) in covered)]


def _fit_parts(f: PairFeatures) -> list[Part]:
    """Reasons addressed to the requester ("you both ...", "... which you want to learn")."""
    parts: list[Part] = []
    if f.shared_topics:
        parts.append(("shared_topics", {"topics": list(f.shared_topics[:3])}))
    if f.b_gives_a:
        parts.append(("offers_you", {"skills": list(f.b_gives_a[:2])}))
    if f.a_gives_b:
        parts.append(("offers_from_you", {"skills": list(f.a_gives_b[:2])}))
    hours = f.overlap_minutes // 60
    if hours >= 1:
        parts.append(("timezone_overlap_one", {}) if hours == 1 else ("timezone_overlap", {"hours": hours}))
    return parts

