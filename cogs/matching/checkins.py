"""The halfway check-in: each member of an intro is asked once whether they met (for a mentorship: whether its
sessions have started).

Exactly once per person: before an intro's check-in is claimed, one pending ledger row per member is written (in
one statement), and each DM goes through the delivery ledger. A process that dies halfway leaves rows pending or
sending; the next pass (in any process) finishes them, reading each member's DM back first where a DM may have
gone out already.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from cogs.matching import messages as msgs
from cogs.matching.store.repo import IntroRow
from core.delivery import LEASE
from core.errors import DeliveryFailed
from core.refs import CommunityRef, MemberRef

if TYPE_CHECKING:
    from cogs.matching.rounds import RoundRunner

log = logging.getLogger(__name__)

PREFIX = "checkin:"


def checkin_key(intro_id: int, member_id: int) -> str:
    return f"{PREFIX}{intro_id}:{member_id}"


class CheckIns:
    """Sends due check-ins and finishes interrupted ones, for one round runner (its ledger and token)."""

    def __init__(self, runner: RoundRunner) -> None:
        self.runner = runner
        self.repo = runner.repo
        self.ledger = runner.ledger
        self.services = runner.services

    async def send_due(self) -> int:
        """Check-ins due now, plus those a crash interrupted; returns how many intros were asked about."""
        await self.resume()
        now = self.runner.now()
        count = 0
        for intro in await self.repo.due_checkins(now):
            community = await self.services.communities.get(intro.community_id)
            if community is None or not self.runner.live(community):
                continue
            refs = await self.runner.refs(intro.members)  # a member who left is asked nothing
            everyone = await self.runner.refs(intro.members, present=False)
            await self.ledger.prepare(intro.community_id, [(checkin_key(intro.id, r.id), f"dm:{r.user_id}")
                                                           for r in refs], now)
            if not await self.repo.claim_checkin(intro.id, now):
                continue
            for member in refs:
                await self._ask(community, intro, everyone, member)
            count += 1
        return count

    async def resume(self) -> None:
        """Finish check-ins whose rows a crash left pending or sending (older than the lease)."""
        for row in await self.ledger.unfinished(PREFIX, self.runner.now() - LEASE):
            intro_id, _sep, member_id = row.key.removeprefix(PREFIX).partition(":")
            if not (intro_id.isdigit() and member_id.isdigit()):
                continue
            intro = await self.repo.intro(int(intro_id))
            community = await self.services.communities.get(row.community_id)
            if intro is None or community is None or not self.runner.live(community):
                continue
            member = next((r for r in await self.runner.refs(intro.members) if r.id == int(member_id)), None)
            if member is not None:
                await self._ask(community, intro, await self.runner.refs(intro.members, present=False), member)

    async def _ask(self, community: CommunityRef, intro: IntroRow, refs: list[MemberRef], member: MemberRef) -> None:
        cfg = await self.services.config.get(community.id)
        partners = [o.display_name for o in refs if o.id != member.id]
        message = msgs.checkin_message(cfg.community.language, intro.id, partners, mentoring=intro.kind == "mentor")
        messenger = self.runner.app.messenger(community.platform)
        try:
            await self.runner.deliverer.send(messenger, community, checkin_key(intro.id, member.id), member, message)
        except DeliveryFailed as exc:
            log.info("check-in for intro %s could not reach member %s (%s)", intro.id, member.id, exc.reason)
