"""Learning from a roster's history: the `met` answers of earlier rounds update the same belief the bot keeps.

Each earlier round's groups are scored as they were then (that round's date, the roster's settings), every
answered group gives its pairs' outcomes (`engine.learning.group_outcomes`), and the belief is updated round by
round from the defaults, exactly as the bot does after each round's check-ins. The planned rounds then run with
`learned_options`. Rounds without answers (no `met`, or only `null`) teach nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from ..engine import History, MatchOptions, Member, ScoringContext
from ..engine.learning import COMPONENTS, Belief, Outcome, group_outcomes, insights, prior_belief, update_belief
from .model import Roster

# How components are called in the command's one-line summary (the JSON uses the component names).
LABELS = {"topics": "shared topics", "complement": "offers meeting wants", "role": "same role",
          "cross_team": "different teams", "timezone": "time-zone overlap", "language": "common language",
          "newcomer": "newcomer with regular", "activity": "activity gap"}


@dataclass(frozen=True)
class Learned:
    """What the history taught: the belief and how many groups answered (and met)."""

    belief: Belief
    answered: int
    met: int

    def summary(self) -> dict[str, Any]:
        """The JSON the command writes under `learning`: weights used now, and per component the odds ratio of
        meeting with its 95% interval and sample size (`engine.learning.insights`)."""
        weights = dict(zip(COMPONENTS, self.belief.weights, strict=True))
        return {
            "summary": self.line(),
            "answered_groups": self.answered,
            "met_groups": self.met,
            "weights": {c: round(w, 4) for c, w in weights.items()},
            "insights": [
                {"component": i.component, "odds_ratio": round(i.effect, 3), "low": round(i.low, 3),
                 "high": round(i.high, 3), "samples": i.samples, "confident": i.confident}
                for i in insights(self.belief)
            ],
        }

    def line(self) -> str:
        """One line for the terminal: how much it learned from, and what predicts a meeting, if anything yet."""
        head = f"learned from {self.answered} check-in(s), {self.met} met"
        sure = [i for i in insights(self.belief) if i.confident]
        if not sure:
            return head + "; nothing predicts a meeting with confidence yet"
        said = ", ".join(f"{LABELS[i.component]} x{i.effect:.2f}" for i in sure[:4])
        return f"{head}; odds of meeting: {said}"


def round_dates(roster: Roster, start: date) -> list[date]:
    """Each history round's date: its own, else one week before the next (the last one a week before `start`)."""
    out: list[date] = []
    later = start
    for rnd in reversed(roster.history):
        later = rnd.date or later - timedelta(weeks=1)
        out.append(later)
    return out[::-1]


def history_outcomes(
    roster: Roster, members: Sequence[Member], start: date, base: MatchOptions
) -> tuple[list[list[Outcome]], int, int]:
    """Per history round, oldest first, the outcomes of its answered groups; plus how many groups answered and
    met. `members` are the engine members (roster position + 1 is the id), `base` the roster's options."""
    num = {m.id: i for i, m in enumerate(roster.members)}
    rounds: list[list[Outcome]] = []
    answered = met = 0
    for rnd, when in zip(roster.history, round_dates(roster, start), strict=True):
        ctx = ScoringContext(History(), replace(base, reference_date=when))
        outcomes: list[Outcome] = []
        for group, said in zip(rnd.groups, rnd.met or [None] * len(rnd.groups), strict=True):
            if said is None:
                continue
            answered += 1
            met += bool(said)
            outcomes += group_outcomes([members[num[x]] for x in group], said, ctx)
        rounds.append(outcomes)
    return rounds, answered, met


def learn(roster: Roster, members: Sequence[Member], start: date, base: MatchOptions) -> Learned | None:
    """The belief the planned rounds use, or None when the history has no answered check-in."""
    rounds, answered, met = history_outcomes(roster, members, start, base)
    if not answered:
        return None
    belief = prior_belief(base.weights)
    for outcomes in rounds:
        belief = update_belief(belief, outcomes, base.weights)
    return Learned(belief, answered, met)
