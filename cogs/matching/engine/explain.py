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

Part = tuple[str, dict[str, Any]]
Translate = Callable[[str], str]

TEMPLATES: dict[str, str] = {
    "shared_topics": "you both work on {topics}",
    "shared_topics_all": "you all work on {topics}",
    "shared_topics_named": "{a} and {b} both work on {topics}",
    "offers": "{giver} offers {skills}, which {taker} wants to learn",
    "same_role": "you are both {role}",
    "same_role_named": "{a} and {b} are both {role}",
    "cross_team": "you bring views from {team_a} and {team_b}",
    "activity": "{guide} knows the community well and can show {newcomer} around",
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
}
MAX_PARTS = 4


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
    """The parts as one sentence: "You both work on Rust; Ana offers Kubernetes, which Ben wants to learn."""
    text = "; ".join(render_part(p, translate, locale) for p in parts)
    return (text[:1].upper() + text[1:] + ".") if text else ""


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
        parts.append(("cross_team", {"team_a": f.teams[0], "team_b": f.teams[1]}))
    if options.use_activity and options.weights.activity > 0 and f.activity_gap >= 0.5:
        guide, newcomer = (a, b) if (a.activity or 0) > (b.activity or 0) else (b, a)
        parts.append(("activity", {"guide": guide.name, "newcomer": newcomer.name}))
    return parts


def explain_group(group: Sequence[Member], ctx: ScoringContext) -> list[Part]:
    """At most `MAX_PARTS` parts for a pair or trio, strongest features first, time overlap last."""
    options = ctx.options
    pairs = list(combinations(group, 2))
    feats = {(a.id, b.id): features(a, b, ctx, history=False) for a, b in pairs}
    parts: list[Part] = []
    if len(group) == 2:
        a, b = group
        parts = _pair_parts(a, b, feats[(a.id, b.id)], options, named=False)
    else:
        common = [t for t in group[0].topics if all(norm(t) in {norm(x) for x in m.topics} for m in group[1:])]
        if common and options.weights.topic > 0:
            parts.append(("shared_topics_all", {"topics": common[: options.weights.topic_cap]}))
        for a, b in pairs:
            for p in _pair_parts(a, b, feats[(a.id, b.id)], options, named=True):
                if p[0] == "shared_topics_named" and common:
                    continue
                parts.append(p)
    langs = set.intersection(*(set(f.common_languages) for f in feats.values())) if feats else set()
    if options.language_required and langs and norm(options.default_language) not in langs:
        parts.append(("common_language", {"languages": sorted(langs)}))
    parts = parts[: MAX_PARTS - 1] if len(parts) >= MAX_PARTS else parts
    hours = min(f.overlap_minutes for f in feats.values()) // 60 if feats else 0
    if hours >= 1 and options.weights.timezone > 0:
        parts.append(("timezone_overlap_one", {}) if hours == 1 else ("timezone_overlap", {"hours": hours}))
    return parts or [("fresh", {})]
