"""Scoring one pair, feature by feature.

This is the readable reference: explanations are built from these features, the violation check uses
`feasible`, and the vectorised scorer in `vector.py` must agree with `score` (a test holds them together).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from .facets import languages_of, norm, norm_set
from .model import History, MatchOptions, Member
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


def reference_date(options: MatchOptions) -> date:
    """The date waking windows are computed for; today (UTC) only when the caller gave none."""
    return options.reference_date or datetime.now(UTC).date()


class ScoringContext:
    """History and options prepared once for many scalar look-ups."""

    def __init__(self, history: History, options: MatchOptions) -> None:
        self.options = options
        self.history = history
        self.ref = reference_date(options)
        self._last_met: dict[tuple[int, int], int] | None = None
        self.blocked = history.blocked_pairs()

    @property
    def last_met(self) -> dict[tuple[int, int], int]:
        """Built on first use: explanations never need it, audits and suggestions do."""
        if self._last_met is None:
            self._last_met = self.history.last_met()
        return self._last_met

    def zone(self, m: Member) -> str:
        return valid_zone(m.timezone, self.options.default_timezone)

    def rounds_ago(self, a: int, b: int) -> int | None:
        last = self.last_met.get((min(a, b), max(a, b)))
        if last is None:
            return None
        ago = self.history.current_round - last
        horizon = max(self.options.history_horizon, self.options.exclude_rounds)
        return ago if ago <= horizon else None

    def is_blocked(self, a: int, b: int) -> bool:
        return (min(a, b), max(a, b)) in self.blocked


def _unit(x: float | None) -> float:
    return min(1.0, max(0.0, x or 0.0))


def features(a: Member, b: Member, ctx: ScoringContext, *, history: bool = True) -> PairFeatures:
    """Compute the features of pair (a, b); `history=False` skips the history look-up (explanations
    only describe what two people have in common)."""
    o = ctx.options
    ta, tb = norm_set(a.topics), norm_set(b.topics)
    wa, wb = norm_set(a.wants), norm_set(b.wants)
    oa, ob = norm_set(a.offers), norm_set(b.offers)
    la, lb = languages_of(a.languages, o.default_language), languages_of(b.languages, o.default_language)
    role_a = norm(a.role)
    role = role_a if role_a and role_a == norm(b.role) else None
    team_a, team_b = norm(a.team), norm(b.team)
    teams = (a.team or "", b.team or "") if team_a and team_b and team_a != team_b else None
    gap = abs(_unit(a.activity) - _unit(b.activity)) if a.activity is not None and b.activity is not None else 0.0
    return PairFeatures(
        shared_topics=tuple(v for k, v in ta.items() if k in tb),
        a_gives_b=tuple(v for k, v in oa.items() if k in wb),
        b_gives_a=tuple(v for k, v in ob.items() if k in wa),
        overlap_minutes=overlap_minutes(ctx.zone(a), ctx.zone(b), ctx.ref, o.waking_start_hour, o.waking_end_hour),
        common_languages=tuple(sorted(la & lb)),
        same_role=(a.role or "").strip() if role else None,
        teams=teams,
        activity_gap=gap,
        rounds_ago=ctx.rounds_ago(a.id, b.id) if history else None,
        blocked=ctx.is_blocked(a.id, b.id),
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


def score(f: PairFeatures, options: MatchOptions) -> float:
    """The pair's value; the same sum, in the same order, as `vector.score_pairs`."""
    w = options.weights
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
    if f.rounds_ago is not None and f.rounds_ago > options.exclude_rounds:
        s -= w.history * w.history_decay ** (f.rounds_ago - options.exclude_rounds - 1)
    return max(s, w.floor)


def pair_score(a: Member, b: Member, ctx: ScoringContext) -> float | None:
    """Score of (a, b), or None when a hard rule forbids the pair."""
    f = features(a, b, ctx)
    return score(f, ctx.options) if feasible(a, b, f, ctx.options) else None
