"""`bot.py match-roster`: a roster file in, groups out, through the real command line (Typer) and engine."""

from __future__ import annotations

import csv
import io
import json
from itertools import combinations
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import bot
from cogs.matching.engine.strategies import STRATEGIES
from cogs.matching.roster import run_rounds
from cogs.matching.roster.model import parse_roster

runner = CliRunner()

TOPICS = ["python", "rust", "design", "go", "ml", "community"]
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC", None]


def roster(n: int = 12, **extra: Any) -> dict[str, Any]:
    """A small roster with varied profiles, an empty one, a French-only member, history and a block."""
    members: list[dict[str, Any]] = []
    for i in range(n):
        m: dict[str, Any] = {"id": f"m{i}", "name": f"Person {i}"}
        if i % 7 != 6:  # some empty profiles
            m |= {"topics": [TOPICS[i % 6], TOPICS[(i * 5) % 6]], "timezone": ZONES[i % 5],
                  "offers": [TOPICS[(i + 1) % 6]], "wants": [TOPICS[(i + 3) % 6]],
                  "role": "developer" if i % 2 else "designer"}
        if i == 3:
            m["languages"] = ["fr", "en"]
        members.append(m)
    data: dict[str, Any] = {
        "settings": {"group_size": 2, "no_repeat_rounds": 4, "language_required": True, "prefer_cross_team": False,
                     "default_language": "en", "default_timezone": "UTC"},
        "date": "2026-03-11",
        "members": members,
        "blocks": [["m0", "m1"]],
        "history": [{"date": "2026-03-04", "groups": [["m0", "m2"], ["m3", "m4", "m5"]], "met": [True, None]}],
    }
    return data | extra


def run(tmp_path: Path, data: dict[str, Any] | str, *args: str, name: str = "roster.json") -> Any:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return runner.invoke(bot.cli, ["match-roster", "--input", str(path), *args])


def output(tmp_path: Path, data: dict[str, Any] | str, *args: str, name: str = "roster.json") -> Any:
    out = tmp_path / "out.json"
    result = run(tmp_path, data, "--out", str(out), *args, name=name)
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8"))


def forbidden(data: dict[str, Any]) -> set[frozenset[str]]:
    """Pairs the hard rules forbid in the roster's next round: blocks and partners of the last K rounds."""
    bad = {frozenset(b) for b in data.get("blocks", [])}
    for rnd in data.get("history", [])[-data["settings"]["no_repeat_rounds"]:]:
        for g in rnd["groups"]:
            bad |= {frozenset(p) for p in combinations(g, 2)}
    return bad


def test_json_roster_places_everybody_once_and_keeps_the_hard_rules(tmp_path: Path) -> None:
    data = roster(13)
    out = output(tmp_path, data)
    assert set(out) >= {"groups", "unplaced", "score", "seconds"}
    placed = [m for g in out["groups"] for m in g]
    ids = [m["id"] for m in data["members"]]
    assert sorted(placed + [u["id"] for u in out["unplaced"]]) == sorted(ids)
    assert not out["unplaced"]  # 13 people who can all meet: six pairs and a trio
    assert sorted(len(g) for g in out["groups"]) == [2] * 5 + [3]
    bad = forbidden(data)
    assert not [g for g in out["groups"] if any(frozenset(p) in bad for p in combinations(g, 2))]


def test_scores_list_every_allowed_pair_and_the_round_score_is_their_sum_inside_groups(tmp_path: Path) -> None:
    data = roster(11)
    data["members"].append({"id": "solo", "languages": ["ja"]})  # no common language with anyone
    out = output(tmp_path, data, "--scores")
    scores = {frozenset((a, b)): s for a, b, s in out["pair_scores"]}
    assert len(scores) == len(out["pair_scores"])
    assert not set(scores) & forbidden(data)
    assert not [p for p in scores if "solo" in p]
    ids = [m["id"] for m in data["members"] if m["id"] != "solo"]
    assert len(scores) == len(list(combinations(ids, 2))) - len(forbidden(data))
    inside = [scores[frozenset(p)] for g in out["groups"] for p in combinations(g, 2)]
    assert out["score"] == pytest.approx(sum(inside), abs=1e-6)
    assert out["unplaced"] == [{"id": "solo", "reason": "no_common_language"}]


