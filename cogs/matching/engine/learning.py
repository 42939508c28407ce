"""Matching that learns what works in one community: a Bayesian logistic model of "did they meet?".

Each pair's score adds weighted components (shared topics, offers <-> wants, role, team, time-zone overlap,
language, newcomer <-> regular, activity; `score.score`). Here the same components predict whether two people
met, on the log-odds scale:

    logit P(met) = intercept + LOGIT_PER_POINT * sum_k weight_k * component_k

so a learned weight is directly a pair-score weight (in score points) and the prior is the defaults themselves:
weight_k ~ Normal(default_k, PRIOR_SD^2), intercept ~ Normal(0, INTERCEPT_SD^2). After each round the check-in
outcomes update that belief with a Laplace approximation (SciPy finds the most probable weights, the inverse
Hessian there is the covariance), which gives what the rest needs directly: shrinkage toward the defaults
while data is scarce (the prior dominates a few outcomes), credible intervals for insights, and Thompson
samples for exploration.

Two numbers are kept per weight: the posterior `mean` (what the data say) and `weights`, what rounds use,
which follow the mean by at most `max_step` score points per update, so one odd week never swings matching.
Base, the repeat penalty, the floor, the caps and every hard rule (blocks, required language, no repeat within
K rounds) are not components and are never learned. Exploration (`learned_options`): a share of each round's
intros is scored with one Thompson draw from the posterior instead (`MatchOptions.explore_weights`, for the
pairs of members picked by `explore.is_explored`), once the belief has seen outcomes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

from .model import MatchOptions, Member, Weights
from .score import PairFeatures, ScoringContext, features, score_ceiling

# Learnable components, in a stable order, and the `Weights` field each one sets.
COMPONENTS: tuple[str, ...] = (
    "topics", "complement", "role", "cross_team", "timezone", "language", "newcomer", "activity",
)
FIELDS: dict[str, str] = {
    "topics": "topic", "complement": "complement", "role": "role", "cross_team": "cross_team",
    "timezone": "timezone", "language": "language", "newcomer": "newcomer", "activity": "activity",
}
VERSION = 1
LOGIT_PER_POINT = 0.5  # one score point is worth this much log-odds of meeting
PRIOR_SD = 1.0  # score points: how far the data must pull a weight before it moves by one point
INTERCEPT_SD = 2.0  # log-odds: the base meeting rate is learned freely
MAX_STEP = 0.5  # score points a weight that rounds use may move per update
WEIGHT_RANGE = (-0.5, 6.0)  # learned weights rounds use stay in this range (a slightly negative weight is sane)
MIN_SAMPLES = 20  # outcomes where a component was present before an insight can be confident
Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Outcome:
    """One pair's check-in answer. `components` are `pair_components` of the pair when it was formed; `met` is
    whether they met. `weight` (>= 0, finite) scales how much the answer counts: 1.0 for a clear answer, less
    for a weaker signal (say 0.5 when only one of the two answered), 0 to ignore it; `group_outcomes` gives
    each pair of a group of n people 1/(n-1), so a group counts as much as the n/2 pairs its people would
    have formed. Unanswered check-ins are no outcome at all."""

    components: tuple[float, ...]
    met: bool
    weight: float = 1.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.weight) and self.weight >= 0):
            raise ValueError(f"outcome weight must be finite and >= 0, got {self.weight!r}")


@dataclass(frozen=True)
class Belief:
    """A community's posterior over the component weights (JSON-safe through `to_json` / `from_json`).

    `mean` (score points, in `components` order) and `intercept` (log-odds) are the posterior means;
    `covariance` is over (intercept, *mean). `weights` are what rounds use (`learned_weights`): they follow
    `mean` by at most `max_step` per update. `observations` and `met` count outcomes (weighted), `support`
    counts per component the outcomes where it was present, `rounds` the updates that had outcomes."""

    components: tuple[str, ...]
    mean: tuple[float, ...]
    intercept: float
    covariance: tuple[tuple[float, ...], ...]
    weights: tuple[float, ...]
    support: tuple[float, ...]
    observations: float = 0.0
    met: float = 0.0
    rounds: int = 0
    version: int = field(default=VERSION)

    @property
    def meet_rate(self) -> float | None:
        """Share of outcomes that met (None before any)."""
        return self.met / self.observations if self.observations > 0 else None

    def to_json(self) -> dict[str, Any]:
        """A plain dict of floats, ints and lists (store it as JSON)."""
        return {
            "version": VERSION,
            "components": list(self.components),
            "mean": [float(x) for x in self.mean],
            "intercept": float(self.intercept),
            "covariance": [[float(x) for x in row] for row in self.covariance],
            "weights": [float(x) for x in self.weights],
            "support": [float(x) for x in self.support],
            "observations": float(self.observations),
            "met": float(self.met),
            "rounds": int(self.rounds),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], defaults: Weights | None = None) -> Belief:
        """Read `to_json` output, also from other versions: components this version does not know are dropped
        (with their rows of the covariance, which is exact for a Gaussian), components it knows but the data
        lack start from the prior of `defaults` (uncorrelated). `ValueError` when the data are malformed."""
        prior = prior_belief(defaults or Weights())
        try:
            names = [str(x) for x in data["components"]]
            k = len(names)
            mean = [float(x) for x in data["mean"]]
            used = [float(x) for x in data.get("weights", mean)]
            support = [float(x) for x in data.get("support", [0.0] * k)]
            cov = np.array(data["covariance"], dtype=np.float64)
            intercept = float(data["intercept"])
            observations = float(data.get("observations", 0.0))
            met = float(data.get("met", 0.0))
            rounds = int(data.get("rounds", 0))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a learning belief: {exc}") from None
        if len(set(names)) != k or not (len(mean) == len(used) == len(support) == k) or cov.shape != (k + 1, k + 1):
            raise ValueError("not a learning belief: lists of different lengths")
        values = np.array([*mean, *used, *support, intercept, observations, met], dtype=np.float64)
        if not (np.isfinite(values).all() and np.isfinite(cov).all()):
            raise ValueError("not a learning belief: a value is not a finite number")
        try:
            np.linalg.cholesky((cov + cov.T) / 2)
        except np.linalg.LinAlgError:
            raise ValueError("not a learning belief: the covariance is not positive definite") from None
        where = {name: i for i, name in enumerate(names)}
        out_cov = np.array(prior.covariance, dtype=np.float64)
        # Index 0 is the intercept in both; known components keep their (co)variances.
        src = [0] + [where[c] + 1 if c in where else -1 for c in COMPONENTS]
        for a, sa in enumerate(src):
            for b, sb in enumerate(src):
                if sa >= 0 and sb >= 0:
                    out_cov[a, b] = cov[sa, sb]
        out_cov = (out_cov + out_cov.T) / 2

        def pick(values: list[float], fallback: tuple[float, ...]) -> tuple[float, ...]:
            return tuple(values[where[c]] if c in where else fallback[i] for i, c in enumerate(COMPONENTS))

        return cls(
            components=COMPONENTS,
            mean=pick(mean, prior.mean),
            intercept=intercept,
            covariance=_tuples(out_cov),
            weights=pick(used, prior.weights),
            support=pick(support, prior.support),
            observations=max(0.0, observations),
            met=max(0.0, met),
            rounds=max(0, rounds),
        )


@dataclass(frozen=True, slots=True)
class Insight:
    """What one component says about meeting in this community. `effect` is the odds ratio of meeting per unit
    of the component (per shared topic, per skill offered and wanted, same role, different teams, a full
    waking day in common, a common language, newcomer with regular, a full activity gap), `low`..`high` its
    95% credible interval, `weight` the posterior mean in score points, `samples` the outcomes where the
    component was present. `confident`: the interval excludes 1 (no effect) and `samples` >= MIN_SAMPLES."""

    component: str
    effect: float
    low: float
    high: float
    weight: float
    samples: int
    confident: bool
    used: float = 0.0  # the weight rounds use now (`Belief.weights`), which follows `weight` a bounded step a round


def _tuples(matrix: np.ndarray) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(float(x) for x in row) for row in matrix)


def default_vector(defaults: Weights) -> tuple[float, ...]:
    """The defaults' weight for each component, in `COMPONENTS` order."""
    return tuple(float(getattr(defaults, FIELDS[c])) for c in COMPONENTS)


