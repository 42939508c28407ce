"""Varied small communities for the pair-quality tests: clusters with long tails, skewed time zones,
language minorities, offers meeting wants, empty profiles, history and blocks. (The benchmark has its own,
larger generator; these tests do not depend on it.)"""

from __future__ import annotations

import random

from cogs.matching.engine import History, Member

SHAPES = ("clusters", "minorities", "skewed_zones", "empty_profiles", "complementary", "many_blocks")
EUROPE = ["Europe/Berlin", "Europe/London", "Europe/Madrid", "Europe/Warsaw"]
AMERICAS = ["America/New_York", "America/Chicago", "America/Los_Angeles", "America/Sao_Paulo"]
ASIA = ["Asia/Tokyo", "Asia/Kolkata", "Asia/Singapore", "Australia/Sydney"]


def _zone(rng: random.Random, shape: str) -> str:
    r = rng.random()
    if shape == "skewed_zones" or r < 0.6:
        return rng.choice(EUROPE if r < 0.6 else AMERICAS if r < 0.9 else ASIA)
    return rng.choice(AMERICAS if r < 0.9 else ASIA)


def community(shape: str, n: int, seed: int) -> tuple[list[Member], History]:
    """`n` members of the given shape (one of SHAPES) with six earlier rounds of history and some blocks."""
    rng = random.Random(f"{shape}-{n}-{seed}")
    clusters = [[f"c{c}t{t}" for t in range(6)] for c in range(max(2, n // 25))]
    tail = [f"rare{k}" for k in range(3 * n)]
    people: list[Member] = []
    for i in range(n):
        cluster = rng.choice(clusters)
        topics = rng.sample(cluster, rng.randint(1, 4)) + rng.sample(tail, rng.randint(0, 2))
        skills = rng.sample(cluster, 3)
        offers = skills[:1] if rng.random() < 0.6 else []
        wants = skills[1:3] if rng.random() < 0.6 else []
        if shape == "complementary":
            offers, wants = (skills[:2], []) if i % 2 else ([], skills[:2])
        langs: tuple[str, ...] = ("en",)
        if shape == "minorities":
            r = rng.random()
            langs = ("pt",) if r < 0.12 else ("ja",) if r < 0.2 else ("en", "de") if r < 0.5 else ("en",)
        elif rng.random() < 0.3:
            langs = ("en", rng.choice(["de", "fr", "es"]))
        empty = rng.random() < (0.35 if shape == "empty_profiles" else 0.07)
        people.append(Member(
            id=i + 1, name=f"P{i + 1}",
            role=None if empty else rng.choice(["developer", "designer", "manager", "researcher"]),
            team=None if empty else f"team {rng.randrange(max(2, n // 15))}",
            topics=() if empty else tuple(dict.fromkeys(topics)),
            offers=() if empty else tuple(offers), wants=() if empty else tuple(w for w in wants if w not in offers),
            timezone=_zone(rng, shape), languages=langs,
            activity=None if empty else round(rng.random(), 2),
        ))
    ids = [m.id for m in people]
    rounds: dict[int, list[tuple[int, ...]]] = {}
    for r in range(4, 10):
        took = [x for x in ids if rng.random() < 0.7]
        rng.shuffle(took)
        rounds[r] = [tuple(took[k:k + 2]) for k in range(0, len(took) - 1, 2)]
    nblocks = n if shape == "many_blocks" else n // 20
    blocked = [tuple(rng.sample(ids, 2)) for _ in range(nblocks)]
    return people, History(current_round=10, rounds=rounds, blocked=blocked)  # type: ignore[arg-type]