def test_the_exact_strategy_matches_an_exact_solver_on_the_listed_pair_scores(tmp_path: Path) -> None:
    data = roster(14)
    out = output(tmp_path, data, "--scores", "--strategy", "exact")
    g: nx.Graph[str] = nx.Graph()
    g.add_weighted_edges_from(out["pair_scores"])
    best = nx.max_weight_matching(g, maxcardinality=True)
    assert len(best) == 7 and all(len(grp) == 2 for grp in out["groups"])
    assert out["score"] == pytest.approx(sum(g[a][b]["weight"] for a, b in best), abs=1e-6)


def test_csv_roster_in_and_csv_groups_out(tmp_path: Path) -> None:
    text = ("id,name,topics,languages,timezone,priority,blocks\n"
            "m1,Ana,python;rust,en;de,Europe/Berlin,yes,m3\n"
            "m2,Ben,python,en,,,\n"
            "\n"
            "m3,Cy,,en,America/New_York,no,\n"
            "m4,Di,rust;,,Asia/Tokyo,,\n"
            "m5,Eve,,de;en,,,\n")
    out = tmp_path / "groups.csv"
    result = run(tmp_path, text, "--out", str(out), name="roster.csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    groups = [r["members"].split(";") for r in rows if r["group"] != "unplaced"]
    assert sorted(m for g in groups for m in g) == ["m1", "m2", "m3", "m4", "m5"]
    assert not [g for g in groups if {"m1", "m3"} <= set(g)]
    assert all(float(r["score"]) > 0 and int(r["size"]) == len(r["members"].split(";")) for r in rows)


def test_rounds_add_each_round_to_the_next_ones_history(tmp_path: Path) -> None:
    data = roster(20, history=[])
    out = output(tmp_path, data, "--rounds", "4")
    assert len(out["rounds"]) == 4
    assert [r["date"] for r in out["rounds"]] == ["2026-03-11", "2026-03-18", "2026-03-25", "2026-04-01"]
    met: set[frozenset[str]] = set()
    for rnd in out["rounds"]:
        pairs = {frozenset(p) for g in rnd["groups"] for p in combinations(g, 2)}
        assert not pairs & met  # no_repeat_rounds is 4: nobody meets twice in four rounds
        met |= pairs
        assert not rnd["unplaced"]


def test_group_size_option_and_strategy_list(tmp_path: Path) -> None:
    out = output(tmp_path, roster(22, history=[]), "--group-size", "4")
    assert all(3 <= len(g) <= 5 for g in out["groups"])
    assert sum(len(g) for g in out["groups"]) == 22
    listed = runner.invoke(bot.cli, ["match-roster", "--list-strategies"])
    assert listed.exit_code == 0
    assert [line.split()[0] for line in listed.output.splitlines()] == list(STRATEGIES)


def test_each_strategy_that_forms_pairs_can_be_forced(tmp_path: Path) -> None:
    for name in STRATEGIES:
        out = output(tmp_path, roster(10), "--strategy", name)
        assert sum(len(g) for g in out["groups"]) + len(out["unplaced"]) == 10, name


def _members(n: int) -> list[dict[str, Any]]:
    return [{"id": f"m{i}"} for i in range(n)]


BAD: list[tuple[str, str, str]] = [
    ("zone", json.dumps({"members": [*_members(3), {"id": "x", "timezone": "Mars/Base"}]}),
     "members[3].timezone: unknown time zone 'Mars/Base'"),
    ("duplicate", json.dumps({"members": [*_members(2), {"id": "m0"}]}), "members[2].id: duplicate id 'm0'"),
    ("block", json.dumps({"members": _members(2), "blocks": [["m0", "ghost"]]}),
     "blocks[0][1]: unknown member 'ghost'"),
    ("history", json.dumps({"members": _members(2), "history": [{"groups": [["m0", "m1"], ["m9", "m0"]]}]}),
     "history[0].groups[1][0]: unknown member 'm9'"),
    ("type", json.dumps({"members": [{"id": "a", "topics": "python"}]}), "members[0].topics: expected a list"),
    ("id type", json.dumps({"members": [{"id": 7}]}), "members[0].id: expected text"),
    ("setting", json.dumps({"members": [], "settings": {"group_size": "3"}}), "settings.group_size: expected a whole"),
    ("key", json.dumps({"members": [{"id": "a", "topic": ["x"]}]}), "members[0].topic: unknown key 'topic'"),
    ("met", json.dumps({"members": _members(2), "history": [{"groups": [["m0", "m1"]], "met": [True, True]}]}),
     "history[0].met: 2 values for 1 group"),
    ("order", json.dumps({"members": _members(2), "history": [{"date": "2026-03-04", "groups": []},
                                                              {"date": "2026-02-01", "groups": []}]}),
     "history[1].date: 2026-02-01 is before"),
    ("malformed", '{"members": [{"id": "a"},]}', "line 1, column 26: not valid JSON"),
    ("not an object", "[]", "expected an object with \"members\""),
    ("missing", "{}", "members: is missing"),
]


@pytest.mark.parametrize(("label", "text", "expected"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_one_line_naming_the_place_and_exit_code_2(tmp_path: Path, label: str, text: str,
                                                                 expected: str) -> None:
    out = tmp_path / "out.json"
    result = run(tmp_path, text, "--out", str(out))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], lines
    assert "Traceback" not in result.output and not out.exists()


@pytest.mark.parametrize(("text", "expected"), [
    ("id,name,timezone\nm1,Ana,Europe/Berlin\nm2,Ben,Mars/Base\n", "line 3, timezone: unknown time zone"),
    ("id,tz\nm1,UTC\n", "line 1: unknown column 'tz'"),
    ("id,blocks\nm1,m9\nm2,\n", "line 2, blocks: unknown member 'm9'"),
    ("id,name\nm1,a\n\nm1,b\n", "line 4, id: duplicate id 'm1' (also line 2)"),
    ("id,priority\nm1,maybe\n", "line 2, priority: expected yes or no"),
])
def test_bad_csv_names_the_line(tmp_path: Path, text: str, expected: str) -> None:
    result = run(tmp_path, text, name="roster.csv")
    assert result.exit_code == 2
    assert [expected in line for line in result.stderr.strip().splitlines()] == [True]


def test_bad_options_are_one_line_and_exit_code_2(tmp_path: Path) -> None:
    for args, expected in [(["--strategy", "magic"], "unknown strategy 'magic'"),
                           (["--scores", "--out", str(tmp_path / "x.csv")], "JSON only")]:
        result = run(tmp_path, roster(6), *args)
        assert result.exit_code == 2, args
        assert len(result.stderr.strip().splitlines()) == 1 and expected in result.stderr
    missing = runner.invoke(bot.cli, ["match-roster", "--input", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "cannot read it" in missing.stderr


LANGS = st.lists(st.sampled_from(["en", "de", "fr", "ja"]), max_size=2, unique=True)
PROFILE = st.fixed_dictionaries({}, optional={
    "topics": st.lists(st.sampled_from(TOPICS), max_size=3), "languages": LANGS,
    "timezone": st.sampled_from(["Europe/Berlin", "Asia/Kolkata", "America/Denver"]),
    "offers": st.lists(st.sampled_from(TOPICS), max_size=2), "wants": st.lists(st.sampled_from(TOPICS), max_size=2),
    "priority": st.booleans()})


@st.composite
def rosters(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(0, 26))
    members = [{"id": f"p{i}"} | draw(PROFILE) for i in range(n)]
    ids = [m["id"] for m in members]
    blocks = [list(p) for p in draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)),
                                              max_size=6))] if ids else []
    history = []
    for _ in range(draw(st.integers(0, 3))):
        order = draw(st.permutations(ids))
        history.append({"groups": [list(order[k:k + 2]) for k in range(0, len(order) - 1, 2)]})
    size = draw(st.sampled_from([2, 3, 4]))
    return {"settings": {"group_size": size, "no_repeat_rounds": draw(st.integers(0, 3))}, "date": "2026-03-11",
            "members": members, "blocks": blocks, "history": history}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rosters())
def test_any_valid_roster_places_each_member_at_most_once_within_the_hard_rules(data: dict[str, Any]) -> None:
    r = parse_roster(data)
    (out,) = run_rounds(r, scores=True)
    placed = [m for g in out.groups for m in g]
    assert sorted(placed + [u for u, _ in out.unplaced]) == sorted(m["id"] for m in data["members"])
    allowed = {frozenset((a, b)): s for a, b, s in out.pair_scores or []}
    for g in out.groups:
        assert all(frozenset(p) in allowed for p in combinations(g, 2)), g
    assert out.score == pytest.approx(sum(allowed[frozenset(p)] for g in out.groups for p in combinations(g, 2)))
