"""Small synthetic communities for the engine tests (the benchmark has its own, larger generator)."""

from __future__ import annotations

import random
from datetime import date

from cogs.matching.engine import History, MatchOptions, Member

TOPICS = ["python", "rust", "go", "kubernetes", "design", "ml", "iot", "security", "data", "cloud", "ux", "sre"]
ZONES = ["Europe/Berlin", "Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "UTC"]
ROLES = ["developer", "designer", "manager", "student", None]


def members(n: int, seed: int = 0, languages: list[tuple[str, ...]] | None = None) -> list[Member]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        out.append(
            Member(
                id=i + 1,
                name=f"M{i + 1}",
                role=rng.choice(ROLES),
                team=f"team {rng.randrange(4)}",
                topics=tuple(rng.sample(TOPICS, rng.randint(0, 4))),
                offers=tuple(rng.sample(TOPICS, rng.randint(0, 2))),
                wants=tuple(rng.sample(TOPICS, rng.randint(0, 2))),
                timezone=rng.choice(ZONES),
                languages=rng.choice(languages) if languages else rng.choice([("en",), ("en", "de"), ("en", "fr")]),
                activity=rng.random() if rng.random() < 0.8 else None,
            )
        )
    return out


def random_history(ids: list[int], rounds: int, seed: int = 0, current: int = 10, blocks: int = 0) -> History:
    """`rounds` earlier rounds of random pairs (the most recent first), plus `blocks` random blocks."""
    rng = random.Random(seed)
    past: dict[int, list[tuple[int, ...]]] = {}
    for r in range(current - rounds, current):
        shuffled = ids[:]
        rng.shuffle(shuffled)
        past[r] = [tuple(shuffled[k : k + 2]) for k in range(0, len(shuffled) - 1, 2)]
    blocked = []
    for _ in range(blocks):
        a, b = rng.sample(ids, 2)
        blocked.append((a, b))
    return History(current_round=current, rounds=past, blocked=blocked)


def options(**kw: object) -> MatchOptions:
    base: dict[str, object] = {"reference_date": date(2025, 3, 12), "exclude_rounds": 3}
    base.update(kw)
    return MatchOptions(**base)  # type: ignore[arg-type]
