"""Teams from a roster file (`match-roster --teams SIZE --needs ROLES`): the same engine call as `/collab teams`.

Members carry `role` and `offers`; a need is covered by a member whose role is it or who offers it. Blocks and
a common language (when `settings.language_required`) are hard rules; the roster's history is not: working in
a team is not an intro, so earlier partners may well be teamed up again (as in the bot).

JSON: `{"date", "size", "needs": ["developer*2", ...], "teams": [{"team", "members": [{"id", "name", "covers"}],
"missing": [...], "score"}], "unplaced": [{"id", "reason"}], "uncovered", "score", "seconds", "optimal"}`.
CSV columns: team (its number, or `unplaced`), member, name, covers (the need, or empty), missing (the team's
uncovered needs, `;`-separated, on each of its rows), score (the team's), reason (unplaced rows).
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from ..engine import History
from ..engine.team_needs import NeedsError, format_needs
from ..engine.teams import TeamPlan, form_teams
from .model import Roster
from .run import engine_members, options_for

CSV_HEADER = ("team", "member", "name", "covers", "missing", "score", "reason")


@dataclass(frozen=True)
class TeamsOutput:
    """The teams in roster ids."""

    date: date
    size: int
    plan: TeamPlan
    ids: list[str]
    names: list[str]
    seconds: float

    def member(self, engine_id: int) -> str:
        return self.ids[engine_id - 1]


def run_teams(roster: Roster, size: int, needs: str, strategy: str = "auto", seed: int = 0) -> TeamsOutput:
    """Teams of `size` covering `needs` for the roster's members. `NeedsError` for a bad size, needs or strategy."""
    members = engine_members(roster)
    num = {m.id: i + 1 for i, m in enumerate(roster.members)}
    when = roster.date or datetime.now(UTC).date()
    options = options_for(roster, when, seed=seed)
    began = time.perf_counter()
    plan = form_teams(members, History(blocked=[(num[a], num[b]) for a, b in roster.blocks]), options,
                      size=size, needs=needs, strategy=strategy)
    return TeamsOutput(when, size, plan, [m.id for m in roster.members],
                       [m.name or m.id for m in roster.members], round(time.perf_counter() - began, 3))


def teams_json(out: TeamsOutput) -> str:
    plan = out.plan
    body: dict[str, Any] = {
        "date": out.date.isoformat(),
        "size": out.size,
        "needs": [str(n) for n in plan.needs],
        "teams": [{"team": number,
                   "members": [{"id": out.member(m), "name": out.names[m - 1], "covers": t.covers.get(m)}
                               for m in t.members],
                   "missing": list(t.missing), "score": round(t.score, 6)}
                  for number, t in enumerate(plan.teams, start=1)],
        "unplaced": [{"id": out.member(m), "reason": reason} for m, reason in plan.unplaced],
        "uncovered": plan.uncovered,
        "score": round(plan.fit, 6),
        "seconds": out.seconds,
        "optimal": bool(plan.stats.get("optimal", False)),
    }
    return json.dumps(body, ensure_ascii=False) + "\n"


def teams_csv(out: TeamsOutput) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_HEADER)
    for number, t in enumerate(out.plan.teams, start=1):
        for m in t.members:
            w.writerow((number, out.member(m), out.names[m - 1], t.covers.get(m, ""), ";".join(t.missing),
                        str(round(t.score, 4)), ""))
    for m, reason in out.plan.unplaced:
        w.writerow(("unplaced", out.member(m), out.names[m - 1], "", "", "", reason))
    return buf.getvalue()


def teams_summary(out: TeamsOutput) -> str:
    """One line for the terminal after writing a file."""
    plan = out.plan
    return (f"{len(plan.teams)} team(s) of {out.size} for {format_needs(plan.needs) or 'no needs'}: "
            f"{plan.covered} need slot(s) covered, {plan.uncovered} uncovered, {len(plan.unplaced)} unplaced")


__all__ = ["NeedsError", "TeamsOutput", "run_teams", "teams_csv", "teams_json", "teams_summary"]
