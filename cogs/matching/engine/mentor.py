"""Mentor assignment as an assignment problem.

Mentors have limited capacity and mentees have goals, so a greedy "first come, best mentor" loop can use
up the only mentor a later mentee could have had. Instead every mentor is expanded into one column per
free slot, every mentee also gets a private "stay unassigned" column worth 0, and
`scipy.optimize.linear_sum_assignment` picks the assignment with the largest total fit. Capacity holds by
construction (a mentor has exactly `capacity` columns), and nobody is given a mentor who doesn't fit.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from .facets import languages_of, norm, norm_set
from .model import History, MatchOptions, Member
from .score import ScoringContext, reference_date
from .timezones import overlap_minutes, valid_zone

TOPIC_WEIGHT = 2.0
SPREAD = 1e-3  # prefer an idle mentor over a busy one when the fit is equal


@dataclass(frozen=True)
class MentorOffer:
    """A mentor, the topics they mentor in, and how many more mentees they can take now."""

    mentor: Member
    topics: tuple[str, ...]
    capacity: int


@dataclass(frozen=True)
class MenteeRequest:
    """A mentee, the topics they want help with, and their goal (shown to the mentor)."""

    mentee: Member
    topics: tuple[str, ...]
    goal: str = ""


@dataclass(frozen=True)
class MentorMatch:
    mentee: int
    mentor: int
    score: float
    topics: tuple[str, ...]


@dataclass(frozen=True)
class MentorAssignment:
    """Assigned pairs, and unassigned mentees with a reason: ``no_mentor_for_topic``,
    ``no_common_language`` or ``no_capacity``."""

    matches: tuple[MentorMatch, ...]
    unassigned: tuple[tuple[int, str], ...] = field(default_factory=tuple)


def _fit(
    req: MenteeRequest, offer: MentorOffer, options: MatchOptions, excluded: set[tuple[int, int]],
    ctx: ScoringContext,
) -> tuple[float, tuple[str, ...], str | None]:
    """(fit, matched topics, why not) for one mentee and one mentor. A mentor the mentee met lately fits a
    little less (the rounds' history penalty, from the last round on): someone new widens their circle, while
    the floor keeps a known mentor possible when nobody else mentors the topic."""
    mentee, mentor = req.mentee, offer.mentor
    if mentee.id == mentor.id or (mentee.id, mentor.id) in excluded:
        return 0.0, (), "excluded"
    offered = norm_set(offer.topics)
    topics = tuple(t for k, t in norm_set(req.topics).items() if k in offered)
    if not topics:
        return 0.0, (), "no_mentor_for_topic"
    la = languages_of(mentee.languages, options.default_language)
    lb = languages_of(mentor.languages, options.default_language)
    if options.language_required and not (la & lb):
        return 0.0, topics, "no_common_language"
    ref = reference_date(options)
    za = valid_zone(mentee.timezone, options.default_timezone)
    zb = valid_zone(mentor.timezone, options.default_timezone)
    overlap = overlap_minutes(za, zb, ref, options.waking_start_hour, options.waking_end_hour)
    fit = TOPIC_WEIGHT * len(topics) + options.weights.timezone * overlap / options.window_minutes
    fit += options.weights.language * bool(la & lb)
    if norm(mentee.team) and norm(mentee.team) == norm(mentor.team):
        fit -= 0.1  # someone outside your own team is a little better placed to mentor
    ago = ctx.rounds_ago(mentee.id, mentor.id)
    if ago is not None:
        fit -= options.weights.history * options.weights.history_decay ** (ago - 1)
    return max(fit, options.weights.floor), topics, None


def assign_mentors(
    requests: Sequence[MenteeRequest],
    offers: Sequence[MentorOffer],
    options: MatchOptions | None = None,
    excluded: Collection[tuple[int, int]] = (),
    history: History | None = None,
) -> MentorAssignment:
    """Assign mentees to mentors maximising total fit within each mentor's remaining capacity.

    `excluded` holds (mentee id, mentor id) pairs that must not be proposed (blocked, declined before,
    already running); `history` says who met lately (they rank lower)."""
    options = options or MatchOptions()
    ctx = ScoringContext(history or History(), options)
    excl = set(excluded)
    m = len(requests)
    slots: list[tuple[int, int]] = []  # (offer index, slot number)
    for oi, offer in enumerate(offers):
        slots.extend((oi, k) for k in range(min(max(offer.capacity, 0), m)))
    if m == 0:
        return MentorAssignment(())
    value = np.full((m, len(slots) + m), -1.0)
    value[np.arange(m), len(slots) + np.arange(m)] = 0.0  # each mentee's own "unassigned" column
    topics: dict[tuple[int, int], tuple[str, ...]] = {}
    why: dict[int, set[str]] = {i: set() for i in range(m)}
    fits = {}
    for ri, req in enumerate(requests):
        for oi, offer in enumerate(offers):
            f, t, reason = _fit(req, offer, options, excl, ctx)
            if reason is None:
                fits[(ri, oi)] = f
                topics[(ri, oi)] = t
            else:
                why[ri].add(reason)
    for si, (oi, k) in enumerate(slots):
        for ri in range(m):
            fit = fits.get((ri, oi))
            if fit is not None:
                value[ri, si] = fit - SPREAD * min(k, 100)
    rows, cols = linear_sum_assignment(value, maximize=True)
    matches: list[MentorMatch] = []
    unassigned: list[tuple[int, str]] = []
    for ri, ci in zip(rows.tolist(), cols.tolist(), strict=True):
        req = requests[ri]
        if ci < len(slots) and value[ri, ci] > 0:
            oi = slots[ci][0]
            matches.append(MentorMatch(req.mentee.id, offers[oi].mentor.id, fits[(ri, oi)], topics[(ri, oi)]))
        else:
            had_fit = any((ri, oi) in fits for oi in range(len(offers)))
            if had_fit:
                reason = "no_capacity"
            elif "no_common_language" in why[ri]:
                reason = "no_common_language"
            else:
                reason = "no_mentor_for_topic"
            unassigned.append((req.mentee.id, reason))
    return MentorAssignment(tuple(matches), tuple(unassigned))
