"""The matching engine: pure functions over plain data (no chat platform, no store, no core imports).

Public surface:
- model: `Member`, `History`, `Weights`, `MatchOptions`, `Group`, `Unplaced`, `RoundResult`
- scoring: `ScoringContext`, `features`, `feasible`, `score`, `pair_score`, `violation`
- rounds: `pair_round` (fast), `group_round` / `group_sizes` (groups of 3 or 4), `exact_round` (networkx
  reference), `plan_round` (+ reasons, starters; pairs or groups after `MatchOptions.group_size`)
- learning: `COMPONENTS`, `pair_components`, `Outcome`, `Belief`, `prior_belief`, `update_belief`,
  `belief_from_outcomes`, `learned_weights`, `learned_options`, `insights` / `Insight`, `group_outcomes`
- `assign_mentors`, `find_people` / `parse_filters`, `explain_group` / `render`, `conversation_starters`
- teams: `form_teams` (teams of a size covering the roles each needs: `teams.py`), `parse_needs`, `Need`,
  `NeedsError`, `Team`, `TeamPlan`
"""

from .exact import exact_round
from .explain import TEMPLATES as REASON_TEMPLATES
from .explain import Part, explain_group, join_list, render, render_part
from .find import FilterError, Suggestion, find_people, parse_filters
from .groups import group_round, group_sizes
from .learning import (
    COMPONENTS,
    Belief,
    Insight,
    Outcome,
    belief_from_outcomes,
    group_outcomes,
    insights,
    learned_options,
    learned_weights,
    pair_components,
    predicted_meet_rate,
    prior_belief,
    thompson_weights,
    update_belief,
)
from .mentor import MenteeRequest, MentorAssignment, MentorOffer, assign_mentors
from .model import Group, History, MatchOptions, Member, RoundResult, Unplaced, Weights
from .plan import IntroPlan, RoundPlan, plan_round
from .rounds import pair_round
from .score import PairFeatures, ScoringContext, feasible, features, pair_score, score, violation
from .starters import TEMPLATES as STARTER_TEMPLATES
from .starters import conversation_starters, render_starter
from .team_needs import Need, NeedsError, parse_needs
from .teams import Team, TeamPlan, form_teams
from .timezones import common_slots, working_slots

__all__ = [
    "COMPONENTS",
    "REASON_TEMPLATES",
    "STARTER_TEMPLATES",
    "Belief",
    "FilterError",
    "Group",
    "History",
    "Insight",
    "IntroPlan",
    "MatchOptions",
    "Member",
    "MenteeRequest",
    "MentorAssignment",
    "MentorOffer",
    "Need",
    "NeedsError",
    "Outcome",
    "PairFeatures",
    "Part",
    "RoundPlan",
    "RoundResult",
    "ScoringContext",
    "Suggestion",
    "Team",
    "TeamPlan",
    "Unplaced",
    "Weights",
    "assign_mentors",
    "belief_from_outcomes",
    "common_slots",
    "conversation_starters",
    "exact_round",
    "explain_group",
    "feasible",
    "features",
    "find_people",
    "form_teams",
    "group_outcomes",
    "group_round",
    "group_sizes",
    "insights",
    "join_list",
    "learned_options",
    "learned_weights",
    "pair_components",
    "pair_round",
    "pair_score",
    "parse_filters",
    "parse_needs",
    "plan_round",
    "predicted_meet_rate",
    "prior_belief",
    "render",
    "render_part",
    "render_starter",
    "score",
    "thompson_weights",
    "update_belief",
    "violation",
    "working_slots",
]
