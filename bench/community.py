"""Realistic (and adversarial) communities for the matching benchmark, deterministic for a seed.

The classic generator in `bench/matching.py` draws every facet independently, which flatters the engine: real
communities are lumpy. Here interests come in clusters (a core of topics per cluster, cluster sizes with a long
tail, rare niche topics), skills are complementary inside a cluster (seniors offer what juniors want), time zones
are skewed 60/30/10 Europe/Americas/Asia, language minorities speak only their own language, about 7% of the
profiles are empty, and the history (six earlier rounds, paired mostly inside clusters, as people who share
interests have met before) and many blocks remove exactly the partners a member would like best.

Shapes (`SHAPES`):
- `realistic`: the above.
- `minorities`: about 15% in monolingual minorities of odd sizes, a few bilingual bridges.
- `thin`: 30% empty profiles and a third of the rest with one facet only (newcomers).
- `clustered`: few tight clusters, time zone and language follow the cluster; long history inside clusters.
- `blocks`: twelve earlier rounds and a block for every tenth member.
- `chain`: adversarial: member i speaks only languages i and i+1, so exactly one perfect matching exists.
"""

from __future__ import annotations

import numpy as np

from cogs.matching.engine import History, Member

SHAPES = ("realistic", "minorities", "thin", "clustered", "blocks", "chain")

EUROPE = [("Europe/Berlin", 20), ("Europe/London", 14), ("Europe/Paris", 10), ("Europe/Madrid", 6),
          ("Europe/Warsaw", 5), ("Europe/Amsterdam", 4), ("Europe/Stockholm", 3), ("Europe/Lisbon", 3),
          ("Europe/Athens", 2), ("Africa/Lagos", 2), ("Africa/Johannesburg", 1)]
AMERICAS = [("America/New_York", 14), ("America/Chicago", 6), ("America/Los_Angeles", 10), ("America/Denver", 3),
            ("America/Sao_Paulo", 6), ("America/Mexico_City", 4), ("America/Bogota", 2), ("America/Toronto", 3)]
ASIA = [("Asia/Kolkata", 8), ("Asia/Tokyo", 4), ("Asia/Singapore", 3), ("Asia/Shanghai", 2), ("Asia/Jakarta", 2),
        ("Australia/Sydney", 2), ("Pacific/Auckland", 1)]
MINORITY = {"America/Sao_Paulo": "pt", "Asia/Tokyo": "ja", "America/Mexico_City": "es", "America/Bogota": "es",
            "Europe/Madrid": "es", "Europe/Berlin": "de", "Europe/Paris": "fr", "Asia/Shanghai": "zh",
            "Europe/Warsaw": "pl", "Europe/Lisbon": "pt"}
ROLES = ["developer", "designer", "product manager", "data scientist", "researcher", "student", "devops",
         "founder", "support", "marketing"]
WORDS = ["python", "rust", "kubernetes", "machine learning", "design systems", "react", "security", "postgres",
         "llms", "robotics", "iot", "accessibility", "community building", "observability", "go", "java",
         "product discovery", "ux research", "mlops", "embedded", "climate tech", "fintech", "public speaking",
         "leadership", "hiring", "testing", "sre", "terraform", "computer vision", "nlp", "gamedev", "elixir"]


def _zipf_p(size: int, s: float) -> np.ndarray:
    p = 1.0 / np.arange(1, size + 1) ** s
    return p / p.sum()


def _zones(rng: np.random.Generator, n: int) -> list[str]:
    """60% Europe, 30% Americas, 10% Asia-Pacific, each region skewed towards its big cities."""
    region = rng.choice(3, size=n, p=[0.6, 0.3, 0.1])
    out = []
    for table in (EUROPE, AMERICAS, ASIA):
        names = [z for z, _ in table]
        w = np.array([x for _, x in table], float)
        out.append(rng.choice(names, size=n, p=w / w.sum()))
    return [str(out[r][i]) for i, r in enumerate(region)]


