"""Scoring one pair, feature by feature.

This is the readable reference: explanations are built from these features, the violation check uses
`feasible`, and the vectorised scorer in `vector.py` must agree with `score` (a test holds them together).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import NamedTuple

from .facets import languages_of, norm, norm_set
from .model import History, MatchOptions, Member, Weights
from .timezones import overlap_minutes, valid_zone


@dataclass(frozen=True, slots=True)
class PairFeatures:
    """Everything about a pair that scoring and explaining look at. Facet lists hold display forms."""

    shared_topics: tuple[str, ...]
    a_gives_b: tuple[str, ...]  # skills a offers that b wants
    b_gives_a: tuple[str, ...]
    overlap_minutes: int
    common_languages: tuple[str, ...]
    same_role: str | None
    teams: tuple[str, str] | None  # both teams when they differ
    activity_gap: float  # |activity a - activity b|, 0 when unknown
    rounds_ago: int | None  # rounds since they last met, None if never (within the horizon)
    blocked: bool
    met_rounds_ago: tuple[int, ...] = ()  # rounds since each meeting within the horizon, most recent first
    fullness: tuple[float, float] = (1.0, 1.0)  # how complete each profile is, 0 (empty) to 1 (`profile_full`)


def reference_date(options: MatchOptions) -> date:
    """The date waking windows are computed for; today (UTC) only when the caller gave none."""
    return options.reference_date or datetime.now(UTC).date()


class ScoringContext:
    """History and options prepared once for many scalar look-ups."""

    def __init__(self, history: History, options: MatchOptions) -> None:
        self.options = options
        self.history = history
        self.ref = reference_date(options)
        self._meetings: dict[tuple[int, int], tuple[int, ...]] | None = None
        self.blocked = history.blocked_pairs()

    @property
    def meetings(self) -> dict[tuple[int, int], tuple[int, ...]]:
        """Built on first use: explanations never need it, audits and suggestions do."""
        if self._meetings is None:
            self._meetings = self.history.meetings()
        return self._meetings

    def zone(self, m: Member) -> str:
        return valid_zone(m.timezone, self.options.default_timezone)

    @property
    def last_met(self) -> dict[tuple[int, int], int]:
        """Most recent round index in which each unordered pair (low id first) met."""
        return {pair: rounds[0] for pair, rounds in self.meetings.items()}

    def met_rounds_ago(self, a: int, b: int) -> tuple[int, ...]:
        """Rounds since each meeting of a and b within the horizon, most recent first."""
        horizon = max(self.options.history_horizon, self.options.exclude_rounds)
        now = self.history.current_round
        return tuple(now - r for r in self.meetings.get((min(a, b), max(a, b)), ()) if now - r <= horizon)

    def rounds_ago(self, a: int, b: int) -> int | None:
        """Rounds since a and b last met, None if never (within the horizon)."""
        agos = self.met_rounds_ago(a, b)
        return agos[0] if agos else None

    def is_blocked(self, a: int, b: int) -> bool:
        return (min(a, b), max(a, b)) in self.blocked


def _unit(x: float | None) -> float:
    return min(1.0, max(0.0, x or 0.0))


def fullness(m: Member, options: MatchOptions) -> float:
    """How complete a profile is: distinct topics, offers and wants together, against `profile_full`."""
    full = options.weights.profile_full
    if full <= 0:
        return 1.0
    count = len(norm_set(m.topics)) + len(norm_set(m.offers)) + len(norm_set(m.wants))
    return min(count, full) / full


def score_ceiling(options: MatchOptions, weights: Weights | None = None) -> float:
    """The highest score a pair can reach with these weights (`options.weights` unless given; every feature at
    its best). The repeat penalty is measured in this unit, so that it outweighs whatever a repeat has in common."""
    w = weights or options.weights
    parts = [
        w.base,
        w.topic * w.topic_cap,
        w.role,
        w.complement * 2 * w.complement_cap,
        w.timezone,
        w.language,
        w.cross_team if options.prefer_cross_team else 0.0,
        w.activity if options.use_activity else 0.0,
        w.newcomer,
    ]
    return max(sum(max(0.0, p) for p in parts), 1e-6)


def repeat_pressure(met_rounds_ago: Sequence[int], options: MatchOptions) -> float:
    """How strongly earlier meetings count against meeting again: 1 per meeting (how often) plus
    `history_decay` to the power of how many rounds it lies beyond the no-repeat window (how recently)."""
    decay = options.weights.history_decay
    k = options.exclude_rounds
    total = 0.0
    for ago in met_rounds_ago:
        total += 1.0 + decay ** max(ago - k - 1, 0)
    return total


def soft_floor(s: float, floor: float, span: float) -> float:
    """Scores below `floor` are squeezed into (0, floor) instead of cut off there: a pair the rules allow
    always scores above zero, and a worse pair (say, one met more often) still scores lower."""
    return s if s >= floor else floor * math.exp((s - floor) / span)


class MemberFacts(NamedTuple):
    """What `features` reads from one member, normalised once and shared by everything that looks at the
    member (a named tuple: a round makes 100,000 of them, and a frozen dataclass is five times slower to
    build)."""

    topics: dict[str, str]
    offers: dict[str, str]
    wants: dict[str, str]
    languages: frozenset[str]
    role: str  # normalised ("" when none)
    team: str  # normalised ("" when none)
    zone: str
    fullness: float


def member_facts(m: Member, ctx: ScoringContext) -> MemberFacts:
    o = ctx.options
    topics, offers, wants = norm_set(m.topics), norm_set(m.offers), norm_set(m.wants)
    full = o.weights.profile_full  # `fullness`, from the sets at hand
    return MemberFacts(
        topics=topics,
        offers=offers,
        wants=wants,
        languages=languages_of(m.languages, o.default_language),
        role=norm(m.role),
        team=norm(m.team),
        zone=ctx.zone(m),
        fullness=min(len(topics) + len(offers) + len(wants), full) / full if full > 0 else 1.0,
    )


def features(a: Member, b: Member, ctx: ScoringContext, *, history: bool = True) -> PairFeatures:
    """Compute the features of pair (a, b); `history=False` skips the history look-up (explanations
    only describe what two people have in common)."""
    return pair_features(a, b, member_facts(a, ctx), member_facts(b, ctx), ctx, history=history)


def pair_features(
    a: Member, b: Member, fa: MemberFacts, fb: MemberFacts, ctx: ScoringContext, *, history: bool = True
) -> PairFeatures:
    """`features` from the members' prepared facts (`member_facts`)."""
    o = ctx.options
    role = fa.role if fa.role and fa.role == fb.role else None
    teams = (a.team or "", b.team or "") if fa.team and fb.team and fa.team != fb.team else None
    gap = abs(_unit(a.activity) - _unit(b.activity)) if a.activity is not None and b.activity is not None else 0.0
    met = ctx.met_rounds_ago(a.id, b.id) if history else ()
    tb, wb, wa = fb.topics, fb.wants, fa.wants
    return PairFeatures(
        shared_topics=tuple(v for k, v in fa.topics.items() if k in tb),
        a_gives_b=tuple(v for k, v in fa.offers.items() if k in wb),
        b_gives_a=tuple(v for k, v in fb.offers.items() if k in wa),
        overlap_minutes=overlap_minutes(fa.zone, fb.zone, ctx.ref, o.waking_start_hour, o.waking_end_hour),
        common_languages=tuple(sorted(fa.languages & fb.languages)),
        same_role=(a.role or "").strip() if role else None,
        teams=teams,
        activity_gap=gap,
        rounds_ago=met[0] if met else None,
        blocked=ctx.is_blocked(a.id, b.id),
        met_rounds_ago=met,
        fullness=(fa.fullness, fb.fullness),
    )


