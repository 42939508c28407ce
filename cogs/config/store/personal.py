"""What config stores about one member, for `/privacy export`: the settings changes they made (`/config history`
names them) and their unfinished `/setup` drafts. The values are the community's settings, not the member's, so
the export lists which key changed and when, and which keys a draft holds."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from cogs.config.tables import config_audit, config_drafts
from core.ports import DataStore
from storage.engine import sql_store

_A = config_audit.c
_D = config_drafts.c


class ConfigPersonalData:
    """The `PersonalData` of settings changes and setup drafts (section "config")."""

    section = "config"

    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)

    async def personal_data(self, community_id: int, member_id: int) -> dict[str, Any]:
        async with self.store.read() as conn:
            changes = (await conn.execute(sa.select(_A.key, _A.action, _A.who, _A.at).where(
                _A.community_id == community_id, _A.member_id == member_id).order_by(_A.id))).all()
            drafts = (await conn.execute(sa.select(_D.data, _D.created_at).where(
                _D.community_id == community_id, _D.member_id == member_id).order_by(_D.id))).all()
        return {
            "settings_changes": [{"key": c.key, "action": c.action, "as": c.who, "at": c.at} for c in changes],
            "setup_drafts": [{"keys": sorted(d.data), "created_at": d.created_at} for d in drafts],
        }
