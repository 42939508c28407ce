"""`match-roster` learns from the `met` answers in its history as the bot does from check-ins, says what it
learned, keeps every hard rule, and `--no-learning` (or `settings.learning: false`) gives the default weights."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import date, timedelta
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import bot
from cogs.matching.engine import (
    COMPONENTS,
    History,
    ScoringContext,
    belief_from_outcomes,
    group_outcomes,
    learned_options,
    pair_score,
)
from cogs.matching.roster import run_rounds
from cogs.matching.roster.learn import LABELS, round_dates
from cogs.matching.roster.model import parse_roster
from cogs.matching.roster.run import engine_members, options_for

runner = CliRunner()
ZONES = ["Europe/Berlin", "America/Los_Angeles", "Asia/Tokyo"]
TOPICS = ["python", "rust", "design", "go", "ml"]


def taught(n: int = 40, rounds: int = 6, seed: int = 1) -> dict[str, Any]:
    """A roster whose history says: people meet when they live in the same region, whatever their topics."""
    rng = random.Random(seed)
    members = [{"id": f"m{i}", "timezone": ZONES[i % 3], "topics": rng.sample(TOPICS, 2)} for i in range(n)]
    zone = {m["id"]: m["timezone"] for m in members}
    history = []
    start = date(2026, 3, 11)
    for r in range(rounds):
        ids = [m["id"] for m in members]
        rng.shuffle(ids)
        groups = [ids[k:k + 2] for k in range(0, n - 1, 2)]
        met = [zone[a] == zone[b] if rng.random() < 0.9 else None for a, b in groups]
        history.append({"date": (start - timedelta(weeks=rounds - r)).isoformat(), "groups": groups, "met": met})
    return {"settings": {"no_repeat_rounds": 0}, "date": start.isoformat(), "members": members, "history": history}


def invoke(tmp_path: Path, data: dict[str, Any], *args: str) -> tuple[dict[str, Any], str]:
    path, out = tmp_path / "roster.json", tmp_path / "out.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(bot.cli, ["match-roster", "--input", str(path), "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8")), result.stderr


def same_zone_share(groups: list[list[str]], data: dict[str, Any]) -> float:
    zone = {m["id"]: m["timezone"] for m in data["members"]}
    pairs = [p for g in groups for p in combinations(g, 2)]
    return sum(zone[a] == zone[b] for a, b in pairs) / len(pairs)


def test_the_history_teaches_the_round_and_the_output_says_what(tmp_path: Path) -> None:
    data = taught()
    out, err = invoke(tmp_path, data)
    learning = out["learning"]
    answered = sum(v is not None for r in data["history"] for v in r["met"])
    assert learning["answered_groups"] == answered
    assert learning["met_groups"] == sum(bool(v) for r in data["history"] for v in r["met"])
    assert set(learning["weights"]) == set(COMPONENTS)
    assert learning["weights"]["timezone"] > 1.0  # the default is 1.0
    top = learning["insights"][0]
    assert top["component"] == "timezone" and top["confident"] and top["low"] > 1.0
    assert "match-roster: learned from" in err and LABELS["timezone"] in err
    plain, plain_err = invoke(tmp_path, data, "--no-learning")
    assert "learning" not in plain and "learned" not in plain_err
    assert same_zone_share(out["groups"], data) > same_zone_share(plain["groups"], data)
    off = json.loads(json.dumps(data))
    off["settings"]["learning"] = False
    assert invoke(tmp_path, off)[0]["groups"] == plain["groups"]


def test_learning_is_the_engine_update_round_by_round_at_each_rounds_date(tmp_path: Path) -> None:
    data = taught(n=16, rounds=3)
    data["history"][1]["date"] = None  # a round without a date sits a week before the next
    data["history"][2]["met"] = None  # a round without answers teaches nothing
    roster = parse_roster(data)
    start = date(2026, 3, 11)
    assert round_dates(roster, start) == [date(2026, 2, 18), date(2026, 2, 25), date(2026, 3, 4)]
    members = engine_members(roster)
    num = {m.id: i for i, m in enumerate(roster.members)}
    base = options_for(roster, start)
    per_round = []
    for rnd, when in zip(roster.history, round_dates(roster, start), strict=True):
        ctx = ScoringContext(History(), replace(base, reference_date=when))
        per_round.append([o for g, met in zip(rnd.groups, rnd.met or [None] * len(rnd.groups), strict=True)
                          if met is not None for o in group_outcomes([members[num[x]] for x in g], met, ctx)])
    belief = belief_from_outcomes(per_round, base.weights)
    (out,) = run_rounds(roster, scores=True, explore_share=0.0)
    assert out.learning is not None
    assert out.learning["weights"] == {c: round(w, 4) for c, w in zip(COMPONENTS, belief.weights, strict=True)}
    # The listed pair scores are the learned weights' scores (no exploration asked for).
    opts = learned_options(options_for(roster, start), belief, explore_share=0.0)
    history = History(current_round=3, rounds={r: [tuple(num[x] + 1 for x in g) for g in rnd.groups]
                                               for r, rnd in enumerate(roster.history)})
    ctx = ScoringContext(history, opts)
    by_name = {m.id: members[num[m.id]] for m in roster.members}
    for a, b, s in out.pair_scores or []:
        assert s == pytest.approx(pair_score(by_name[a], by_name[b], ctx), abs=1e-6)


def test_no_answers_no_learning_and_output_unchanged(tmp_path: Path) -> None:
    data = taught(n=12, rounds=2)
    for r in data["history"]:
        r["met"] = [None] * len(r["groups"])
    out, err = invoke(tmp_path, data)
    assert "learning" not in out and "learned" not in err
    several, _ = invoke(tmp_path, taught(n=12, rounds=2), "--rounds", "2", "--explore", "0.3")
    assert len(several["rounds"]) == 2 and several["learning"]["answered_groups"] > 0


@st.composite
def rosters(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(2, 24))
    members = [{"id": f"p{i}", "timezone": draw(st.sampled_from(ZONES)),
                "topics": draw(st.lists(st.sampled_from(TOPICS), max_size=3, unique=True)),
                "languages": draw(st.sampled_from([["en"], ["de"], ["en", "de"]]))} for i in range(n)]
    ids = [m["id"] for m in members]
    blocks = [list(p) for p in draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=6))]
    history = []
    for _ in range(draw(st.integers(1, 4))):
        order = draw(st.permutations(ids))
        groups = [list(order[k:k + 2]) for k in range(0, len(order) - 1, 2)]
        met = draw(st.lists(st.sampled_from([True, False, None]), min_size=len(groups), max_size=len(groups)))
        history.append({"groups": groups, "met": met})
    return {"settings": {"group_size": draw(st.sampled_from([2, 3])), "no_repeat_rounds": draw(st.integers(0, 3))},
            "date": "2026-03-11", "members": members, "blocks": blocks, "history": history}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rosters(), st.floats(0.0, 0.5))
def test_learning_rounds_keep_every_hard_rule(data: dict[str, Any], explore: float) -> None:
    roster = parse_roster(data)
    (out,) = run_rounds(roster, explore_share=explore)
    k = data["settings"]["no_repeat_rounds"]
    bad = {frozenset(b) for b in data["blocks"]}
    for rnd in data["history"][len(data["history"]) - k:] if k else []:
        bad |= {frozenset(p) for g in rnd["groups"] for p in combinations(g, 2)}
    lang = {m["id"]: set(m["languages"]) for m in data["members"]}
    for g in out.groups:
        for a, b in combinations(g, 2):
            assert frozenset((a, b)) not in bad and a != b
            assert lang[a] & lang[b]
    placed = [m for g in out.groups for m in g]
    assert len(placed) == len(set(placed))