def pair_components(f: PairFeatures, options: MatchOptions) -> tuple[float, ...]:
    """Each component's unweighted value for one pair, as `score.score` multiplies it by its weight (in
    `COMPONENTS` order). `cross_team` and `activity` are given even when the options leave them out of the
    score (prefer_cross_team off, use_activity off): the model can still learn whether they predict meeting."""
    w = options.weights
    fa, fb = f.fullness
    return (
        float(min(len(f.shared_topics), w.topic_cap)),
        float(min(len(f.a_gives_b), w.complement_cap) + min(len(f.b_gives_a), w.complement_cap)),
        1.0 if f.same_role is not None else 0.0,
        1.0 if f.teams is not None else 0.0,
        f.overlap_minutes / options.window_minutes,
        1.0 if f.common_languages else 0.0,
        (1.0 - fa) * fb + (1.0 - fb) * fa,
        float(f.activity_gap),
    )


def group_outcomes(group: Sequence[Member], met: bool, ctx: ScoringContext, *, weight: float = 1.0) -> list[Outcome]:
    """The outcomes of one intro group: every pair inside it, components as of `ctx` (the round's options and
    date), each with `weight / (len(group) - 1)`."""
    if len(group) < 2:
        return []
    share = weight / (len(group) - 1)
    return [
        Outcome(pair_components(features(a, b, ctx, history=False), ctx.options), bool(met), share)
        for a, b in combinations(group, 2)
    ]


