"""Each community's rounds learn what makes its pairs meet: the cog's side of `engine/learning.py`.

- When a round intro is made, the pair's learning components are stored with it (`intro_components`), so that
  an answer is learned from the people as they were when they were introduced, not as they are later.
- Once per round, before it is planned, the answers that arrived since the last step are taken in
  (`Learner.step`): a bounded change of the community's belief, stored together with the marks on the answers it
  took in, so that a retried round or a second process never takes an answer in twice.
- The round is planned with the learned weights and a small share of exploring pairings (`Learner.options`);
  with `matching.learning = off` the engine gets exactly the default options (the belief is kept, not used).
- /privacy forget deletes a member's answers; `Learner.rebuild` then replays the remaining answers step by step,
  so that the belief no longer depends on the forgotten ones.

Only round intros are learned from: intros on request and mentorships are chosen by people, not by the rounds.
Each member's final answer ("yes, we met" or "it didn't happen") counts as half an observation of the pair, so a
pair both of whom answered counts once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from itertools import combinations

from cogs.matching.engine import History, MatchOptions, Member, RoundPlan, ScoringContext, Weights, features
from cogs.matching.engine.learning import (
    COMPONENTS,
    Belief,
    Outcome,
    belief_from_outcomes,
    learned_options,
    pair_components,
    prior_belief,
    update_belief,
)
from cogs.matching.store.learning import LearningRepo, LearningRow, OutcomeRow
from core.services import Services
from core.settings import CommunityConfig

log = logging.getLogger(__name__)

DEFAULTS = Weights()
"""The weights every community starts from (and falls back to): the engine's defaults."""
ANSWER_WEIGHT = 0.5
REBUILD_ATTEMPTS = 5


def intro_components(plan: RoundPlan, members: Mapping[int, Member], history: History,
                     options: MatchOptions) -> list[dict[str, float] | None]:
    """Each intro's learning components, {name: value}: the pair's, or for a group the mean over its pairs.
    Pure and CPU-bound (run it off the event loop)."""
    ctx = ScoringContext(history, options)
    out: list[dict[str, float] | None] = []
    for intro in plan.intros:
        people = [members[m] for m in intro.members if m in members]
        pairs = list(combinations(people, 2))
        if not pairs:
            out.append(None)
            continue
        sums = [0.0] * len(COMPONENTS)
        for a, b in pairs:
            # no history look-up: meeting before is the repeat penalty, not a component (and costs a second)
            for k, value in enumerate(pair_components(features(a, b, ctx, history=False), options)):
                sums[k] += float(value)
        out.append({name: round(sums[k] / len(pairs), 6) for k, name in enumerate(COMPONENTS)})
    return out


def to_outcomes(rows: Sequence[OutcomeRow]) -> list[Outcome]:
    """Stored answers as the engine's outcomes (a component an older intro lacks counts as 0)."""
    return [Outcome(tuple(r.components.get(name, 0.0) for name in COMPONENTS), r.met, ANSWER_WEIGHT) for r in rows]


def by_step(rows: Sequence[OutcomeRow]) -> list[list[Outcome]]:
    """Learned answers grouped by the step that took them in, oldest first (what a rebuild replays)."""
    steps: dict[int, list[OutcomeRow]] = {}
    for r in rows:
        steps.setdefault(r.learned_in or 0, []).append(r)
    return [to_outcomes(steps[k]) for k in sorted(steps)]


def _belief(row: LearningRow | None) -> Belief | None:
    if row is None:
        return None
    try:
        return Belief.from_json(row.belief)
    except (KeyError, TypeError, ValueError):
        log.warning("the learned belief of community %s is unreadable; the defaults are used", row.community_id)
        return None


class Learner:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.repo = LearningRepo(services.store)

    async def belief(self, community_id: int) -> Belief | None:
        """The community's belief, None before its first learning step."""
        return _belief(await self.repo.row(community_id))

    async def options(self, community_id: int, cfg: CommunityConfig, options: MatchOptions) -> MatchOptions:
        """The options a round plans with: learned weights plus exploration, or `options` itself when the
        community switched learning off."""
        if not cfg.matching.learning:
            return options
        belief = await self.belief(community_id) or prior_belief(DEFAULTS)
        return learned_options(options, belief, explore_share=cfg.matching.explore_share, seed=options.seed)

    async def step(self, community_id: int, round_id: int, cfg: CommunityConfig) -> bool:
        """Take in the answers that arrived since the last step (once per round, before it is planned); True
        when the belief changed. A retried round (or an older round finishing after a newer one) changes
        nothing; a step that loses against another process's is dropped, its answers wait for the next round."""
        if not cfg.matching.learning:
            return False
        before = await self.repo.row(community_id)
        if before is not None and before.updated_round >= round_id:
            return False
        new = await self.repo.new_outcomes(community_id)
        if not new:
            return False
        belief = _belief(before) or prior_belief(DEFAULTS)
        updated = await asyncio.to_thread(update_belief, belief, to_outcomes(new), DEFAULTS)
        saved = await self.repo.save_step(community_id, before, updated.to_json(), round_id, new,
                                          self.services.clock())
        if saved:
            log.info("community %s learned from %d answers (round %s)", community_id, len(new), round_id)
        return saved

    async def rebuild(self, community_id: int) -> None:
        """Replay the answers still there, step by step (after /privacy forget deleted some)."""
        for _attempt in range(REBUILD_ATTEMPTS):
            before = await self.repo.row(community_id)
            if before is None:
                return
            steps = by_step(await self.repo.learned_outcomes(community_id))
            belief = await asyncio.to_thread(belief_from_outcomes, steps, DEFAULTS)
            if await self.repo.save_rebuild(before, belief.to_json(), self.services.clock()):
                return
        raise RuntimeError(f"the belief of community {community_id} kept changing while it was rebuilt")
