"""A round plan: the pairing (or grouping) plus, for every group, the one-line reason and two conversation starters.

This is what the cog persists and turns into intros, and what the benchmark times end to end.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from .explain import Part, explain_group, explain_pair
from .groups import group_round
from .model import History, MatchOptions, Member, RoundResult
from .rounds import pair_round
from .score import ScoringContext, member_facts, pair_features
from .starters import conversation_starters, pair_starters, starter_keys


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
    with collector_paused():
        if strategy is not None:
            from .strategies import run_strategy

            result = run_strategy(strategy, members, history, options, priority)
        elif options.group_size > 2:
            result = group_round(members, history, options, priority, dense=dense)
        else:
            result = pair_round(members, history, options, priority, dense=dense)
        index = {m.id: m for m in members}
        groups = [[index[i] for i in g.members] for g in result.groups]
        contents = intro_contents(groups, ScoringContext(history, options))
        intros = tuple(IntroPlan(g.members, g.score, reason, starters)
                       for g, (reason, starters) in zip(result.groups, contents, strict=True))
    return RoundPlan(result, intros)


def intro_contents(
    groups: Sequence[Sequence[Member]], ctx: ScoringContext
) -> list[tuple[tuple[Part, ...], tuple[Part, ...]]]:
    """(reason, starters) of every group, exactly as `explain_group` and `conversation_starters` give them.
    Pairs, a round's bulk, take a shortcut: each member's facets are normalised once and shared by the
    reason and the starters (a round of 100,000 has 50,000 intros)."""
    with collector_paused():
        return _intro_contents(groups, ctx)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a round is formed and its intros built. A round allocates
    hundreds of thousands of small lists, tuples and dicts (history pairs, groups, intro parts) without a
    single cycle, yet every few hundred new objects started a collection, and every tenth of those walked
    the whole heap again (100,000 members, their facets): in a round of 100,000 that took longer than
    building the intros. Restored afterwards (and only if it was on); the next collection finds the
    little cyclic garbage other threads made meanwhile."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _intro_contents(
    groups: Sequence[Sequence[Member]], ctx: ScoringContext
) -> list[tuple[tuple[Part, ...], tuple[Part, ...]]]:
    rng = random.Random()
    out: list[tuple[tuple[Part, ...], tuple[Part, ...]]] = []
    for people in groups:
        if len(people) != 2:
            out.append((tuple(explain_group(people, ctx)), tuple(conversation_starters(people))))
            continue
        a, b = people
        fa, fb = member_facts(a, ctx), member_facts(b, ctx)
        f = pair_features(a, b, fa, fb, ctx, history=False)
        ka, kb = starter_keys(a, fa.topics, fa.wants), starter_keys(b, fb.topics, fb.wants)
        out.append((tuple(explain_pair(a, b, f, ctx.options)), tuple(pair_starters(a, b, ka, kb, rng))))
    return out
