"""What each community's rounds learn from: answered check-ins of round intros, and the belief learned from them.

Outcomes are read here only as the learning needs them (an intro's stored components, whether its member said
they met) and as aggregates for moderators (`summary`): nothing here names a person to anyone else.

Every change of a belief is a compare-and-set on its `version`, made in the same transaction as the marks on
the answers it took in (`learned_in`): a round's learning step takes each answer in exactly once, even when two
processes plan two groups' rounds at the same moment or a round is retried after a crash, and a rebuild after
/privacy forget is never overwritten by a step computed from the belief before it (the step is then dropped,
and its answers are taken in by the next round).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cogs.matching.tables import matching_feedback, matching_intros, matching_learning
from core.ports import DataStore
from storage.engine import sql_store

_F = matching_feedback.c
_I = matching_intros.c
_L = matching_learning.c

FINAL = ("yes", "no")
"""Answers that say how an intro went ("not yet" says nothing yet)."""

CHUNK = 400


@dataclass(frozen=True, slots=True)
class LearningRow:
    community_id: int
    belief: dict[str, Any]
    updated_round: int
    version: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    """One member's final answer about one round intro, with the intro's components when it was made."""

    intro_id: int
    member_id: int
    met: bool
    components: dict[str, float]
    learned_in: int | None


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts over a community's round intros, never per person."""

    answered: int  # intros with at least one final answer
    met: int  # of those, intros where someone said they met
    again_asked: int  # answers to "would you meet again?"
    again_yes: int


class _Lost(Exception):
    """The belief changed under us (another step or a rebuild): nothing of this transaction is kept."""


def _outcome(r: sa.Row) -> OutcomeRow:
    raw = r.components if isinstance(r.components, dict) else {}
    comps = {str(k): float(v) for k, v in raw.items() if isinstance(v, int | float)}
    return OutcomeRow(r.intro_id, r.member_id, r.answer == "yes", comps, r.learned_in)


class LearningRepo:
    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)

    async def row(self, community_id: int) -> LearningRow | None:
        async with self.store.read() as conn:
            r = (await conn.execute(sa.select(matching_learning).where(_L.community_id == community_id))).first()
        if r is None:
            return None
        return LearningRow(r.community_id, dict(r.belief or {}), r.updated_round, r.version, r.updated_at)

    def _answers(self, community_id: int) -> sa.Select[Any]:
        return (sa.select(_F.intro_id, _F.member_id, _F.answer, _F.learned_in, _I.components)
                .select_from(matching_feedback.join(matching_intros, _I.id == _F.intro_id))
                .where(_I.community_id == community_id, _I.kind == "round", _I.components.is_not(None),
                       _F.answer.in_(FINAL))
                .order_by(_F.intro_id, _F.member_id))

    async def new_outcomes(self, community_id: int) -> list[OutcomeRow]:
        """Final answers no learning step has taken in yet."""
        async with self.store.read() as conn:
            return [_outcome(r) for r in await conn.execute(self._answers(community_id).where(
                _F.learned_in.is_(None)))]

    async def learned_outcomes(self, community_id: int) -> list[OutcomeRow]:
        """Final answers learning steps took in (what a rebuild replays, step by step)."""
        async with self.store.read() as conn:
            return [_outcome(r) for r in await conn.execute(self._answers(community_id).where(
                _F.learned_in.is_not(None)))]

    async def save_step(self, community_id: int, before: LearningRow | None, belief: dict[str, Any],
                        round_id: int, taken: Sequence[OutcomeRow], now: datetime) -> bool:
        """Store the belief a round's step made from `before` and mark the answers it took in; False (and
        nothing changed) when the belief or those answers changed meanwhile."""
        try:
            async with self.store.begin() as conn:
                if before is None:  # the first step: a second one at the same moment breaks the primary key
                    await conn.execute(matching_learning.insert().values(
                        community_id=community_id, belief=belief, updated_round=round_id, version=1,
                        updated_at=now))
                else:
                    res = await conn.execute(matching_learning.update().where(
                        _L.community_id == community_id, _L.version == before.version).values(
                        belief=belief, updated_round=round_id, version=before.version + 1, updated_at=now))
                    if res.rowcount != 1:
                        raise _Lost
                marked = 0
                for i in range(0, len(taken), CHUNK):
                    part = taken[i : i + CHUNK]
                    res = await conn.execute(matching_feedback.update().where(
                        sa.tuple_(_F.intro_id, _F.member_id).in_([(o.intro_id, o.member_id) for o in part]),
                        _F.learned_in.is_(None), _F.answer.in_(FINAL)).values(learned_in=round_id))
                    marked += int(res.rowcount or 0)
                if marked != len(taken):
                    raise _Lost
        except (_Lost, sa.exc.IntegrityError):
            return False
        return True

    async def save_rebuild(self, before: LearningRow, belief: dict[str, Any], now: datetime) -> bool:
        """Replace the belief with one rebuilt from the answers still there; False when it changed meanwhile."""
        async with self.store.begin() as conn:
            res = await conn.execute(matching_learning.update().where(
                _L.community_id == before.community_id, _L.version == before.version).values(
                belief=belief, version=before.version + 1, updated_at=now))
        return res.rowcount == 1

    async def summary(self, community_id: int) -> Summary:
        """How many round intros got a final answer, how many of them met, and the "meet again" answers."""
        rounds = (_I.community_id == community_id) & (_I.kind == "round")
        async with self.store.read() as conn:
            per_intro = (sa.select(_F.intro_id, sa.func.max(sa.case((_F.answer == "yes", 1), else_=0)).label("met"))
                         .select_from(matching_feedback.join(matching_intros, _I.id == _F.intro_id))
                         .where(rounds, _F.answer.in_(FINAL)).group_by(_F.intro_id).subquery())
            answered, met = (await conn.execute(sa.select(sa.func.count(), sa.func.coalesce(
                sa.func.sum(per_intro.c.met), 0)).select_from(per_intro))).one()
            asked, yes = (await conn.execute(
                sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(sa.case((_F.again.is_(True), 1), else_=0)), 0))
                .select_from(matching_feedback.join(matching_intros, _I.id == _F.intro_id))
                .where(rounds, _F.again.is_not(None)))).one()
        return Summary(int(answered), int(met), int(asked), int(yes))

    async def rate_first(self, intro_id: int, member_id: int, again: bool, now: datetime) -> bool:
        """Record "would you meet again?" when the member has not answered it yet; True when this is their first
        answer (the engagement log counts each intro's rating once, as first given)."""
        async with self.store.begin() as conn:
            res = await conn.execute(matching_feedback.update().where(
                _F.intro_id == intro_id, _F.member_id == member_id, _F.answer == "yes", _F.again.is_(None)).values(
                again=again, updated_at=now))
        return res.rowcount > 0

    async def set_again(self, intro_id: int, member_id: int, again: bool, now: datetime) -> bool:
        """Record "would you meet again?" on the member's "we met" answer; False when there is none."""
        async with self.store.begin() as conn:
            res = await conn.execute(matching_feedback.update().where(
                _F.intro_id == intro_id, _F.member_id == member_id, _F.answer == "yes").values(
                again=again, updated_at=now))
        return res.rowcount > 0
