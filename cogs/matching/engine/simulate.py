"""Many weekly rounds in a row, as the bot runs them: each round's groups become the next round's history.

One round can look fine while the weeks go wrong (the same two people every fourth week, newcomers always
with each other), so the tests and the benchmark judge the engine over a run of rounds. The history is built
the way the cog's `rounds.py` builds it from stored rounds: round indices count up, only the last
`history_horizon` rounds are passed on, blocks stay, and members left out of a round or placed in a group of
another than the planned size get priority in the next one.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from itertools import combinations

from .model import History, MatchOptions, Member, RoundResult
from .strategies import run_strategy


def _pairs(group: Collection[int]) -> list[tuple[int, int]]:
    return [(a, b) if a < b else (b, a) for a, b in combinations(group, 2) if a != b]


def simulate_rounds(
    members: Sequence[Member],
    options: MatchOptions | None = None,
    rounds: int = 12,
    history: History | None = None,
    blocks: Collection[tuple[int, int]] = (),
    strategy: str = "auto",
) -> list[RoundResult]:
    """Run `rounds` consecutive rounds over the same members and return each round's result.

    `history` (optional) is what happened before the first simulated round; its blocks and `blocks` both hold.
    Every round's groups are added to the history of the next, exactly once, under the next round index."""
    options = options or MatchOptions()
    start = history or History()
    past: dict[int, list[tuple[int, ...]]] = {
        idx: [tuple(g) for g in groups] for idx, groups in start.rounds.items() if idx < start.current_round
    }
    blocked = [*start.blocked, *blocks]
    current = start.current_round
    horizon = max(options.history_horizon, options.exclude_rounds)
    priority: set[int] = set()
    results: list[RoundResult] = []
    for _ in range(rounds):
        window = {idx: groups for idx, groups in past.items() if current - idx <= horizon}
        hist = History(current_round=current, rounds=window, blocked=blocked)
        result = run_strategy(strategy, members, hist, options, priority)
        results.append(result)
        past[current] = [g.members for g in result.groups]
        planned = max(2, options.group_size)
        priority = {m for g in result.groups if len(g.members) != planned for m in g.members}
        priority |= {u.member for u in result.unplaced}
        current += 1
    return results


def repeat_share(results: Sequence[RoundResult], history: History | None = None) -> float:
    """Share of all meetings (two people in the same group) in `results` that two people had already had:
    in an earlier round of `results` or in `history` (any round of it, however long ago). 0.0 when nobody met."""
    seen: set[tuple[int, int]] = set()
    if history is not None:
        for idx, groups in history.rounds.items():
            if idx < history.current_round:
                for g in groups:
                    seen.update(_pairs(g))
    meetings = repeats = 0
    for result in results:
        now = [p for g in result.groups for p in _pairs(g.members)]
        meetings += len(now)
        repeats += sum(p in seen for p in now)
        seen.update(now)
    return repeats / meetings if meetings else 0.0


def left_out_max(results: Sequence[RoundResult]) -> int:
    """The most members any one round left out (0 when every round placed everyone)."""
    return max((len(r.unplaced) for r in results), default=0)


def thin_thin_share(results: Sequence[RoundResult], thin: Collection[int]) -> float:
    """Over all rounds, the share of thin members' placements (a thin member in a group) where every fellow
    group member is thin too. 0.0 when no thin member was placed."""
    thin = set(thin)
    placed = alone = 0
    for result in results:
        for g in result.groups:
            for m in g.members:
                if m in thin:
                    placed += 1
                    alone += all(x in thin for x in g.members)
    return alone / placed if placed else 0.0


__all__ = ["left_out_max", "repeat_share", "simulate_rounds", "thin_thin_share"]
