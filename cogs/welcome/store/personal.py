"""What welcome stores about one member, for `/privacy export`: their onboarding as a newcomer (its steps),
their greeter sign-up, and the buddy pairings they were part of (the other person by display name only)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from cogs.welcome.tables import welcome_buddies, welcome_greeters, welcome_newcomers, welcome_steps
from core.ports import DataStore
from storage.engine import sql_store
from storage.names import display_names

_N = welcome_newcomers.c
_S = welcome_steps.c
_G = welcome_greeters.c
_B = welcome_buddies.c


class WelcomePersonalData:
    """The `PersonalData` of onboarding, greeters and buddies (section "welcome")."""

    section = "welcome"

    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)

    async def personal_data(self, community_id: int, member_id: int) -> dict[str, Any]:
        async with self.store.read() as conn:
            newcomer = (await conn.execute(sa.select(_N.trigger, _N.started_at, _N.first_message_at).where(
                _N.community_id == community_id, _N.member_id == member_id))).first()
            steps = (await conn.execute(
                sa.select(_S.step, _S.status, _S.due_at, _S.detail, _S.created_at, _S.updated_at)
                .where(_S.community_id == community_id, _S.member_id == member_id).order_by(_S.id))).all()
            greeter = (await conn.execute(sa.select(_G.capacity, _G.active, _G.joined_at).where(
                _G.community_id == community_id, _G.member_id == member_id))).first()
            buddies = (await conn.execute(
                sa.select(_B.newcomer_id, _B.buddy_id, _B.assigned_at, _B.contacted_at)
                .where(_B.community_id == community_id,
                       (_B.newcomer_id == member_id) | (_B.buddy_id == member_id)).order_by(_B.id))).all()
            names = await display_names(conn, [b.newcomer_id for b in buddies] + [b.buddy_id for b in buddies])
        return {
            "onboarding": dict(newcomer._mapping) if newcomer else None,
            "steps": [dict(s._mapping) for s in steps],
            "greeter": dict(greeter._mapping) if greeter else None,
            "buddies": [{"role": "newcomer" if b.newcomer_id == member_id else "buddy",
                         "with": names.get(b.buddy_id if b.newcomer_id == member_id else b.newcomer_id, ""),
                         "assigned_at": b.assigned_at, "contacted_at": b.contacted_at} for b in buddies],
        }
