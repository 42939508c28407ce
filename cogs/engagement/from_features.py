"""What other features tell the engagement log, as typed events (core/events.py), turned into log rows.

Matching and welcome never import engagement: they emit `IntroSent`, `MatchFeedback`, `MentorSessionStarted`,
`NewcomerGreeted`, `BuddyAssigned`, `ProfileStarted`,
`ProjectPosted`, `CollabIntro` and `TeamFormed`, and the engagement cog subscribes. The welcome tables
stay the source of truth for the onboarding funnel (`/welcome status`); the log gets the steps its kinds describe
(cogs/engagement/kinds.py), so that retention of welcomed and buddied newcomers can be compared with everyone
else. The recorder decides what is kept (nothing when the log is off, nothing about a member who opted out).
"""

from __future__ import annotations

from cogs.engagement.kinds import Kind
from cogs.engagement.recorder import Recorder
from core.events import (
    BuddyAssigned,
    CollabIntro,
    Event,
    IntroRated,
    IntroSent,
    MatchFeedback,
    MentorSessionStarted,
    NewcomerGreeted,
    ProfileStarted,
    ProjectPosted,
    TeamFormed,
)

FEATURE_EVENTS = (IntroSent, MatchFeedback, IntroRated, MentorSessionStarted, NewcomerGreeted, BuddyAssigned,
                  ProfileStarted, ProjectPosted, CollabIntro, TeamFormed)


async def record_feature_event(recorder: Recorder, event: Event) -> None:
    """Record the rows one feature event stands for."""
    community = event.community
    assert community is not None  # the dispatcher fills it before handlers run
    cid, at = community.id, event.at
    if isinstance(event, IntroSent):
        for member_id in event.members:
            partners = [o for o in event.members if o != member_id]
            target = partners[0] if partners else None
            if event.match is not None:
                await recorder.record(cid, member_id, Kind.MATCHED, at=at, target_id=target, label=event.match,
                                      value=event.round or 0, group=partners, intro=event.intro)
            await recorder.record(cid, member_id, Kind.INTRO_SENT, at=at, target_id=target,
                                  label=event.conversation, intro=event.intro)
    elif isinstance(event, MatchFeedback):
        await recorder.record(cid, event.member_id, Kind.MET, at=at,
                              target_id=event.partners[0] if event.partners else None,
                              value=1 if event.answer == "yes" else 0, label=event.answer, intro=event.intro)
    elif isinstance(event, IntroRated):
        await recorder.record(cid, event.member_id, Kind.RATED, at=at,
                              target_id=event.partners[0] if event.partners else None,
                              value=1 if event.again else 0, label="again" if event.again else "not_again",
                              intro=event.intro)
    elif isinstance(event, MentorSessionStarted):
        for member_id, other_id, role in ((event.mentor_id, event.mentee_id, "mentor"),
                                          (event.mentee_id, event.mentor_id, "mentee")):
            await recorder.record(cid, member_id, Kind.MENTOR_SESSION, at=at, target_id=other_id, label=role,
                                  intro=event.intro)
    elif isinstance(event, NewcomerGreeted):
        await recorder.record(cid, event.member_id, Kind.GREETED, at=at, target_id=event.buddy_id,
                              value=1 if event.buddy_id is not None else 0, label=event.via)
    elif isinstance(event, BuddyAssigned):
        await recorder.record(cid, event.member_id, Kind.BUDDY_ASSIGNED, at=at, target_id=event.buddy_id,
                              label="greeting" if event.with_greeting else "later")
    elif isinstance(event, ProfileStarted):
        await recorder.record(cid, event.member_id, Kind.PROFILE_STARTED, at=at, label=event.source)
    elif isinstance(event, ProjectPosted):
        await recorder.record(cid, event.owner_id, Kind.PROJECT_POSTED, at=at, value=event.needs,
                              project=event.project)
    elif isinstance(event, CollabIntro):
        for member_id, other_id, role in ((event.requester_id, event.member_id, "requester"),
                                          (event.member_id, event.requester_id, "member")):
            await recorder.record(cid, member_id, Kind.COLLAB_INTRO, at=at, target_id=other_id, label=role,
                                  project=event.project, intro=event.intro)
    elif isinstance(event, TeamFormed):
        for member_id in event.members:
            await recorder.record(cid, member_id, Kind.TEAM_FORMED, at=at, value=len(event.members),
                                  label=event.covers.get(member_id, ""), team=event.team, source=event.source)