def prior_belief(defaults: Weights) -> Belief:
    """The belief before any outcome: the defaults, each give or take PRIOR_SD score points."""
    k = len(COMPONENTS)
    cov = np.diag([INTERCEPT_SD**2] + [PRIOR_SD**2] * k)
    d = default_vector(defaults)
    return Belief(components=COMPONENTS, mean=d, intercept=0.0, covariance=_tuples(cov), weights=d,
                  support=(0.0,) * k)


def _posterior(
    mean0: np.ndarray, cov0: np.ndarray, x: np.ndarray, y: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Laplace approximation of prior N(mean0, cov0) times the weighted logistic likelihood; parameters are
    (intercept, *weights), the design is [1, LOGIT_PER_POINT * x]."""
    z = np.hstack([np.ones((len(x), 1)), LOGIT_PER_POINT * x])
    prec0 = np.linalg.inv(cov0)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        eta = z @ theta
        d = theta - mean0
        nll = float(np.sum(w * (np.logaddexp(0.0, eta) - y * eta)))
        p = expit(eta)
        return 0.5 * float(d @ prec0 @ d) + nll, prec0 @ d + z.T @ (w * (p - y))

    def hessian(theta: np.ndarray) -> np.ndarray:
        p = expit(z @ theta)
        return prec0 + (z.T * (w * p * (1.0 - p))) @ z

    found = minimize(objective, mean0, jac=True, hess=hessian, method="trust-exact")
    theta = np.asarray(found.x, dtype=np.float64)
    cov = np.linalg.inv(hessian(theta))
    return theta, (cov + cov.T) / 2


def update_belief(
    belief: Belief, outcomes: Sequence[Outcome], defaults: Weights, *, max_step: float = MAX_STEP
) -> Belief:
    """The belief after one round's outcomes. The posterior (`mean`, `covariance`) is the Bayesian update of
    the previous one, so few outcomes move it little from where it was (at first, the defaults) and many move
    it more; the weights rounds use (`weights`) then move toward the new mean by at most `max_step` score
    points each, and stay within WEIGHT_RANGE. No outcomes (or all of weight 0): the belief unchanged.
    `defaults` fills components the belief lacks (a belief read from an older version)."""
    if belief.components != COMPONENTS:
        belief = Belief.from_json(belief.to_json(), defaults)
    k = len(COMPONENTS)
    rows = [o for o in outcomes if o.weight > 0]
    if not rows:
        return belief
    if any(len(o.components) != k for o in rows):
        raise ValueError(f"each outcome needs {k} components ({', '.join(COMPONENTS)})")
    x = np.array([o.components for o in rows], dtype=np.float64)
    if not np.isfinite(x).all():
        raise ValueError("outcome components must be finite numbers")
    y = np.array([o.met for o in rows], dtype=np.float64)
    w = np.array([o.weight for o in rows], dtype=np.float64)
    mean0 = np.array([belief.intercept, *belief.mean], dtype=np.float64)
    theta, cov = _posterior(mean0, np.array(belief.covariance, dtype=np.float64), x, y, w)
    step = max(0.0, float(max_step))
    used = np.array(belief.weights, dtype=np.float64)
    used = used + np.clip(theta[1:] - used, -step, step)
    used = np.clip(used, *WEIGHT_RANGE)
    present = (np.abs(x) > 1e-12) * w[:, None]
    return Belief(
        components=COMPONENTS,
        mean=tuple(float(v) for v in theta[1:]),
        intercept=float(theta[0]),
        covariance=_tuples(cov),
        weights=tuple(float(v) for v in used),
        support=tuple(float(s) for s in np.array(belief.support) + present.sum(axis=0)),
        observations=belief.observations + float(w.sum()),
        met=belief.met + float((w * y).sum()),
        rounds=belief.rounds + 1,
    )


def belief_from_outcomes(
    outcomes_by_round: Sequence[Sequence[Outcome]], defaults: Weights, *, max_step: float = MAX_STEP
) -> Belief:
    """The belief from the prior and each round's outcomes, oldest round first. A pure function of what it is
    given: after someone asks to be forgotten, rebuilding from the remaining outcomes leaves no trace of theirs."""
    belief = prior_belief(defaults)
    for outcomes in outcomes_by_round:
        belief = update_belief(belief, outcomes, defaults, max_step=max_step)
    return belief


def _as_weights(values: Sequence[float], defaults: Weights) -> Weights:
    low, high = WEIGHT_RANGE
    pairs = zip(COMPONENTS, values, strict=True)
    changes: dict[str, Any] = {FIELDS[c]: min(high, max(low, float(v))) for c, v in pairs}
    return replace(defaults, **changes)


def learned_weights(belief: Belief, defaults: Weights) -> Weights:
    """The weights a round uses: `defaults` with each component's weight replaced by the learned one. Base, the
    repeat penalty, the floor and the caps stay the defaults'. A belief without any update gives `defaults`."""
    if belief.rounds == 0:
        return defaults
    if belief.components != COMPONENTS:
        belief = Belief.from_json(belief.to_json(), defaults)
    return _as_weights(belief.weights, defaults)


def thompson_weights(belief: Belief, defaults: Weights, seed: int) -> Weights:
    """One draw of the component weights from the posterior (deterministic for a seed), as `Weights`."""
    if belief.components != COMPONENTS:
        belief = Belief.from_json(belief.to_json(), defaults)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed) % (1 << 64), 0x1EA2]))
    cov = np.array(belief.covariance, dtype=np.float64)[1:, 1:]
    mean = np.array(belief.mean, dtype=np.float64)
    try:
        draw = rng.multivariate_normal(mean, cov, method="cholesky")
    except np.linalg.LinAlgError:  # numerically not positive definite: the eigen-decomposition copes
        draw = rng.multivariate_normal(mean, cov, method="eigh")
    return _as_weights(draw.tolist(), defaults)


