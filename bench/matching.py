"""Benchmark of the matching round pipeline; prints one JSON line.

    uv run python bench/matching.py --members N [--group-size K] [--exact] [--seed S]

Generates N members with realistic facets (deterministic for a seed): roles, teams of Zipf-like sizes,
topics and skills from a vocabulary with Zipf-like popularity, time zones across continents, languages with
English dominant, activity levels, six earlier rounds of history, some blocks and a few priority members.
It then runs the real round pipeline (pairing, explanations, conversation starters) and audits every formed
pair against the hard rules with the scalar reference code. `--group-size` 3 or 4 forms intro groups of that
size instead of pairs (every pair inside a group is audited; "sizes" counts the groups by size). "odd_groups"
counts the groups of another size than planned (with pairs: the trio an odd round needs). `--exact`
(N <= 1000, pairs only) also solves the same scores with networkx's max_weight_matching and reports its total
and time. `--shape NAME` draws the community from `bench/community.py` instead (clusters with long tails, skewed
time zones, language minorities, empty profiles, history and blocks; or an adversarial shape).

`--parts` picks what runs (comma-separated; default `main`, the round above), so that each stays quick:
- `compare`: every strategy against networkx exact (up to `--exact-max` members) or an upper bound, on each
  of `--sizes` x `--shapes` (keys `strategies`, `strategy_ratio_min`, `strategy_fewer_placed`);
- `simulate`: `--sim-rounds` weekly rounds of `--sim-members` members (`repeat_share`, `left_out_max`,
  `empty_with_empty_share`);
- `milp`: `--milp-instances` group rounds of 8-24 members against the MILP optimum (`milp_ratio_min`, ...).
Examples:
    uv run python bench/matching.py --members 1000 --shape realistic
    uv run python bench/matching.py --parts compare --sizes 40,120,600,2000 --shapes realistic,chain
    uv run python bench/matching.py --parts simulate --sim-members 300 --sim-rounds 12
    uv run python bench/matching.py --parts milp --milp-instances 104
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.community import SHAPES
from bench.community import generate as community
from bench.matching_quality import compare, milp_compare, simulate
from cogs.matching.engine import (
    History,
    MatchOptions,
    Member,
    ScoringContext,
    exact_round,
    plan_round,
    violation,
)

ROLES = [
    ("developer", 30), ("designer", 6), ("product manager", 7), ("data scientist", 6),
    ("community manager", 3), ("production engineer", 6), ("devops", 6), ("researcher", 5),
    ("student", 8), ("sales", 4), ("support", 5), ("marketing", 4), ("founder", 2), ("architect", 4),
]
BASE_TOPICS = [
    "python", "rust", "kubernetes", "machine learning", "smart factories", "go", "typescript", "react",
    "devops", "security", "data engineering", "postgres", "cloud", "open source", "design systems",
    "accessibility", "community building", "product discovery", "observability", "llms", "iot",
    "embedded", "robotics", "supply chain", "quality assurance", "testing", "sre", "java", "kotlin",
    "swift", "android", "ios", "ux research", "analytics", "mlops", "edge computing", "digital twins",
    "opc ua", "plc programming", "computer vision", "nlp", "graph databases", "terraform", "linux",
    "networking", "blockchain", "fintech", "healthtech", "climate tech", "mentoring", "public speaking",
    "technical writing", "leadership", "hiring", "remote work", "agile", "lean manufacturing",
    "energy", "automotive", "startups", "elixir", "haskell", "c++", "webassembly", "gamedev",
]
ZONES = [
    ("Europe/Berlin", 18), ("Europe/London", 9), ("Europe/Paris", 7), ("Europe/Madrid", 4),
    ("Europe/Amsterdam", 3), ("Europe/Warsaw", 3), ("Europe/Stockholm", 2), ("Europe/Lisbon", 2),
    ("Europe/Athens", 1), ("Europe/Helsinki", 1), ("Europe/Vienna", 3), ("Europe/Zurich", 3),
    ("America/New_York", 8), ("America/Chicago", 4), ("America/Denver", 2), ("America/Los_Angeles", 6),
    ("America/Toronto", 2), ("America/Sao_Paulo", 3), ("America/Mexico_City", 2),
    ("America/Bogota", 1), ("Asia/Kolkata", 4), ("Asia/Singapore", 2), ("Asia/Tokyo", 2),
    ("Asia/Shanghai", 1), ("Asia/Dubai", 1), ("Asia/Jakarta", 1), ("Australia/Sydney", 2),
    ("Pacific/Auckland", 1), ("Africa/Lagos", 1), ("Africa/Nairobi", 1), ("Africa/Johannesburg", 1),
]
LANGS = [("de", 0.22), ("fr", 0.09), ("es", 0.09), ("pt", 0.04), ("it", 0.04), ("nl", 0.03), ("pl", 0.03),
         ("ja", 0.02), ("hi", 0.02), ("sv", 0.01)]
NATIVE = {"Europe/Berlin": "de", "Europe/Vienna": "de", "Europe/Zurich": "de", "Europe/Paris": "fr",
          "Europe/Madrid": "es", "America/Mexico_City": "es", "America/Bogota": "es", "America/Sao_Paulo": "pt",
          "Europe/Lisbon": "pt", "Europe/Warsaw": "pl", "Europe/Amsterdam": "nl", "Asia/Tokyo": "ja"}
NAMES = ["Ana", "Ben", "Chloé", "Deniz", "Emil", "Fatima", "Gustav", "Hana", "Ines", "Jonas", "Kofi", "Lena",
         "Mateo", "Noor", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tara", "Uli", "Vera", "Wei", "Yara"]


def _zipf(rng: np.random.Generator, size: int, count: int, s: float = 1.1) -> np.ndarray:
    p = 1.0 / np.arange(1, size + 1) ** s
    return rng.choice(size, size=count, p=p / p.sum())


def generate(n: int, seed: int) -> tuple[list[Member], History, set[int]]:
    """N members, their history (six earlier rounds, blocks) and the priority set, all from `seed`."""
    rng = np.random.default_rng(seed)
    vocab = BASE_TOPICS + [f"topic {k}" for k in range(max(0, min(2000, n // 50) - len(BASE_TOPICS)))]
    v = len(vocab)
    skill_perm = rng.permutation(v)  # offered/wanted skills are popular in a different order than topics
    role_names = [r for r, _ in ROLES]
    role_p = np.array([w for _, w in ROLES], float)
    roles = rng.choice(len(ROLES), size=n, p=role_p / role_p.sum())
    teams = _zipf(rng, max(5, n // 40), n, 0.8)
    zone_names = [z for z, _ in ZONES]
    zone_p = np.array([w for _, w in ZONES], float)
    zones = rng.choice(len(ZONES), size=n, p=zone_p / zone_p.sum())
    n_topics = rng.choice([1, 2, 3, 4, 5, 6], size=n, p=[0.08, 0.17, 0.27, 0.25, 0.15, 0.08])
    n_offers = rng.choice([0, 1, 2, 3], size=n, p=[0.35, 0.35, 0.2, 0.1])
    n_wants = rng.choice([0, 1, 2, 3], size=n, p=[0.3, 0.35, 0.25, 0.1])
    topic_draws = _zipf(rng, v, int(n_topics.sum()) * 2)
    skill_draws = skill_perm[_zipf(rng, v, int((n_offers + n_wants).sum()) * 2)]
    activity = rng.beta(1.2, 2.5, size=n)
    english = rng.random(n) < 0.88
    extra = rng.random((n, len(LANGS))) < np.array([p for _, p in LANGS])
    native_bonus = rng.random(n) < 0.7
    members: list[Member] = []
    tp = sp = 0
    for i in range(n):
        topics = list(dict.fromkeys(vocab[t] for t in topic_draws[tp : tp + n_topics[i] * 2]))[: n_topics[i]]
        tp += n_topics[i] * 2
        k = n_offers[i] + n_wants[i]
        skills = list(dict.fromkeys(vocab[t] for t in skill_draws[sp : sp + 2 * k]))
        sp += 2 * k
        offers, wants = skills[: n_offers[i]], skills[n_offers[i] : k]
        zone = zone_names[zones[i]]
        langs = ["en"] if english[i] else []
        langs += [LANGS[j][0] for j in np.nonzero(extra[i])[0]]
        if zone in NATIVE and native_bonus[i]:
            langs.append(NATIVE[zone])
        if not langs:
            langs = [NATIVE.get(zone, "en")]
        members.append(
            Member(
                id=100_000 + i,
                name=f"{NAMES[i % len(NAMES)]} {i}",
                role=role_names[roles[i]],
                team=f"team {teams[i]}",
                topics=tuple(topics),
                offers=tuple(offers),
                wants=tuple(wants),
                timezone=zone,
                languages=tuple(dict.fromkeys(langs)),
                activity=float(round(activity[i], 3)),
            )
        )
    ids = np.array([m.id for m in members])
    current = 10
    rounds: dict[int, list[tuple[int, ...]]] = {}
    for r in range(current - 6, current):
        took = rng.permutation(ids[rng.random(n) < 0.6])
        rounds[r] = [tuple(int(x) for x in took[k : k + 2]) for k in range(0, len(took) - 1, 2)]
    blockers = rng.choice(ids, size=max(1, n // 200), replace=False)
    blocked = [(int(a), int(b)) for a, b in zip(blockers, rng.choice(ids, size=len(blockers)), strict=True) if a != b]
    priority = {int(x) for x in rng.choice(ids, size=max(1, n // 1000), replace=False)}
    return members, History(current_round=current, rounds=rounds, blocked=blocked), priority


def options_for(seed: int, group_size: int = 2) -> MatchOptions:
    return MatchOptions(
        language_required=True,
        prefer_cross_team=True,
        exclude_rounds=3,
        reference_date=date(2025, 3, 12),
        seed=seed,
        group_size=group_size,
    )


def audit(members: list[Member], history: History, options: MatchOptions, groups: list[tuple[int, ...]]) -> int:
    """Pairs inside any group that break a hard rule, checked with the scalar reference code."""
    ctx = ScoringContext(history, options)
    index = {m.id: m for m in members}
    bad = 0
    for g in groups:
        for x in range(len(g)):
            for y in range(x + 1, len(g)):
                if violation(index[g[x]], index[g[y]], ctx) is not None:
                    bad += 1
    return bad


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=1000)
    ap.add_argument("--group-size", type=int, default=2, choices=(2, 3, 4), help="people per intro group")
    ap.add_argument("--exact", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sparse", action="store_true", help="force the facet-index path even for small N")
    ap.add_argument("--shape", choices=SHAPES, help="draw the community from bench/community.py")
    ap.add_argument("--parts", default="main", help="comma-separated: main, compare, simulate, milp")
    ap.add_argument("--sizes", default="40,120,600", help="compare: round sizes")
    ap.add_argument("--shapes", default=",".join(SHAPES), help="compare: community shapes")
    ap.add_argument("--exact-max", type=int, default=160, help="compare: networkx exact up to this size, "
                                                               "an upper bound above")
    ap.add_argument("--sim-members", type=int, default=300)
    ap.add_argument("--sim-rounds", type=int, default=12)
    ap.add_argument("--sim-shape", choices=SHAPES, default="realistic")
    ap.add_argument("--milp-instances", type=int, default=24)
    ap.add_argument("--milp-time-limit", type=float, default=60.0, help="milp: seconds per solve (an instance that "
                                                                        "hits it counts in milp_timeouts)")
    args = ap.parse_args()
    parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    unknown = parts - {"main", "compare", "simulate", "milp"}
    if unknown:
        ap.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    out: dict[str, object] = {}
    if "main" in parts:
        out |= main_round(args, ap)
    if "compare" in parts:
        shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
        if bad := [s for s in shapes if s not in SHAPES]:
            ap.error(f"unknown shape(s): {', '.join(bad)} (known: {', '.join(SHAPES)})")
        out |= compare([int(x) for x in args.sizes.split(",")], shapes, args.seed, args.exact_max)
    if "simulate" in parts:
        out |= simulate(args.sim_members, args.sim_rounds, args.sim_shape, args.seed, args.group_size)
    if "milp" in parts:
        out |= milp_compare(args.milp_instances, args.seed, time_limit=args.milp_time_limit)
    out.setdefault("seed", args.seed)
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(json.dumps(out))


def main_round(args: argparse.Namespace, ap: argparse.ArgumentParser) -> dict[str, object]:
    """The round pipeline on one community, audited (the benchmark's original keys)."""
    if args.exact and args.members > 1000:
        ap.error("--exact is only for --members <= 1000 (networkx is cubic)")
    if args.exact and args.group_size != 2:
        ap.error("--exact compares pairs only (use --group-size 2)")
    if args.shape:
        members, history, priority = community(args.members, args.seed, args.shape)
    else:
        members, history, priority = generate(args.members, args.seed)
    options = options_for(args.seed, args.group_size)
    t0, c0 = time.perf_counter(), time.process_time()
    plan = plan_round(members, history, options, priority, dense=False if args.sparse else None)
    seconds = time.perf_counter() - t0
    cpu_seconds = time.process_time() - c0  # the round's own CPU: what wall time becomes on a quiet machine
    result = plan.result
    groups = [g.members for g in result.groups]
    placed = sum(len(g) for g in groups)
    out: dict[str, object] = {
        "members": args.members,
        "group_size": args.group_size,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu_seconds, 3),
        "peak_rss_mb": 0.0,
        "score": round(result.total_score, 3),
        "violations": audit(members, history, options, groups),
        "placed": placed,
        "unplaced": len(result.unplaced),
        "odd_groups": sum(len(g) != args.group_size for g in groups),
        "seed": args.seed,
    }
    if args.group_size != 2:
        out["sizes"] = {str(k): sum(len(g) == k for g in groups) for k in sorted({len(g) for g in groups})}
        out["priority_in_odd_groups"] = sum(1 for g in groups if len(g) != args.group_size for m in g
                                            if m in priority)
    if args.exact:
        t1 = time.perf_counter()
        exact = exact_round(members, history, options, priority)
        out["exact_seconds"] = round(time.perf_counter() - t1, 3)
        out["exact_score"] = round(exact.total_score, 3)
        out["ratio"] = round(result.total_score / exact.total_score, 5) if exact.total_score else None
        out["speedup"] = round(out["exact_seconds"] / max(seconds, 1e-9), 1)  # type: ignore[operator]
    if args.shape:
        out["shape"] = args.shape
    return out


if __name__ == "__main__":
    main()
