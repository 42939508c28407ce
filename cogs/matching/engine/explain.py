"""Why a group was matched, as structured parts plus an English rendering.

The engine returns `(kind, params)` parts built only from features that actually scored; the cog renders
them through its translation catalogue (pass its gettext as `translate`), so the same parts become an
English or a German sentence. `TEMPLATES` holds the English source texts, one per kind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import combinations
from typing import Any

from .facets import norm
from .model import MatchOptions, Member
from .score import PairFeatures, ScoringContext, features
from .timezones import group_overlap_minutes

Part = tuple[str, dict[str, Any]]
Translate = Callable[[str], str]

TEMPLATES: dict[str, str] = {
    "shared_topics": "you both work on {topics}",
    "shared_topics_all": "you all work on {topics}",
    "shared_topics_named": "{a} and {b} both work on {topics}",
    "offers": "{giver} offers {skills}, which {taker} wants to learn",
    "same_role": "you are both {role}",
    "same_role_named": "{a} and {b} are both {role}",
    "shared_topics_some": "{names} all work on {topics}",
    "same_role_some": "{names} are all {role}",
    "cross_team": "you bring views from {teams}",
    "activity": "{guide} knows the community well and can show {newcomer} around",
    "profile_guide": "{guide} can tell {newcomer} what people here work on",
    "common_language": "you can talk in {languages}",
    "timezone_overlap": "{hours} waking hours overlap",
    "timezone_overlap_one": "1 waking hour overlaps",
    "fresh": "a chance to meet someone new",
    "offers_you": "they offer {skills}, which you want to learn",
    "offers_from_you": "you offer {skills}, which they want to learn",
    "match_role": "{name} is {role}",
    "match_topic": "{name} works on {topic}",
    "match_offers": "{name} offers {skill}",
    "match_wants": "{name} wants to learn {skill}",
    "match_team": "{name} is in {team}",
    "match_language": "{name} speaks {languages}",
    "match_timezone": "{name} lives in {zone}",
    "match_any": "{name} lists {facet}",
    "fresh_named": "a chance for {names} to meet someone new",
}
MAX_PARTS = 4
THIN = 0.25  # fullness at or below which a profile says little yet (`score.fullness`)
FULL = 0.75  # fullness from which a member can tell a newcomer about the community


def _identity(text: str) -> str:
    return text


def join_list(items: Sequence[str], translate: Translate = _identity) -> str:
    """"a", "a and b", "a, b and c" (the word "and" goes through the catalogue)."""
    items = [str(x) for x in items]
    if len(items) <= 1:
        return items[0] if items else ""
    return ", ".join(items[:-1]) + " " + translate("and") + " " + items[-1]


def _language_name(code: str, locale: str) -> str:
    try:
        from babel import Locale

        return Locale.parse(locale).languages.get(code, code)
    except Exception:  # babel missing or unknown locale: the code is still readable
        return code


def render_part(part: Part, translate: Translate = _identity, locale: str = "en") -> str:
    """One part as text; list parameters are joined, language codes named in `locale`."""
    kind, params = part
    values: dict[str, Any] = {}
    for key, value in params.items():
        if key == "languages":
            value = [_language_name(c, locale) for c in value]
        values[key] = join_list(value, translate) if isinstance(value, list | tuple) else value
    return translate(TEMPLATES[kind]).format(**values)


def render(parts: Sequence[Part], translate: Translate = _identity, locale: str = "en") -> str:
    """The parts as one sentence: "You both work on Rust; Ana offers Kubernetes, which Ben wants to learn."

    The first letter is capitalised only when it is the template's own word: a sentence that starts with a
    name shows the name exactly as the member spells it ("ana offers ...", not "Ana offers ...")."""
    text = "; ".join(render_part(p, translate, locale) for p in parts)
    if not text:
        return ""
    if translate(TEMPLATES[parts[0][0]]).startswith("{"):
        return text + "."
    return text[:1].upper() + text[1:] + "."


def _pair_parts(a: Member, b: Member, f: PairFeatures, options: MatchOptions, named: bool) -> list[Part]:
    parts: list[Part] = []
    if f.shared_topics and options.weights.topic > 0:
        topics = list(f.shared_topics[: options.weights.topic_cap])
        if named:
            parts.append(("shared_topics_named", {"a": a.name, "b": b.name, "topics": topics}))
        else:
            parts.append(("shared_topics", {"topics": topics}))
    if options.weights.complement > 0:
        cap = options.weights.complement_cap
        if f.a_gives_b:
            parts.append(("offers", {"giver": a.name, "taker": b.name, "skills": list(f.a_gives_b[:cap])}))
        if f.b_gives_a:
            parts.append(("offers", {"giver": b.name, "taker": a.name, "skills": list(f.b_gives_a[:cap])}))
    if f.same_role and options.weights.role > 0:
        if named:
            parts.append(("same_role_named", {"a": a.name, "b": b.name, "role": f.same_role}))
        else:
            parts.append(("same_role", {"role": f.same_role}))
    if options.prefer_cross_team and f.teams and options.weights.cross_team > 0:
        parts.append(("cross_team", {"teams": [f.teams[0], f.teams[1]]}))
    if options.use_activity and options.weights.activity > 0 and f.activity_gap >= 0.5:
        guide, newcomer = (a, b) if (a.activity or 0) > (b.activity or 0) else (b, a)
        parts.append(("activity", {"guide": guide.name, "newcomer": newcomer.name}))
    elif options.weights.newcomer > 0:
        # The same guide and newcomer are named once: "knows the community well" already says it.
        fa, fb = f.fullness
        if fa <= THIN and fb >= FULL:
            parts.append(("profile_guide", {"guide": b.name, "newcomer": a.name}))
        elif fb <= THIN and fa >= FULL:
            parts.append(("profile_guide", {"guide": a.name, "newcomer": b.name}))
    return parts


def _merged(parts: Sequence[Part], group: Sequence[Member]) -> list[Part]:
    """The pair parts of a group of three or four said once each: who shares a topic or a role is named
    together ("Ana, Ben and Dara all work on Rust"), the teams are listed in one part, and the most active
    member is the one guide for every quiet member, and a skill someone offers is named once. Pair by pair, a
    group of four would hear "Rust" three times and "you bring views from" six."""
    order = {m.name: i for i, m in enumerate(group)}

    def names(people: set[str]) -> list[str]:
        return sorted(people, key=lambda n: order.get(n, len(order)))

    topic_people: dict[str, set[str]] = {}
    role_people: dict[str, set[str]] = {}
    teams: list[str] = []
    guides: dict[str, dict[str, list[str]]] = {"activity": {}, "profile_guide": {}}
    offered: dict[str, set[str]] = {}  # giver -> skills already named
    out: list[Part] = []
    slots: dict[str, int] = {}  # kind -> where its merged part goes (the place of its first pair part)
    for kind, params in parts:
        if kind == "shared_topics_named":
            for t in params["topics"]:
                topic_people.setdefault(t, set()).update((params["a"], params["b"]))
        elif kind == "same_role_named":
            role_people.setdefault(params["role"], set()).update((params["a"], params["b"]))
        elif kind == "cross_team":
            teams.extend(t for t in params["teams"] if t not in teams)
        elif kind in guides:
            quiet = guides[kind].setdefault(params["guide"], [])
            if params["newcomer"] not in quiet:
                quiet.append(params["newcomer"])
        elif kind == "offers":
            # A skill one member offers is named once, for the first who wants it: "Kofi offers Python, which
            # Gus wants to learn" says it; the same sentence again for Dara would only repeat it.
            said = offered.setdefault(params["giver"], set())
            skills = [x for x in params["skills"] if norm(x) not in said]
            if skills:
                said.update(norm(x) for x in skills)
                out.append((kind, {**params, "skills": skills}))
            continue
        else:
            out.append((kind, params))
            continue
        if kind not in slots:
            slots[kind] = len(out)
            out.append((kind, {}))  # a placeholder, replaced by the merged parts below
    merged: dict[str, list[Part]] = {}
    by_people: dict[tuple[str, ...], list[str]] = {}
    for topic, people in topic_people.items():
        by_people.setdefault(tuple(names(people)), []).append(topic)
    merged["shared_topics_named"] = [
        ("shared_topics_named", {"a": who[0], "b": who[1], "topics": topics}) if len(who) == 2
        else ("shared_topics_some", {"names": list(who), "topics": topics})
        for who, topics in sorted(by_people.items(), key=lambda kv: (-len(kv[0]), -len(kv[1])))]
    merged["same_role_named"] = [
        ("same_role_named", {"a": who[0], "b": who[1], "role": role}) if len(who) == 2
        else ("same_role_some", {"names": who, "role": role})
        for role, who in ((r, names(p)) for r, p in role_people.items())]
    merged["cross_team"] = [("cross_team", {"teams": teams})] if len(teams) >= 2 else []
    for kind, by_guide in guides.items():
        if by_guide:
            guide = max(by_guide, key=lambda g: (len(by_guide[g]), -order.get(g, 0)))
            merged[kind] = [(kind, {"guide": guide, "newcomer": by_guide[guide]})]
    result: list[Part] = []
    for i, part in enumerate(out):
        slot = next((k for k, at in slots.items() if at == i), None)
        result.extend(merged.get(slot, []) if slot is not None else [part])
    return result


_NAME_KEYS = ("a", "b", "giver", "taker", "guide", "name")
_NAMES_KEYS = ("names", "newcomer")


def named_in(part: Part) -> set[str]:
    """The member names a part mentions."""
    params = part[1]
    found = {str(params[k]) for k in _NAME_KEYS if k in params}
    for key in _NAMES_KEYS:
        value = params.get(key)
        if isinstance(value, list | tuple):
            found.update(str(x) for x in value)
        elif value is not None:
            found.add(str(value))
    return found


def _own_part(m: Member) -> Part | None:
    """What a member brings, from their own profile, for a group whose shared features leave them unnamed."""
    if m.topics:
        return ("match_topic", {"name": m.name, "topic": m.topics[0]})
    if m.role:
        return ("match_role", {"name": m.name, "role": m.role})
    if m.offers:
        return ("match_offers", {"name": m.name, "skill": m.offers[0]})
    if m.wants:
        return ("match_wants", {"name": m.name, "skill": m.wants[0]})
    if m.team:
        return ("match_team", {"name": m.name, "team": m.team})
    return None


def _covering(parts: Sequence[Part], group: Sequence[Member]) -> list[Part]:
    """The parts of a group of three or more that name every member, strongest first.

    In a group, "you both" has no addressee: each member reads the reason for who *they* are there, so
    everyone must appear in it. Parts that name someone not named yet are taken first (in their order of
    strength), a member the shared features leave out is named with what they bring themselves (or, with an
    empty profile, as someone who gets to meet new people), and the rest fill up to `MAX_PARTS - 1`."""
    covered: set[str] = set()
    chosen: list[int] = []
    for i, part in enumerate(parts):
        names = named_in(part)
        if names - covered:
            chosen.append(i)
            covered |= names
    own: list[Part] = []
    bare: list[str] = []
    for m in group:
        if m.name in covered:
            continue
        covered.add(m.name)
        brings = _own_part(m)
        if brings is None:
            bare.append(m.name)
        else:
            own.append(brings)
    if bare:
        own.append(("fresh_named", {"names": bare}))
    budget = max(MAX_PARTS - 1, len(chosen) + len(own))
    for i in range(len(parts)):
        if len(chosen) + len(own) >= budget:
            break
        if i not in chosen:
            chosen.append(i)
    return [parts[i] for i in sorted(chosen)] + own


def explain_pair(a: Member, b: Member, f: PairFeatures, options: MatchOptions) -> list[Part]:
    """The parts for the pair (a, b) with features `f`: at most `MAX_PARTS`, time overlap last."""
    parts = _pair_parts(a, b, f, options, named=False)
    langs = f.common_languages
    if options.language_required and langs and norm(options.default_language) not in langs:
        parts.append(("common_language", {"languages": sorted(set(langs))}))
    if len(parts) >= MAX_PARTS:
        parts = parts[: MAX_PARTS - 1]
    hours = f.overlap_minutes // 60
    if hours >= 1 and options.weights.timezone > 0:
        parts.append(("timezone_overlap_one", {}) if hours == 1 else ("timezone_overlap", {"hours": hours}))
    return parts or [("fresh", {})]


def explain_group(group: Sequence[Member], ctx: ScoringContext) -> list[Part]:
    """The parts for a pair or group, strongest features first, time overlap last: at most `MAX_PARTS` for a
    pair; for a group of three or more as many as it takes to name every member (see `_covering`)."""
    options = ctx.options
    if len(group) == 2:
        a, b = group
        return explain_pair(a, b, features(a, b, ctx, history=False), options)
    pairs = list(combinations(group, 2))
    feats = {(a.id, b.id): features(a, b, ctx, history=False) for a, b in pairs}
    parts: list[Part] = []
    common = [t for t in group[0].topics if all(norm(t) in {norm(x) for x in m.topics} for m in group[1:])]
    if common and options.weights.topic > 0:  # "Ana, Ben and Dara all work on Rust": everyone named
        parts.append(("shared_topics_some", {"names": [m.name for m in group],
                                             "topics": common[: options.weights.topic_cap]}))
    named: list[Part] = []
    for a, b in pairs:
        for p in _pair_parts(a, b, feats[(a.id, b.id)], options, named=True):
            if p[0] == "shared_topics_named" and common:
                continue
            named.append(p)
    parts.extend(_merged(named, group))
    langs = set.intersection(*(set(f.common_languages) for f in feats.values())) if feats else set()
    if options.language_required and langs and norm(options.default_language) not in langs:
        parts.append(("common_language", {"languages": sorted(langs)}))
    if len(group) > 2:
        parts = _covering(parts, group)
    elif len(parts) >= MAX_PARTS:
        parts = parts[: MAX_PARTS - 1]
    # everyone at once, as the suggested meeting times need it
    hours = group_overlap_minutes([ctx.zone(m) for m in group], ctx.ref, options.waking_start_hour,
                                  options.waking_end_hour) // 60 if feats else 0
    if hours >= 1 and options.weights.timezone > 0:
        parts.append(("timezone_overlap_one", {}) if hours == 1 else ("timezone_overlap", {"hours": hours}))
    return parts or [("fresh", {})]