def learned_options(
    options: MatchOptions, belief: Belief | None, *, explore_share: float = 0.1, seed: int = 0
) -> MatchOptions:
    """The options a round runs with. `belief` None (learning off) returns `options` itself. Otherwise the
    learned weights (`learned_weights` over `options.weights`) and exploration: about `explore_share` (0..1) of
    the round's intros explore, i.e. members chosen by a hash of (seed, id) at the rate `explore_members_for`
    (so that about that share of pairs includes one) have their pairs scored with a Thompson sample from the
    belief, so that matching also tries what the model is unsure about. Deterministic for a seed. Only feature
    weights change: blocks, the required language and the no-repeat window hold for every pair.

    A belief without any outcome yet explores nothing: a draw from the prior alone would only be noise around
    the defaults, so switching learning on changes nothing until the first check-ins have been answered."""
    if belief is None:
        return options
    share = min(1.0, max(0.0, float(explore_share)))
    learned = replace(options, weights=learned_weights(belief, options.weights),
                      explore_weights=None, explore_members=0.0, explore_seed=0)
    if share <= 0 or belief.rounds == 0:
        return learned
    sample = _same_scale(thompson_weights(belief, options.weights, seed), learned)
    return replace(learned, explore_weights=sample, explore_members=explore_members_for(share), explore_seed=seed)


