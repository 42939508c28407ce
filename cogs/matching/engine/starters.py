"""Two conversation starters per group, drawn from the group's facets.

A blank intro ("say hi!") rarely turns into a meeting; a concrete first question does. Starters prefer
what the group shares, then what one can teach another, then roles and places, and fall back to general
questions. The choice is deterministic per group so a retried intro says the same thing.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from itertools import combinations

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


def render_starter(part: Part, translate: Translate = _identity) -> str:
    kind, params = part
    return translate(TEMPLATES[kind]).format(**params)
