"""Synthetic members for `--demo N`: varied facets, time zones and languages, reproducible from a seed."""

from __future__ import annotations

import random
from dataclasses import dataclass

FIRST = ["Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivo", "Jule", "Kofi", "Lena", "Mateo",
         "Nia", "Omar", "Pia", "Quinn", "Rosa", "Sven", "Tara", "Uli", "Vera", "Wen", "Xavi", "Yara", "Zoe"]
ROLES = ["developer", "production", "data scientist", "designer", "product manager", "community manager",
         "devops", "researcher", "student", "sales engineer"]
TEAMS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Soylent"]
TOPICS = ["python", "rust", "kubernetes", "smart factories", "machine learning", "open source", "security",
          "ux research", "data engineering", "iot", "robotics", "go", "typescript", "devrel", "observability",
          "postgres", "climate tech", "accessibility", "product strategy", "embedded"]
TIMEZONES = ["Europe/Berlin", "Europe/Vienna", "Europe/Zurich", "Europe/London", "Europe/Paris", "Europe/Madrid",
             "America/New_York", "America/Chicago", "America/Los_Angeles", "America/Sao_Paulo", "Asia/Kolkata",
             "Asia/Tokyo", "Asia/Singapore", "Australia/Sydney", "Africa/Lagos"]
LANGS = [["en"], ["en", "de"], ["de"], ["en", "fr"], ["en", "es"], ["en", "de", "fr"], ["en"], ["en", "de"]]


@dataclass(frozen=True, slots=True)
class DemoMember:
    user_id: str
    name: str
    facets: dict[str, list[str]]


def _pick(rng: random.Random, items: list[str], k: int) -> list[str]:
    # popular items first: a zipf-like preference without numpy
    weights = [1 / (i + 1) for i in range(len(items))]
    chosen: list[str] = []
    while len(chosen) < k:
        item = rng.choices(items, weights)[0]
        if item not in chosen:
            chosen.append(item)
    return chosen


def _wants(drawn: list[str], topics: list[str], offers: list[str]) -> list[str]:
    """Nobody wants to learn what they offer. Fixed without drawing again, so that every later draw (and with
    it every demo community of a seed) stays as it was."""
    return [t for t in drawn if t not in offers] or [next(t for t in TOPICS if t not in offers and t not in topics)]


def demo_members(n: int, seed: int = 1) -> list[DemoMember]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        name = f"{FIRST[i % len(FIRST)].lower()}{'' if i < len(FIRST) else i // len(FIRST)}"
        topics = _pick(rng, TOPICS, rng.randint(1, 3))
        facets = {
            "role": [rng.choice(ROLES)],
            "team": [rng.choice(TEAMS)],
            "topics": topics,
            "offers": (offers := _pick(rng, TOPICS, rng.randint(1, 2))),
            "wants": _wants([t for t in _pick(rng, TOPICS, rng.randint(1, 2)) if t not in topics]
                            or [rng.choice(TOPICS)], topics, offers),
            "timezone": [rng.choice(TIMEZONES)],
            "languages": list(rng.choice(LANGS)),
        }
        out.append(DemoMember(f"demo-{i + 1}", name, facets))
    return out
