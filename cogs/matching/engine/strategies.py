"""The engine's strategies by name, so that callers (the round, `match-roster --strategy`, the benchmark) can
list them, force one, and compare each against the exact optimum.

A strategy is a plain function `(members, history, options, priority) -> RoundResult` that honours
`options.group_size`. `auto` picks by round size and group size; the others are what it picks between.
Every strategy keeps every hard rule; they differ only in how they search.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from .exact import exact_round
from .groups import group_round
from .model import History, MatchOptions, Member, RoundResult

Run = Callable[[Sequence[Member], History, MatchOptions, Collection[int]], RoundResult]


@dataclass(frozen=True, slots=True)
class Strategy:
    """One way to form a round. `max_members` is the largest round it is meant for (None: any size)."""

    name: str
    description: str
    run: Run
    max_members: int | None = None


def _engine(dense: bool | None) -> Run:
    """The engine's own round with the pair scores computed densely (True), from the facet index (False) or
    as the round size decides (None); `group_round` hands pair rounds to `pair_round` itself."""

    def run(
        members: Sequence[Member], history: History, options: MatchOptions, priority: Collection[int]
    ) -> RoundResult:
        return group_round(members, history, options, priority, dense=dense)

    return run


def _exact(
    members: Sequence[Member], history: History, options: MatchOptions, priority: Collection[int]
) -> RoundResult:
    if options.group_size > 2:
        from .group_exact import milp_optimum

        return milp_optimum(members, history, options, priority)
    return exact_round(members, history, options, priority)


class StrategyError(ValueError):
    """An unknown strategy, or one that cannot form this round."""


STRATEGIES: dict[str, Strategy] = {
    s.name: s
    for s in (
        Strategy("auto", "picks by round size: dense below options.dense_threshold, sparse above", _engine(None)),
        Strategy("dense", "scores every pair; assignment relaxation and local search", _engine(True), 20_000),
        Strategy("sparse", "never a full matrix: LP with pricing up to 3,000 members, facet-index greedy above; local "
                           "search and augmenting paths (large rounds)", _engine(False)),
        Strategy("exact", "networkx blossom on every pair; groups of 3 or 4: the HiGHS partition (up to about "
                          "24 members); slow, a reference", _exact, 400),
    )
}


def run_strategy(
    name: str, members: Sequence[Member], history: History | None = None, options: MatchOptions | None = None,
    priority: Collection[int] = (),
) -> RoundResult:
    """Form the round with the named strategy (`StrategyError` for an unknown name)."""
    strategy = STRATEGIES.get(name)
    if strategy is None:
        raise StrategyError(f"unknown strategy {name!r} (known: {', '.join(STRATEGIES)})")
    return strategy.run(members, history or History(), options or MatchOptions(), priority)


__all__ = ["STRATEGIES", "Strategy", "StrategyError", "run_strategy"]
