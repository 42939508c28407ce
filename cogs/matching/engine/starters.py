"""Two conversation starters per group, drawn from the group's facets.

A blank intro ("say hi!") rarely turns into a meeting; a concrete first question does. Starters prefer
what the group shares, then what one can teach another, then roles and places, and fall back to general
questions. The choice is deterministic per group so a retried intro says the same thing.
"""

from __future__ import annotations

import random
from collections.abc import Container, Mapping, Sequence
from functools import lru_cache
from itertools import combinations
from typing import NamedTuple

from .explain import Part, Translate, _identity
from .facets import norm
from .model import Member

TEMPLATES: dict[str, str] = {
    "starter_topic": "What got you into {topic}, and what are you exploring in it right now?",
    "starter_offer": "{taker}, what would you like to know about {skill}? {giver} can share what works.",
    "starter_want": "{name}, what made you want to learn {skill}?",
    "starter_role": "What does a typical week look like for you as {role}?",
    "starter_roles": "{a}, what does your work as {role_a} look like, and {b}, how about as {role_b}?",
    "starter_place": "{name}, what's it like working from {place}?",
    "starter_project": "What are you working on this month that you're excited about?",
    "starter_learned": "What's one thing you learned recently that surprised you?",
}


@lru_cache(maxsize=4096)
def _place(zone: str | None) -> str | None:
    if not zone or "/" not in zone:
        return None
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def conversation_starters(group: Sequence[Member], count: int = 2) -> list[Part]:
    """`count` starters of different kinds for a pair or trio."""
    seed = 0
    for m in sorted(group, key=lambda m: m.id):
        seed = (seed * 1_000_003 + m.id) % (1 << 61)
    rng = random.Random(seed)
    options: list[Part] = []
    topics = {m.id: {norm(x) for x in m.topics} for m in group}
    shared = [t for t in group[0].topics if all(norm(t) in topics[m.id] for m in group[1:])]
    if not shared:
        for a, b in combinations(group, 2):
            shared += [t for t in a.topics if norm(t) in topics[b.id]]
    if shared:
        options.append(("starter_topic", {"topic": rng.choice(shared)}))
    for giver, taker in ((a, b) for x, y in combinations(group, 2) for a, b in ((x, y), (y, x))):
        wanted = {norm(w) for w in taker.wants}
        skills = [s for s in giver.offers if norm(s) in wanted]
        if skills:
            options.append(("starter_offer", {"giver": giver.name, "taker": taker.name, "skill": rng.choice(skills)}))
            break
    wanters = [m for m in group if m.wants]
    if wanters:
        m = rng.choice(wanters)
        options.append(("starter_want", {"name": m.name, "skill": rng.choice(m.wants)}))
    roles = {norm(m.role): m.role for m in group if m.role and norm(m.role)}
    if len(roles) == 1 and all(m.role for m in group):
        options.append(("starter_role", {"role": next(iter(roles.values()))}))
    elif len(group) == 2 and group[0].role and group[1].role and len(roles) == 2:
        a, b = group
        options.append(("starter_roles", {"a": a.name, "role_a": a.role, "b": b.name, "role_b": b.role}))
    places = [(m.name, p) for m in group if (p := _place(m.timezone))]
    if len({p for _, p in places}) > 1:
        name, place = rng.choice(places)
        options.append(("starter_place", {"name": name, "place": place}))
    options.append(("starter_project", {}))
    options.append(("starter_learned", {}))
    picked: list[Part] = []
    seen: set[str] = set()
    for kind, params in options:
        if kind not in seen:
            picked.append((kind, params))
            seen.add(kind)
        if len(picked) == count:
            break
    return picked


class StarterKeys(NamedTuple):
    """A member's normalised topics and wants as `conversation_starters` compares them, made once per round."""

    topics: Container[str]
    wants: Container[str]
    place: str | None


def starter_keys(m: Member, topics: Mapping[str, str], wants: Mapping[str, str]) -> StarterKeys:
    """The keys from the member's `norm_set`s of topics and wants where those hold every value (the usual
    case: no empty and no repeated facet), else afresh."""
    return StarterKeys(
        topics if len(topics) == len(m.topics) else frozenset(norm(x) for x in m.topics),
        wants if len(wants) == len(m.wants) else frozenset(norm(x) for x in m.wants),
        _place(m.timezone),
    )


def pair_starters(a: Member, b: Member, ka: StarterKeys, kb: StarterKeys, rng: random.Random) -> list[Part]:
    """`conversation_starters([a, b])` from prepared keys, for a round's 50,000 pairs: the same candidates in
    the same order with the same random draws (`rng` is re-seeded as there), stopping once two are found (a
    later draw never changes an earlier one)."""
    count = 2
    lo, hi = (a.id, b.id) if a.id <= b.id else (b.id, a.id)
    rng.seed((lo * 1_000_003 + hi) % (1 << 61))
    picked: list[Part] = []
    shared = [t for t in a.topics if norm(t) in kb.topics]
    if shared:
        picked.append(("starter_topic", {"topic": rng.choice(shared)}))
    for giver, taker, wanted in ((a, b, kb.wants), (b, a, ka.wants)):
        skills = [x for x in giver.offers if norm(x) in wanted]
        if skills:
            picked.append(("starter_offer", {"giver": giver.name, "taker": taker.name, "skill": rng.choice(skills)}))
            break
    if len(picked) >= count:
        return picked[:count]
    wanters = [m for m in (a, b) if m.wants]
    if wanters:
        m = rng.choice(wanters)
        picked.append(("starter_want", {"name": m.name, "skill": rng.choice(m.wants)}))
        if len(picked) >= count:
            return picked
    roles = {norm(m.role): m.role for m in (a, b) if m.role and norm(m.role)}
    if len(roles) == 1 and a.role and b.role:
        picked.append(("starter_role", {"role": next(iter(roles.values()))}))
    elif a.role and b.role and len(roles) == 2:
        picked.append(("starter_roles", {"a": a.name, "role_a": a.role, "b": b.name, "role_b": b.role}))
    if len(picked) >= count:
        return picked
    places = [(m.name, p) for m, p in ((a, ka.place), (b, kb.place)) if p]
    if len({p for _, p in places}) > 1:
        name, place = rng.choice(places)
        picked.append(("starter_place", {"name": name, "place": place}))
    picked.append(("starter_project", {}))
    picked.append(("starter_learned", {}))
    return picked[:count]


def render_starter(part: Part, translate: Translate = _identity) -> str:
    kind, params = part
    return translate(TEMPLATES[kind]).format(**params)
