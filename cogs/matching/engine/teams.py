"""Teams for an event or a cohort: everyone in teams of `size` that bring the roles each team needs.

What a plan optimises, in this order:
1. the most people placed (someone is left out only when the hard rules leave no team for them);
2. team sizes: exactly `size` where the count allows, the remainder spread like the intro groups do
   (`groups.group_sizes`: teams of 4 with one left over make one team of 5, with three one team of 3);
3. the need slots covered over all teams (a member covers at most one slot of their team: `team_needs`);
4. the fewest pairs inside a team who share no waking hour (a team whose members can never talk at a
   normal hour is avoided wherever the people allow it);
5. the fit: the sum of the pair scores inside the teams, the same score as the intro rounds (`score.py`).

Hard rules as in the rounds: never a blocked pair, a common language when the community requires one, and
no partner of the last `exclude_rounds` rounds when the caller passes a history (the bot passes only blocks:
working together is not an intro). Events up to `EXACT_TEAM_MAX` (24) people are solved exactly by HiGHS
(`team_exact`), larger ones by construction and local search (`team_search`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .encode import encode
from .group_exact import dense_scores
from .group_state import size_range
from .model import History, MatchOptions, Member
from .team_exact import EXACT_COLUMNS, EXACT_TEAM_MAX, exact_teams, possible_teams
from .team_needs import Need, NeedsError, check_size, cover, covered, need_mask, parse_needs, slot_needs
from .team_polish import search
from .team_search import COVER_COST, ZERO_COST

TEAM_PEOPLE_MAX = 3000  # every pair is scored (a 3,000 x 3,000 matrix); an event beyond is refused
TIME_LIMIT = 5.0  # seconds HiGHS may take in "auto" before the heuristic's answer is used instead
STRATEGIES = ("auto", "exact", "heuristic")
REASONS = ("too_few", "no_common_language", "blocked", "no_team_fits")


@dataclass(frozen=True, slots=True)
class Team:
    """One team: its members (those covering a need first, in the order of the needs), which need each of
    them covers, the needs nobody covers, and the fit (the sum of its pair scores)."""

    members: tuple[int, ...]
    covers: Mapping[int, str]
    score: float
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class TeamPlan:
    """The engine's answer: teams, people left out with a reason (`REASONS`), and how many need slots stay
    uncovered over all teams."""

    teams: list[Team]
    unplaced: list[tuple[int, str]]
    uncovered: int
    needs: tuple[Need, ...] = ()
    stats: Mapping[str, Any] = field(default_factory=dict)

    @property
    def fit(self) -> float:
        return float(sum(t.score for t in self.teams))

    @property
    def covered(self) -> int:
        return sum(len(t.covers) for t in self.teams)


def _reason(x: int, n: int, low: int, allowed: np.ndarray, enc_langs: np.ndarray, language_required: bool) -> str:
    if n < low:
        return "too_few"
    if not allowed[x].any():
        if language_required:
            others = np.arange(n) != x
            if not (np.any((enc_langs & enc_langs[x]) != 0, axis=1) & others).any():
                return "no_common_language"
        return "blocked"
    return "no_team_fits"


def _team(idx: list[int], ids: np.ndarray, masks: list[int], slots: tuple[int, ...], needs: Sequence[Need],
          fit: np.ndarray) -> Team:
    _count, taken = cover(tuple(masks[x] for x in idx), slots) if slots else (0, tuple(-1 for _ in idx))
    covers = {int(ids[x]): needs[slots[s]].name for x, s in zip(idx, taken, strict=True) if s >= 0}
    order = sorted(range(len(idx)), key=lambda p: (taken[p] < 0, taken[p], p))
    left = [s for s in range(len(slots)) if s not in taken]
    return Team(tuple(int(ids[idx[p]]) for p in order), covers, float(fit[np.ix_(idx, idx)].sum() / 2),
                tuple(needs[slots[s]].name for s in left))


def form_teams(members: Sequence[Member], history: History | None = None, options: MatchOptions | None = None,
               *, size: int, needs: str | Sequence[Need] = (), strategy: str = "auto") -> TeamPlan:
    """Teams of `size` (2 to 12) covering `needs` ("developer*2,designer" or parsed `Need`s) for these
    members. Raises `NeedsError` for a bad size, needs or strategy, or more than `TEAM_PEOPLE_MAX` people."""
    t0 = time.perf_counter()
    check_size(size)
    need_list = parse_needs(needs, size) if isinstance(needs, str) else tuple(needs)
    if sum(nd.count for nd in need_list) > size:
        raise NeedsError("too_many", "more needs than people in a team", total=sum(n.count for n in need_list),
                         size=size)
    if strategy not in STRATEGIES:
        raise NeedsError("strategy", f"unknown strategy {strategy!r}", strategy=strategy)
    if len(members) > TEAM_PEOPLE_MAX:
        raise NeedsError("people", f"at most {TEAM_PEOPLE_MAX} people per team formation", max=TEAM_PEOPLE_MAX)
    options = options or MatchOptions()
    low, high = size_range(MatchOptions(group_size=size))
    n = len(members)
    slots = slot_needs(need_list)
    if n == 0:
        return TeamPlan([], [], 0, need_list, {"strategy": strategy})
    enc = encode(members, history or History(), options)
    fit, allowed = dense_scores(enc)
    zero = (enc.tz_overlap[enc.tz][:, enc.tz] <= 0) & allowed
    bad = ~allowed
    np.fill_diagonal(bad, False)
    masks = [need_mask(m, need_list) for m in members]
    counts = [nd.count for nd in need_list]
    placeable = np.asarray(allowed.any(axis=1) & (n >= low), dtype=bool)
    use_exact = strategy == "exact" or (
        strategy == "auto" and n <= EXACT_TEAM_MAX and possible_teams(n, low, high) <= EXACT_COLUMNS)
    value = fit - ZERO_COST * zero
    chosen: list[list[int]] | None = None
    proved = False
    if use_exact and n >= low:
        chosen, proved = exact_teams(fit, zero, bad, masks, slots, size, low, high,
                                     None if strategy == "exact" else TIME_LIMIT)
    if not proved:
        found, _left = search(value, bad, masks, slots, counts, size, placeable, low, high, options.seed)

        def worth(teams: list[list[int]]) -> tuple[int, int, float]:
            return (sum(len(t) for t in teams), -sum(len(t) != size for t in teams), sum(
                COVER_COST * covered([masks[x] for x in t], slots) + float(value[np.ix_(t, t)].sum() / 2)
                for t in teams))

        if chosen is None or worth(found) > worth(chosen):
            chosen = found
    teams = [_team(t, enc.ids, masks, slots, need_list, fit) for t in chosen or []]
    placed = {x for t in chosen or [] for x in t}
    unplaced = [(int(enc.ids[x]), _reason(x, n, low, allowed, enc.langs, options.language_required))
                for x in range(n) if x not in placed]
    zeros = sum(int(zero[np.ix_(t, t)].sum() // 2) for t in chosen or [])
    stats = {"strategy": "exact" if proved else "heuristic", "optimal": proved, "zero_overlap_pairs": zeros,
             "seconds": time.perf_counter() - t0}
    return TeamPlan(teams, unplaced, sum(len(t.missing) for t in teams), need_list, stats)


__all__ = ["REASONS", "STRATEGIES", "TEAM_PEOPLE_MAX", "Team", "TeamPlan", "form_teams"]
