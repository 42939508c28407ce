"""Synthetic members for `--demo N`: varied facets, time zones and languages, and a life in the community (when
they joined, how much they talk, who mentors, greets, goes quiet or leaves), all reproducible from a seed.

Pure: the plan is data; integrations/console/history.py plays it through the running app. The history is drawn
from its own random stream, so the members' facets for a seed stay what they always were.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

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


HISTORY_DAYS = 90
PLANS = ["free", "team", "enterprise"]
COMPANIES = TEAMS


@dataclass(frozen=True, slots=True)
class Life:
    """One demo member's history, in days before now (fractions are times of day)."""

    member: DemoMember
    joined: float  # days ago
    chattiness: float  # expected messages a day while active (a long tail: most say little, a few a lot)
    quiet_from: float | None = None  # days ago they stopped posting (went quiet)
    left: float | None = None  # days ago they left the community
    rounds_from: float | None = None  # days ago they joined the intro rounds
    greeter: bool = False
    mentor_topics: list[str] = field(default_factory=list)
    mentee_topic: str | None = None
    mentee_from: float | None = None  # days ago they asked for a mentor
    crm: dict[str, str] = field(default_factory=dict)
    profile: bool = True  # False: joined and never filled in a profile (nor posted)


def demo_lives(members: list[DemoMember], seed: int = 1, days: int = HISTORY_DAYS) -> list[Life]:
    """A plausible history for `members`: a founding group, then joins spread over `days` (growing towards now),
    chattiness from a heavy-tailed distribution (a third lurk), about one in seven gone quiet and one in
    twenty-five gone, some greeters and mentors among the early members (at least one of each), mentees among
    the newer ones, CRM rows for about a third."""
    rng = random.Random(f"kindred-demo-history-{seed}")
    lives = []
    founders = max(2, len(members) // 5)
    for i, m in enumerate(members):
        joined = days - rng.random() * 2 if i < founders else days * (1 - rng.random() ** 0.8)
        joined = max(joined, 0.3)
        lurker = rng.random() < 0.35  # many read and rarely write: a long tail, a few superusers
        chattiness = min(12.0, rng.lognormvariate(-3.5 if lurker else -1.2, 1.2))
        quiet_from = left = None
        fate = rng.random()
        if fate < 0.14 and joined > 20:
            quiet_from = rng.uniform(8, min(26.0, joined - 5))  # recently inactive: often a regular who stopped
            chattiness = max(chattiness, rng.uniform(0.5, 3.0))
        elif fate < 0.18 and joined > 15:
            left = rng.uniform(3, joined - 7)
        silent = 7 < joined < 30 and left is None and rng.random() < 0.2  # a newcomer at risk: never started
        if silent:
            chattiness = 0.0
        rounds_from = joined - rng.uniform(0.1, 3) if rng.random() < 0.75 and not silent else None
        early = joined > days * 0.6
        greeter = early and left is None and rng.random() < 0.3
        mentor_topics = list(m.facets["offers"]) if early and left is None and rng.random() < 0.25 else []
        mentee = not early and left is None and not mentor_topics and not silent and rng.random() < 0.2
        crm: dict[str, str] = {}
        if rng.random() < 0.35:
            crm = {"email": f"{m.name}@example.org", "console": m.user_id, "plan": rng.choice(PLANS),
                   "company": m.facets["team"][0], "customer": rng.choice(["yes", "no"])}
        lives.append(Life(m, round(joined, 3), chattiness, quiet_from, left,
                          max(rounds_from, 0.05) if rounds_from is not None else None, greeter, mentor_topics,
                          m.facets["wants"][0] if mentee else None,
                          max(joined - rng.uniform(1, 10), 0.1) if mentee else None, crm, not silent))
    staying = [i for i, life in enumerate(lives) if life.left is None]
    if lives and not staying:  # somebody stays, so that there is a community to show
        lives[0], staying = replace(lives[0], left=None), [0]
    if staying and not any(life.greeter for life in lives):  # even a small demo shows a buddy
        lives[staying[0]] = replace(lives[staying[0]], greeter=True)
    if staying and not any(life.mentor_topics for life in lives):
        last = staying[-1]
        lives[last] = replace(lives[last], mentor_topics=list(lives[last].member.facets["offers"]))
    return lives
