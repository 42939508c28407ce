"""The engine's sentence templates, marked for translation.

The engine (a pure package) cannot use the catalogue itself; these literal copies let the extractor find its
texts and German translations live in locales/de.po. A test checks they stay identical to the engine's.
"""

from __future__ import annotations

from core.i18n import N_, N_n, Text

REASONS: dict[str, str] = {
    "shared_topics": N_("you both work on {topics}"),
    "shared_topics_all": N_("you all work on {topics}"),
    "shared_topics_named": N_("{a} and {b} both work on {topics}"),
    "offers": N_("{giver} offers {skills}, which {taker} wants to learn"),
    "same_role": N_("you are both {role}"),
    "same_role_named": N_("{a} and {b} are both {role}"),
    "shared_topics_some": N_("{names} all work on {topics}"),
    "same_role_some": N_("{names} are all {role}"),
    "cross_team": N_("you bring views from {teams}"),
    "activity": N_("{guide} knows the community well and can show {newcomer} around"),
    "profile_guide": N_("{guide} can tell {newcomer} what people here work on"),
    "common_language": N_("you can talk in {languages}"),
    "timezone_overlap": N_("{hours} waking hours overlap"),
    "timezone_overlap_one": N_("1 waking hour overlaps"),
    "fresh": N_("a chance to meet someone new"),
    "offers_you": N_("they offer {skills}, which you want to learn"),
    "offers_from_you": N_("you offer {skills}, which they want to learn"),
    "match_role": N_("{name} is {role}"),
    "match_topic": N_("{name} works on {topic}"),
    "match_offers": N_("{name} offers {skill}"),
    "match_wants": N_("{name} wants to learn {skill}"),
    "match_team": N_("{name} is in {team}"),
    "match_language": N_("{name} speaks {languages}"),
    "match_timezone": N_("{name} lives in {zone}"),
    "match_any": N_("{name} lists {facet}"),
    "fresh_named": N_("a chance for {names} to meet someone new"),
}

STARTERS: dict[str, str] = {
    "starter_topic": N_("What got you into {topic}, and what are you exploring in it right now?"),
    "starter_offer": N_("{taker}, what would you like to know about {skill}? {giver} can share what works."),
    "starter_want": N_("{name}, what made you want to learn {skill}?"),
    "starter_role": N_("What does a typical week look like for you as {role}?"),
    "starter_roles": N_("{a}, what does your work as {role_a} look like, and {b}, how about as {role_b}?"),
    "starter_place": N_("{name}, what's it like working from {place}?"),
    "starter_project": N_("What are you working on this month that you're excited about?"),
    "starter_learned": N_("What's one thing you learned recently that surprised you?"),
}

AND = N_("and")

# Why a member could not be placed in a round (engine reason codes).
UNPLACED: dict[str, str] = {
    "alone": N_("Nobody else takes part in this round."),
    "no_common_language": N_("Nobody in this round shares a language with you."),
    "only_excluded_partners": N_("Everyone in this round was a recent partner or is blocked."),
    "no_free_partner": N_("There was no free partner left this time; you get priority next round."),
}

# Engine filter errors in /match find.
FILTER_ERRORS: dict[str, Text] = {
    "no_filters": N_("Tell me what you are looking for, e.g. /match find topic:rust language:de"),
    "unknown_key": N_(
        "I don't know the filter “{key}”. Use role:, topic:, offers:, wants:, language:, timezone: or team:."
    ),
    "empty_value": N_("The filter “{key}” needs a value, e.g. {key}:rust"),
    "too_long": N_n("The filter “{key}” is too long (at most {max} character).",
                    "The filter “{key}” is too long (at most {max} characters).", "max"),
    "too_many": N_n("Use at most {max} filter at once.", "Use at most {max} filters at once.", "max"),
}
