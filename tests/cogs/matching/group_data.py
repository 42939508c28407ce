"""Varied small communities for the group tests: interest clusters with long tails, skewed time zones, language
minorities who speak only their own language, thin or empty profiles, blocks and earlier rounds of groups."""

from __future__ import annotations

import random
from datetime import date

from cogs.matching.engine import History, MatchOptions, Member

CLUSTERS = [["python", "django", "data", "ml"], ["rust", "embedded", "iot", "c++"], ["design", "ux", "research"],
            ["kubernetes", "sre", "cloud", "terraform"], ["product", "agile", "leadership"]]
TAIL = ["haskell", "elixir", "gamedev", "climate", "fintech", "robotics", "opc ua", "wasm", "security", "nlp"]
ZONES = [("Europe/Berlin", 40), ("Europe/London", 20), ("America/New_York", 20), ("America/Los_Angeles", 10),
         ("Asia/Tokyo", 7), ("Asia/Kolkata", 3)]


def community(n: int, seed: int, *, minority: float = 0.15, empty: float = 0.07) -> list[Member]:
    """`n` members: each in one interest cluster (plus a long-tail topic now and then), a share `minority`
    speaking only one of a few minority languages (some bilingual), a share `empty` with no profile at all."""
    rng = random.Random(seed)
    minority_langs = rng.sample(["de", "fr", "es", "pt", "ja"], rng.randint(1, 3))
    out = []
    for i in range(n):
        if rng.random() < empty:
            out.append(Member(i + 1, f"M{i + 1}"))
            continue
        cluster = rng.choice(CLUSTERS[: rng.randint(2, len(CLUSTERS))])
        topics = rng.sample(cluster, rng.randint(1, min(3, len(cluster))))
        if rng.random() < 0.3:
            topics.append(rng.choice(TAIL))
        r = rng.random()
        if r < minority:
            langs: tuple[str, ...] = (rng.choice(minority_langs),)
        elif r < minority * 2:
            langs = ("en", rng.choice(minority_langs))
        else:
            langs = ("en",)
        out.append(Member(
            id=i + 1, name=f"M{i + 1}",
            role=rng.choice(["developer", "developer", "designer", "manager", None]),
            team=f"team {rng.randrange(5)}" if rng.random() < 0.8 else None,
            topics=tuple(topics),
            offers=tuple(rng.sample(cluster, 1)) if rng.random() < 0.4 else (),
            wants=tuple(rng.sample(cluster, 1)) if rng.random() < 0.4 else (),
            timezone=rng.choices([z for z, _ in ZONES], [w for _, w in ZONES])[0],
            languages=langs,
            activity=rng.random() if rng.random() < 0.7 else None,
        ))
    return out


def group_history(ids: list[int], rounds: int, k: int, seed: int, blocks: int, current: int = 20) -> History:
    """`rounds` earlier rounds of random groups of `k` (most recent last) and `blocks` random blocks."""
    rng = random.Random(seed)
    past: dict[int, list[tuple[int, ...]]] = {}
    for r in range(current - rounds, current):
        shuffled = ids[:]
        rng.shuffle(shuffled)
        past[r] = [tuple(shuffled[j : j + k]) for j in range(0, len(shuffled) - 1, k)]
    blocked = [tuple(rng.sample(ids, 2)) for _ in range(blocks) if len(ids) >= 2]
    return History(current_round=current, rounds=past, blocked=blocked)  # type: ignore[arg-type]


def instance(seed: int, n_range: tuple[int, int] = (5, 24)) -> tuple[list[Member], History, MatchOptions, set[int]]:
    """One varied round (members, history, options with group size 3 or 4, priority ids) for a seed."""
    rng = random.Random(seed)
    n = rng.randint(*n_range)
    k = rng.choice([3, 4])
    people = community(n, seed, minority=rng.choice([0.0, 0.1, 0.25]), empty=rng.choice([0.0, 0.07, 0.2]))
    ids = [m.id for m in people]
    history = group_history(ids, rng.randint(0, 6), k, seed, rng.randint(0, n // 3))
    priority = set(rng.sample(ids, rng.randint(0, max(1, n // 5))))
    opts = MatchOptions(reference_date=date(2026, 3, 11), group_size=k, exclude_rounds=rng.randint(0, 3),
                        seed=seed)
    return people, history, opts, priority