def explore_members_for(share: float) -> float:
    """The share of members to explore so that about `share` of the pairs include one: a pair escapes only when
    both its members do, (1 - m)^2 = 1 - share."""
    share = min(1.0, max(0.0, share))
    return 1.0 - math.sqrt(1.0 - share)


def _same_scale(sample: Weights, options: MatchOptions) -> Weights:
    """The sampled component weights scaled so that their best possible pair scores as high as with the round's
    weights: an explored member's pairs compete with the others on the same scale, so exploring changes whom
    they meet, not whether the round favours them."""
    target, got = score_ceiling(options), score_ceiling(options, sample)
    base = sample.base
    factor = (target - base) / (got - base) if got - base > 1e-9 and target > base else 1.0
    unused = {"cross_team"} if not options.prefer_cross_team else set()
    unused |= {"activity"} if not options.use_activity else set()
    pairs = ((FIELDS[c], getattr(sample, FIELDS[c]) * (1.0 if c in unused else factor)) for c in COMPONENTS)
    low, high = WEIGHT_RANGE
    return replace(sample, **{name: min(high, max(low, v)) for name, v in pairs})


def predicted_meet_rate(belief: Belief, components: Sequence[float]) -> float:
    """The posterior-mean probability that a pair with these components meets."""
    eta = belief.intercept + LOGIT_PER_POINT * float(np.dot(belief.mean, components))
    return float(expit(eta))


def insights(belief: Belief) -> list[Insight]:
    """Per component, how it changes the odds of meeting, with its 95% credible interval; confident ones
    first, each group strongest (furthest from no effect) first."""
    if belief.components != COMPONENTS:
        belief = Belief.from_json(belief.to_json())
    var = np.diag(np.array(belief.covariance, dtype=np.float64))[1:]
    out = []
    for c, mean, v, n, used in zip(COMPONENTS, belief.mean, var, belief.support, belief.weights, strict=True):
        sd = math.sqrt(max(float(v), 0.0))
        lo, hi = LOGIT_PER_POINT * (mean - Z95 * sd), LOGIT_PER_POINT * (mean + Z95 * sd)
        samples = round(n)
        confident = samples >= MIN_SAMPLES and (lo > 0 or hi < 0)
        out.append(Insight(c, math.exp(LOGIT_PER_POINT * mean), math.exp(lo), math.exp(hi), mean, samples, confident,
                           used))
    out.sort(key=lambda i: (not i.confident, -abs(math.log(i.effect)), i.component))
    return out


__all__ = [
    "COMPONENTS",
    "Belief",
    "Insight",
    "Outcome",
    "belief_from_outcomes",
    "default_vector",
    "explore_members_for",
    "group_outcomes",
    "insights",
    "learned_options",
    "learned_weights",
    "pair_components",
    "predicted_meet_rate",
    "prior_belief",
    "thompson_weights",
    "update_belief",
]