def generate(n: int, seed: int, shape: str = "realistic") -> tuple[list[Member], History, set[int]]:
    """N members, their history and blocks, and the priority set for the shape (see the module docstring)."""
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r} (known: {', '.join(SHAPES)})")
    rng = np.random.default_rng(seed)
    if shape == "chain":
        return _chain(n, rng)
    empty_share = {"thin": 0.30}.get(shape, 0.07)
    minority_share = {"minorities": 0.15, "clustered": 0.10}.get(shape, 0.05)
    clusters = max(3, n // (150 if shape == "clustered" else 50))
    vocab = WORDS + [f"niche {k}" for k in range(max(0, n // 4))]
    v = len(vocab)
    cluster_of = rng.choice(clusters, size=n, p=_zipf_p(clusters, 0.9))
    core_size = 6
    cores = rng.choice(v, size=(clusters, core_size), p=_zipf_p(v, 1.05))  # popular topics recur across clusters
    skills = rng.choice(v, size=(clusters, 3))
    in_core = 0.9 if shape == "clustered" else 0.7
    zones = _zones(rng, n)
    if shape == "clustered":  # a cluster lives mostly in one place
        home = _zones(rng, clusters)
        zones = [home[cluster_of[i]] if rng.random() < 0.8 else zones[i] for i in range(n)]
    senior = rng.random(n) < 0.3
    thin = rng.random(n) < (0.33 if shape == "thin" else 0.0)
    empty = rng.random(n) < empty_share
    minority = rng.random(n) < minority_share
    tail = rng.choice(v, size=(n, 5), p=_zipf_p(v, 0.8))  # long-tail topics, drawn at once
    role_of = rng.choice(len(ROLES), size=n, p=_zipf_p(len(ROLES), 1.0))
    members: list[Member] = []
    for i in range(n):
        mid = 100_000 + i
        if empty[i]:
            members.append(Member(id=mid, name=f"Newcomer {i}"))
            continue
        c = cluster_of[i]
        k = int(rng.choice([1, 2, 3, 4, 5], p=[0.15, 0.25, 0.3, 0.2, 0.1]))
        topics = [vocab[int(cores[c, rng.integers(core_size)])] if rng.random() < in_core
                  else vocab[int(tail[i, j])] for j in range(k)]
        offers = [vocab[int(s)] for s in skills[c] if senior[i] and rng.random() < 0.6]
        wants = [vocab[int(s)] for s in skills[c] if not senior[i] and rng.random() < 0.4]
        if rng.random() < 0.1:  # some want something from another cluster (mentoring across)
            wants.append(vocab[int(skills[rng.integers(clusters), 0])])
        zone = zones[i]
        langs = ["en"]
        native = MINORITY.get(zone)
        if native and minority[i]:
            langs = [native]  # speaks only their own language
        elif native and rng.random() < 0.5:
            langs.append(native)
        role = ROLES[int(role_of[i])]
        if thin[i]:
            members.append(Member(id=mid, name=f"Member {i}", topics=tuple(topics[:1]), timezone=zone))
            continue
        members.append(Member(
            id=mid, name=f"Member {i}", role=role, team=f"team {int(rng.integers(max(2, n // 30)))}",
            topics=tuple(dict.fromkeys(topics)), offers=tuple(dict.fromkeys(offers)),
            wants=tuple(dict.fromkeys(w for w in wants if w not in offers)), timezone=zone,
            languages=tuple(dict.fromkeys(langs)),
        ))
    ids = np.array([m.id for m in members])
    past = {"blocks": 12, "clustered": 8}.get(shape, 6)
    current = past
    rounds: dict[int, list[tuple[int, ...]]] = {}
    for r in range(past):
        took = np.nonzero(rng.random(n) < 0.7)[0]
        # people who share a cluster have met before: sort by cluster with some noise, pair neighbours
        order = took[np.argsort(cluster_of[took] + rng.random(took.size) * 2.5)]
        rounds[r] = [(int(ids[order[k]]), int(ids[order[k + 1]])) for k in range(0, order.size - 1, 2)]
    count = n // 10 if shape == "blocks" else max(1, n // 25)
    a = rng.integers(n, size=count)
    near = np.clip(a + rng.integers(-5, 6, size=count), 0, n - 1)  # blocks mostly between people who know each other
    blocked = [(int(ids[x]), int(ids[y])) for x, y in zip(a, near, strict=True) if x != y]
    priority = {int(x) for x in rng.choice(ids, size=max(1, n // 100), replace=False)}
    return members, History(current_round=current, rounds=rounds, blocked=blocked), priority


def _chain(n: int, rng: np.random.Generator) -> tuple[list[Member], History, set[int]]:
    """Member i speaks languages i and i+1: only neighbours share one, a path with one perfect matching."""
    order = rng.permutation(n)  # ids shuffled so that id order gives nothing away
    members = [Member(id=100_000 + int(order[i]), name=f"Link {i}", topics=("chains",),
                      languages=(f"l{i}", f"l{i + 1}")) for i in range(n)]
    return members, History(), set()
