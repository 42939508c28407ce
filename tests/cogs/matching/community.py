"""A realistic generated community for multi-round tests: clustered interests with long tails, time zones
skewed 60/30/10 over Europe, the Americas and Asia, language minorities, skills some offer and others want,
about 7% empty profiles, some nearly empty ones, and a few blocks."""

from __future__ import annotations

import random
from dataclasses import dataclass

from cogs.matching.engine import Member

EUROPE = ["Europe/Berlin", "Europe/London", "Europe/Paris", "Europe/Warsaw", "Europe/Lisbon"]
AMERICAS = ["America/New_York", "America/Chicago", "America/Los_Angeles", "America/Sao_Paulo"]
ASIA = ["Asia/Tokyo", "Asia/Kolkata", "Asia/Singapore"]
ROLES = ["developer", "designer", "manager", "student", "researcher", None]


@dataclass(frozen=True)
class Community:
    members: list[Member]
    blocks: list[tuple[int, int]]
    thin: frozenset[int]  # members with at most one topic, offer or want
    empty: frozenset[int]  # members with none


def _zipf(rng: random.Random, items: list[str], k: int, s: float = 1.2) -> list[str]:
    """k distinct items, popular ones (early in the list) far more often: interests have long tails."""
    weights = [1 / (r + 1) ** s for r in range(len(items))]
    out: list[str] = []
    while len(out) < min(k, len(items)):
        x = rng.choices(items, weights)[0]
        if x not in out:
            out.append(x)
    return out


def community(
    n: int, seed: int = 0, *, empty_share: float = 0.07, thin_share: float = 0.05, clusters: int = 8,
    block_share: float = 0.1,
) -> Community:
    rng = random.Random(seed)
    vocab = [[f"c{c}-topic{t}" for t in range(rng.randint(5, 12))] for c in range(clusters)]
    tail = [f"rare{t}" for t in range(n)]  # each rare topic is shared by very few people
    cluster_weights = [1 / (c + 1) for c in range(clusters)]
    members: list[Member] = []
    thin: set[int] = set()
    empty: set[int] = set()
    for i in range(1, n + 1):
        c = rng.choices(range(clusters), cluster_weights)[0]
        region = rng.random()
        zone = rng.choice(EUROPE if region < 0.6 else AMERICAS if region < 0.9 else ASIA)
        lang_roll = rng.random()
        if lang_roll < 0.04:
            languages: tuple[str, ...] = ("pt",) if zone in AMERICAS else ("pt", "en")
        elif lang_roll < 0.07:
            languages = ("ja",) if zone in ASIA else ("ja", "en")
        elif lang_roll < 0.2:
            languages = ("de", "en")
        elif lang_roll < 0.27:
            languages = ("es", "en")
        else:
            languages = ("en",)
        kind = rng.random()
        if kind < empty_share:
            topics: tuple[str, ...] = ()
            offers: tuple[str, ...] = ()
            wants: tuple[str, ...] = ()
            empty.add(i)
            thin.add(i)
        elif kind < empty_share + thin_share:
            topics, offers, wants = (tuple(_zipf(rng, vocab[c], 1)), (), ())
            thin.add(i)
        else:
            topics_l = _zipf(rng, vocab[c], rng.randint(1, 5))
            if rng.random() < 0.3:
                topics_l += _zipf(rng, vocab[rng.randrange(clusters)], 1)
            if rng.random() < 0.4:
                topics_l.append(rng.choice(tail))
            topics = tuple(dict.fromkeys(topics_l))
            senior = rng.random() < 0.35
            skills = vocab[c] + vocab[(c + 1) % clusters]
            offers = tuple(_zipf(rng, skills, rng.randint(1, 3))) if senior else ()
            wants = tuple(_zipf(rng, skills, rng.randint(0, 2))) if not senior or rng.random() < 0.2 else ()
        members.append(
            Member(
                id=i,
                name=f"M{i}",
                role=rng.choice(ROLES) if i not in empty else None,
                team=f"team {rng.randrange(6)}",
                topics=topics,
                offers=offers,
                wants=wants,
                timezone=zone,
                languages=languages,
                activity=rng.random() if rng.random() < 0.85 else None,
            )
        )
    blocks = [tuple(rng.sample(range(1, n + 1), 2)) for _ in range(int(n * block_share))]
    return Community(members, [(a, b) for a, b in blocks], frozenset(thin), frozenset(empty))
