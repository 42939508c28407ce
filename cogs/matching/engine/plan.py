"""A round plan: the pairing (or grouping) plus, for every group, the one-line reason and two conversation starters.

This is what the cog persists and turns into intros, and what the benchmark times end to end.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from .explain import Part, explain_group
from .groups import group_round
from .model import History, MatchOptions, Member, RoundResult
from .rounds import pair_round
from .score import ScoringContext
from .starters import conversation_starters


@dataclass(frozen=True, slots=True)
class IntroPlan:
    """One group's intro content, still as structured parts (translated when sent)."""

    members: tuple[int, ...]
    score: float
    reason: tuple[Part, ...]
    starters: tuple[Part, ...]


@dataclass(frozen=True)
class RoundPlan:
    result: RoundResult
    intros: tuple[IntroPlan, ...]


def plan_round(
    members: Sequence[Member],
    history: History | None = None,
    options: MatchOptions | None = None,
    priority: Collection[int] = (),
    *,
    dense: bool | None = None,
    strategy: str | None = None,
) -> RoundPlan:
    """Match the round (pairs, or groups of `options.group_size`) and prepare every intro's reason and
    starters. `strategy` forces one of `strategies.STRATEGIES` by name."""
    history = history or History()
    options = options or MatchOptions()
    if strategy is not None:
        from .strategies import run_strategy

        result = run_strategy(strategy, members, history, options, priority)
    elif options.group_size > 2:
        result = group_round(members, history, options, priority, dense=dense)
    else:
        result = pair_round(members, history, options, priority, dense=dense)
    ctx = ScoringContext(history, options)
    index = {m.id: m for m in members}
    intros = []
    for g in result.groups:
        people = [index[i] for i in g.members]
        intros.append(
            IntroPlan(g.members, g.score, tuple(explain_group(people, ctx)), tuple(conversation_starters(people)))
        )
    return RoundPlan(result, tuple(intros))
