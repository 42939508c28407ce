"""What `/mentor end` tells the member: what actually ended, named, in whole sentences.

"Ended 1 mentorships and withdrew 1 requests" counted database rows; a member who withdrew a request that a mentor
had not answered yet wants to read "Withdrew your request to ivo.". Plain functions over the rows read before
ending, so every combination is tested without a chat.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cogs.matching.store.mentoring import MentorRequestRow, MentorshipRow
from core.i18n import PluralTranslate, Translate


def _names(ids: Sequence[int], names: Mapping[int, str], _: Translate) -> str:
    shown = [names.get(i, "?") for i in ids]
    if len(shown) <= 1:
        return "".join(shown)
    return _("{names} and {last}", names=", ".join(shown[:-1]), last=shown[-1])


def ended_lines(member_id: int, ships: Sequence[MentorshipRow], requests: Sequence[MentorRequestRow],
                names: Mapping[int, str], _: Translate, _n: PluralTranslate) -> list[str]:
    """One sentence per kind of thing that ended, only the kinds that did; `ships` are the member's proposed and
    active mentorships and `requests` their open requests, both as they were before `/mentor end`."""

    def who(ids: Sequence[int]) -> str:  # not inline in the `_n(...)` calls: the extractor would take `_` for theirs
        return _names(ids, names, _)

    lines: list[str] = []
    answered = {s.request_id for s in ships if s.mentee_id == member_id}
    asked = [s.mentor_id for s in ships if s.mentee_id == member_id and s.status == "proposed"]
    if asked:
        lines.append(_n("Withdrew your request to {names}.", "Withdrew your requests to {names}.", len(asked),
                        names=who(asked)))
    mentors = [s.mentor_id for s in ships if s.mentee_id == member_id and s.status == "active"]
    if mentors:
        lines.append(_n("Ended your mentorship with {names}.", "Ended your mentorships with {names}.", len(mentors),
                        names=who(mentors)))
    unanswered = [r for r in requests if r.id not in answered]
    if unanswered:
        topics = ", ".join(dict.fromkeys(t for r in unanswered for t in r.topics))
        lines.append(_n("Withdrew your request for a mentor in {topics}.",
                        "Withdrew your requests for a mentor in {topics}.", len(unanswered), topics=topics))
    mentees = [s.mentee_id for s in ships if s.mentor_id == member_id and s.status == "active"]
    if mentees:
        lines.append(_n("Ended your mentorship of {names}.", "Ended your mentorships of {names}.", len(mentees),
                        names=who(mentees)))
    waiting = [s.mentee_id for s in ships if s.mentor_id == member_id and s.status == "proposed"]
    if waiting:
        lines.append(_n("Declined the request from {names}; I will look for another mentor for them.",
                        "Declined the requests from {names}; I will look for other mentors for them.",
                        len(waiting), names=who(waiting)))
    return lines
