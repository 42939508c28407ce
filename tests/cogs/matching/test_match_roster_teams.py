"""`bot.py match-roster --teams SIZE --needs ROLES`: teams from a roster file, through the real command line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

import bot

runner = CliRunner()


def roster() -> dict[str, Any]:
    people = [("a", "developer", []), ("b", "developer", ["python"]), ("c", "designer", []), ("d", None, ["Domain"]),
              ("e", "Developer", []), ("f", "developer", []), ("g", "designer", []), ("h", "marketing", [])]
    members: list[dict[str, Any]] = [{"id": i, "name": i.upper(), "role": r, "offers": o} for i, r, o in people]
    members.append({"id": "i", "name": "I", "languages": ["ja"]})
    return {"date": "2026-03-11", "members": members, "blocks": [["a", "b"]]}


def run(tmp_path: Path, *args: str, data: dict[str, Any] | None = None) -> Any:
    path = tmp_path / "roster.json"
    path.write_text(json.dumps(data or roster()), encoding="utf-8")
    return runner.invoke(bot.cli, ["match-roster", "--input", str(path), *args])


def test_teams_list_members_and_the_need_each_covers(tmp_path: Path) -> None:
    result = run(tmp_path, "--teams", "4", "--needs", "developer*2,designer,domain")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["size"] == 4 and out["needs"] == ["developer*2", "designer", "domain"]
    assert [len(t["members"]) for t in out["teams"]] == [4, 4]
    assert out["unplaced"] == [{"id": "i", "reason": "no_common_language"}]
    covers = sorted(m["covers"] or "" for t in out["teams"] for m in t["members"])
    assert covers == ["", "designer", "designer", "developer", "developer", "developer", "developer", "domain"]
    assert out["uncovered"] == 1 and sorted(len(t["missing"]) for t in out["teams"]) == [0, 1]
    for t in out["teams"]:
        ids = {m["id"] for m in t["members"]}
        assert not {"a", "b"} <= ids  # blocked
    assert out["optimal"] is True


def test_teams_as_csv_one_row_per_member(tmp_path: Path) -> None:
    out = tmp_path / "teams.csv"
    result = run(tmp_path, "--teams", "4", "--needs", "developer*2,designer,domain", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "2 team(s) of 4" in result.stderr and "1 unplaced" in result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert list(rows[0]) == ["team", "member", "name", "covers", "missing", "score", "reason"]
    assert [r["team"] for r in rows] == ["1"] * 4 + ["2"] * 4 + ["unplaced"]
    assert rows[-1]["member"] == "i" and rows[-1]["reason"] == "no_common_language"


def test_teams_without_needs_form_by_fit(tmp_path: Path) -> None:
    result = run(tmp_path, "--teams", "3")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["needs"] == [] and out["uncovered"] == 0
    # 8 people who can be placed, in teams of 3: two left over make one team of 2, as in the intro groups
    assert sorted(len(t["members"]) for t in out["teams"]) == [2, 3, 3]


def test_bad_team_options_are_one_line_and_exit_2(tmp_path: Path) -> None:
    for args, text in (
        (["--teams", "4", "--needs", "developer*0"], "--needs: developer*0: a need counts at least 1 person"),
        (["--teams", "2", "--needs", "a,b,c"], "--needs: the needs name 3 people, more than a team of 2"),
        (["--teams", "13"], "--teams: the team size must be 2 to 12, not 13"),
        (["--needs", "developer"], "--needs: only with --teams SIZE"),
        (["--teams", "4", "--rounds", "2"], "--rounds: not with --teams"),
        (["--teams", "4", "--strategy", "dense"], "--strategy: unknown strategy 'dense'"),
    ):
        result = run(tmp_path, *args)
        assert result.exit_code == 2, (args, result.output)
        assert text in result.stderr and "Traceback" not in result.output
