"""Running a roster through the engine: one round, or several weekly rounds each remembering the last.

The engine works on integer ids; the roster's ids are text, so member `i` of the file is engine id `i + 1`
and every result is mapped back. Rounds after the first see the earlier ones in their history and give
priority to whoever was left out or in a group of another than the planned size, as the bot does.

A round's score is the sum of the pair scores inside its groups (`pair_scores` lists them for every pair the
hard rules allow), so that anyone can check a round against an exact solver: the engine's own group score
counts a pair round's trio differently (pair plus the mean of the extra member's two scores) and is not used.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np

from ..engine import History, MatchOptions, Member
from ..engine.encode import Encoded, encode
from ..engine.learning import learned_options
from ..engine.strategies import StrategyError, run_strategy
from ..engine.vector import score_pairs
from .learn import learn
from .model import Roster

EXPLORE_SHARE = 0.1  # share of a learning round's intros that explore (`engine.learning.learned_options`)
ROW_BLOCK = 512  # rows of the pair triangle scored at once (memory stays small on large rosters)


class RunError(ValueError):
    """The round cannot be run as asked (a strategy that cannot form it)."""


@dataclass(frozen=True)
class RoundOutput:
    """One round as the command writes it (roster ids)."""

    date: date
    groups: list[list[str]]
    group_scores: list[float]
    unplaced: list[tuple[str, str]]
    score: float
    seconds: float
    pair_scores: list[tuple[str, str, float]] | None = None
    learning: dict[str, Any] | None = None  # what the history's check-ins taught (`learn.Learned.summary`)


def engine_members(roster: Roster) -> list[Member]:
    """The roster's people as engine members (`id` = position + 1)."""
    return [
        Member(id=i + 1, name=m.name or m.id, role=m.role or None, team=m.team or None, topics=tuple(m.topics),
               offers=tuple(m.offers), wants=tuple(m.wants), timezone=m.timezone, languages=tuple(m.languages))
        for i, m in enumerate(roster.members)
    ]


def options_for(roster: Roster, when: date, group_size: int | None = None, seed: int = 0) -> MatchOptions:
    """Engine options from the roster's settings (activity is unknown offline, so it plays no part)."""
    s = roster.settings
    return MatchOptions(
        language_required=s.language_required,
        prefer_cross_team=s.prefer_cross_team,
        use_activity=False,
        exclude_rounds=s.no_repeat_rounds,
        reference_date=when,
        default_language=s.default_language,
        default_timezone=s.default_timezone,
        seed=seed,
        group_size=group_size or s.group_size,
    )


def run_rounds(
    roster: Roster, rounds: int = 1, *, group_size: int | None = None, strategy: str | None = None,
    scores: bool = False, seed: int = 0, learning: bool = True, explore_share: float = EXPLORE_SHARE,
) -> list[RoundOutput]:
    """`rounds` consecutive weekly rounds from the roster's date (today when it has none); each round's groups
    join the history of the next. With `learning` (and `settings.learning`), the history's `met` answers teach
    the weights the rounds use and about `explore_share` of each round's intros explore (`learn.py`).
    `RunError` when the strategy cannot form a round."""
    num = {m.id: i + 1 for i, m in enumerate(roster.members)}
    ids = [m.id for m in roster.members]
    members = engine_members(roster)
    past: dict[int, list[tuple[int, ...]]] = {
        r: [tuple(num[x] for x in g) for g in rnd.groups] for r, rnd in enumerate(roster.history)
    }
    blocked = [(num[a], num[b]) for a, b in roster.blocks]
    priority = {num[m.id] for m in roster.members if m.priority}
    start = roster.date or datetime.now(UTC).date()
    learned = learn(roster, members, start, options_for(roster, start, group_size, seed)) if (
        learning and roster.settings.learning) else None
    out: list[RoundOutput] = []
    for r in range(rounds):
        when = start + timedelta(weeks=r)
        options = options_for(roster, when, group_size, seed + r)
        if learned is not None:
            options = learned_options(options, learned.belief, explore_share=explore_share, seed=seed + r)
        history = History(current_round=len(past), rounds=dict(past), blocked=blocked)
        began = time.perf_counter()
        try:
            result = run_strategy(strategy or "auto", members, history, options, priority)
        except StrategyError as exc:
            raise RunError(str(exc)) from None
        seconds = time.perf_counter() - began
        groups = [g.members for g in result.groups]
        enc = encode(members, history, options)
        each = [group_score(enc, g) for g in groups]
        out.append(RoundOutput(
            date=when,
            groups=[[ids[x - 1] for x in g] for g in groups],
            group_scores=each,
            unplaced=[(ids[u.member - 1], u.reason) for u in result.unplaced],
            score=round(sum(each), 6),
            seconds=round(seconds, 3),
            pair_scores=[(ids[a - 1], ids[b - 1], s) for a, b, s in allowed_pairs(enc)] if scores else None,
            learning=learned.summary() if learned is not None else None,
        ))
        past[len(past)] = [tuple(g) for g in groups]
        planned = options.group_size
        priority = {m for g in groups if len(g) != planned for m in g} | {u.member for u in result.unplaced}
    return out


def group_score(enc: Encoded, group: Sequence[int]) -> float:
    """The sum of the pair scores inside a group (engine ids)."""
    idx = [enc.index[x] for x in group]
    a = np.array([idx[i] for i in range(len(idx)) for j in range(i + 1, len(idx))], dtype=np.int64)
    b = np.array([idx[j] for i in range(len(idx)) for j in range(i + 1, len(idx))], dtype=np.int64)
    s, _ok = score_pairs(enc, a, b)
    return float(np.round(s, 6).sum())


def allowed_pairs(enc: Encoded) -> Iterator[tuple[int, int, float]]:
    """Every pair the hard rules allow, with its score (engine ids, low position first), row block by row
    block so that a roster of thousands never holds the whole triangle at once. Scores are rounded to six
    decimals, the same rounding `group_score` sums."""
    n = enc.n
    for lo in range(0, n, ROW_BLOCK):
        hi = min(n, lo + ROW_BLOCK)
        rows = np.arange(lo, hi, dtype=np.int64)
        counts = n - 1 - rows
        a = np.repeat(rows, counts)
        starts = np.cumsum(counts) - counts
        b = np.arange(len(a), dtype=np.int64) - np.repeat(starts, counts) + np.repeat(rows + 1, counts)
        s, ok = score_pairs(enc, a, b)
        s = np.round(s, 6)
        for x, y, v in zip(enc.ids[a[ok]].tolist(), enc.ids[b[ok]].tolist(), s[ok].tolist(), strict=True):
            yield int(x), int(y), float(v)
