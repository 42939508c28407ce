"""Plain data the matching engine works on: members, history, options and results.

Everything here is an immutable value so the engine stays a pure function of its inputs: the cog loads
rows from the store, builds these, calls the engine off the event loop and persists what comes back.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .explore import is_explored


@dataclass(frozen=True, slots=True)
class Member:
    """One person as the engine sees them: an id plus the facets that matter for matching.

    Facet strings are compared case- and space-insensitively; they are shown as given. An empty language
    list means "speaks the community's default language"; an unknown or empty time zone means the default
    time zone (both defaults live in `MatchOptions`).
    """

    id: int
    name: str
    role: str | None = None
    team: str | None = None
    topics: tuple[str, ...] = ()
    offers: tuple[str, ...] = ()
    wants: tuple[str, ...] = ()
    timezone: str | None = None
    languages: tuple[str, ...] = ()
    activity: float | None = None


@dataclass(frozen=True)
class History:
    """What happened before this round.

    `rounds` maps a round index to the groups formed in it (each a collection of member ids); the round
    being planned is `current_round`, so `current_round - index` is "how many rounds ago". `blocked` holds
    unordered pairs that must never meet.
    """

    current_round: int = 0
    rounds: Mapping[int, Sequence[Collection[int]]] = field(default_factory=dict)
    blocked: Collection[tuple[int, int]] = ()

    def last_met(self) -> dict[tuple[int, int], int]:
        """Most recent round index in which each unordered pair (low id first) shared a group."""
        last: dict[tuple[int, int], int] = {}
        for index in sorted(self.rounds):
            if index >= self.current_round:
                continue
            for group in self.rounds[index]:
                if len(group) == 2:
                    a, b = group
                    if a != b:
                        last[(a, b) if a < b else (b, a)] = index
                    continue
                ids = sorted(set(group))
                for x in range(len(ids)):
                    for y in range(x + 1, len(ids)):
                        last[(ids[x], ids[y])] = index
        return last

    def meetings(self) -> dict[tuple[int, int], tuple[int, ...]]:
        """Every round index in which each unordered pair (low id first) shared a group, most recent first.
        A round counts once per pair even when the pair shared two of its groups (a round plus an intro on
        request filed under the same index)."""
        met: dict[tuple[int, int], set[int]] = {}
        for index, groups in self.rounds.items():
            if index >= self.current_round:
                continue
            for group in groups:
                ids = sorted(set(group))
                for x in range(len(ids)):
                    for y in range(x + 1, len(ids)):
                        met.setdefault((ids[x], ids[y]), set()).add(index)
        return {pair: tuple(sorted(rounds, reverse=True)) for pair, rounds in met.items()}

    def blocked_pairs(self) -> set[tuple[int, int]]:
        """Blocks as unordered pairs, low id first (a block works in both directions)."""
        return {(min(a, b), max(a, b)) for a, b in self.blocked if a != b}


@dataclass(frozen=True)
class Weights:
    """How much each feature adds to a pair's score. Defaults are tuned so that a shared interest or a
    skill one person offers and the other wants outweighs time-zone convenience, while a pair of strangers
    with nothing in common still scores above zero (meeting someone beats not meeting).

    Meeting again costs `history` times the highest score a pair can reach (`score.score_ceiling`) for every
    earlier meeting within the horizon, plus that much again times `history_decay` per round the meeting
    lies beyond the no-repeat window: the more often and the more recently two people met, the more it
    costs. At 1.0 (or more) any repeat scores below any new pair, so people meet someone new every week while
    anyone is left; a repeat still scores above zero, so it beats leaving someone out.

    `newcomer` pairs thin profiles with full ones: a profile is full at `profile_full` topics, offers and
    wants together, and a pair gains `newcomer` times how much of one's profile is missing times how full the
    other's is (both ways). Two empty profiles gain nothing, an empty and a full one the whole weight: a
    newcomer who has not said much yet meets a regular who has, not another newcomer."""

    base: float = 0.5
    topic: float = 1.0
    topic_cap: int = 3
    role: float = 0.3
    complement: float = 1.5
    complement_cap: int = 2
    timezone: float = 1.0
    language: float = 0.25
    cross_team: float = 0.5
    activity: float = 0.3
    history: float = 1.0
    history_decay: float = 0.5
    newcomer: float = 1.5
    profile_full: int = 4
    floor: float = 0.01


@dataclass(frozen=True)
class MatchOptions:
    """Per-round settings. `exclude_rounds` (K) forbids anyone met in the last K rounds; older partners
    (up to `history_horizon` rounds back, a year of weekly rounds) still cost a penalty that grows with how
    often and how recently they met (`score.py`). `group_size` is the people per intro
    group: 2 makes pairs (one trio when the count is odd), 3 or 4 make groups of that size (`groups.py`).

    Exploration (`learning.learned_options`): when `explore_weights` is set, pairs that include a member chosen
    by `explore.is_explored(id, explore_seed, explore_members)` are scored with those weights instead of `weights`
    (only the feature weights differ; hard rules and the repeat penalty are the same for every pair)."""

    language_required: bool = True
    prefer_cross_team: bool = False
    use_activity: bool = True
    exclude_rounds: int = 3
    history_horizon: int = 52
    waking_start_hour: int = 8
    waking_end_hour: int = 21
    reference_date: date | None = None
    default_language: str = "en"
    default_timezone: str = "UTC"
    weights: Weights = field(default_factory=Weights)
    seed: int = 0
    candidates_per_member: int = 12
    dense_threshold: int = 1500
    improve_passes: int = 30
    allow_extra_trios: bool = True
    group_size: int = 2
    explore_weights: Weights | None = None
    explore_members: float = 0.0  # share of members who explore (not of intros: see `learning.learned_options`)
    explore_seed: int = 0

    def explores(self, member_id: int) -> bool:
        """Whether pairs with this member are scored with `explore_weights` this round."""
        return self.explore_weights is not None and is_explored(member_id, self.explore_seed, self.explore_members)

    @property
    def window_minutes(self) -> int:
        """Length of the waking window every member is assumed to be reachable in."""
        return max(1, (self.waking_end_hour - self.waking_start_hour) * 60)


@dataclass(frozen=True, slots=True)
class Group:
    """A group that meets this round, with its score. In pair rounds a trio counts its pair plus the mean of
    the added member's scores with the two; in rounds of groups of 3 or 4 the score is the sum of the scores of
    every pair inside the group."""

    members: tuple[int, ...]
    score: float


@dataclass(frozen=True, slots=True)
class Unplaced:
    """A member the engine could not place without breaking a hard rule, and why.

    Reasons: ``alone`` (nobody else takes part), ``no_common_language`` (nobody opted in speaks one of their languages),
    ``only_excluded_partners`` (everyone who could be a partner is a recent partner or blocked),
    ``no_free_partner`` (all possible partners were needed elsewhere).
    """

    member: int
    reason: str


@dataclass(frozen=True)
class RoundResult:
    """The engine's answer for one round."""

    groups: tuple[Group, ...]
    unplaced: tuple[Unplaced, ...]
    stats: Mapping[str, Any] = field(default_factory=dict)

    @property
    def total_score(self) -> float:
        return float(sum(g.score for g in self.groups))

    def partner_map(self) -> dict[int, tuple[int, ...]]:
        """Each placed member's fellow group members."""
        out: dict[int, tuple[int, ...]] = {}
        for g in self.groups:
            for m in g.members:
                out[m] = tuple(x for x in g.members if x != m)
        return out


def by_id(members: Iterable[Member]) -> dict[int, Member]:
    """Index members by id (later duplicates win)."""
    return {m.id: m for m in members}