def feasible(a: Member, b: Member, f: PairFeatures, options: MatchOptions) -> bool:
    """Hard rules: never yourself, never a blocked pair, never a partner from the last K rounds, and a
    common language when the community requires one."""
    if a.id == b.id or f.blocked:
        return False
    if f.rounds_ago is not None and f.rounds_ago <= options.exclude_rounds:
        return False
    return not (options.language_required and not f.common_languages)


def violation(a: Member, b: Member, ctx: ScoringContext) -> str | None:
    """Which hard rule pair (a, b) breaks, or None. Used to audit results independently of the engine."""
    f = features(a, b, ctx)
    if a.id == b.id:
        return "self"
    if f.blocked:
        return "blocked"
    if f.rounds_ago is not None and f.rounds_ago <= ctx.options.exclude_rounds:
        return "recent_partner"
    if ctx.options.language_required and not f.common_languages:
        return "no_common_language"
    return None


def score(f: PairFeatures, options: MatchOptions, *, explored: bool = False) -> float:
    """The pair's value; the same sum, in the same order, as `vector.score_pairs`. `explored` (a member of the
    pair explores this round, `MatchOptions.explores`) scores with `options.explore_weights` when set."""
    w = options.explore_weights if explored and options.explore_weights is not None else options.weights
    s = w.base
    s += w.topic * min(len(f.shared_topics), w.topic_cap)
    s += w.role * (f.same_role is not None)
    s += w.complement * (min(len(f.a_gives_b), w.complement_cap) + min(len(f.b_gives_a), w.complement_cap))
    s += w.timezone * (f.overlap_minutes / options.window_minutes)
    s += w.language * bool(f.common_languages)
    if options.prefer_cross_team:
        s += w.cross_team * (f.teams is not None)
    if options.use_activity:
        s += w.activity * f.activity_gap
    fa, fb = f.fullness
    s += w.newcomer * ((1.0 - fa) * fb + (1.0 - fb) * fa)
    span = score_ceiling(options, w)
    if f.met_rounds_ago:
        s -= w.history * span * repeat_pressure(f.met_rounds_ago, options)
    return soft_floor(s, w.floor, span)


def pair_score(a: Member, b: Member, ctx: ScoringContext) -> float | None:
    """Score of (a, b), or None when a hard rule forbids the pair."""
    f = features(a, b, ctx)
    o = ctx.options
    return score(f, o, explored=o.explores(a.id) or o.explores(b.id)) if feasible(a, b, f, o) else None
