"""Reading and writing Slack installations and install-link states (storage/slack_install_schema.py).

Plain data in, plain data out: the Slack integration turns these rows into slack_sdk's `Installation` and
`Bot` (integrations/slack/installation_store.py); storage never imports a chat library.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from core.ports import DataStore
from storage.engine import sql_store
from storage.slack_install_schema import slack_installations, slack_oauth_states

_I = slack_installations.c
_S = slack_oauth_states.c


@dataclass(frozen=True, slots=True)
class SlackInstall:
    """One workspace's installation of the app: its bot token (a credential: never log a row)."""

    team_id: str
    bot_token: str
    installed_at: datetime
    enterprise_id: str = ""
    is_enterprise_install: bool = False
    team_name: str = ""
    enterprise_name: str = ""
    app_id: str = ""
    bot_id: str = ""
    bot_user_id: str = ""
    bot_scopes: str = ""
    bot_refresh_token: str | None = None
    bot_token_expires_at: datetime | None = None
    installer_user_id: str = ""

    def __repr__(self) -> str:  # the tokens stay out of any repr that reaches a log or a traceback
        return f"SlackInstall(team_id={self.team_id!r}, enterprise_id={self.enterprise_id!r})"


def _install(row: sa.Row) -> SlackInstall:
    return SlackInstall(**{name: getattr(row, name) for name in SlackInstall.__slots__})


class SlackInstallRepo:
    """Installations, one row per (enterprise, team); saving an installation again replaces the row."""

    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)
        self._dialect = postgresql if store.dialect == "postgresql" else sqlite

    async def save(self, install: SlackInstall) -> None:
        """Insert or replace the workspace's row (a reinstall, a new scope, a rotated token)."""
        values = asdict(install)
        values["team_name"] = install.team_name[:200]
        values["enterprise_name"] = install.enterprise_name[:200]
        insert = self._dialect.insert(slack_installations).values(**values)
        keys = {k: v for k, v in values.items() if k not in ("enterprise_id", "team_id")}
        statement = insert.on_conflict_do_update(index_elements=["enterprise_id", "team_id"], set_=keys)
        async with self.store.begin() as conn:
            await conn.execute(statement)

    async def find(self, team_id: str, enterprise_id: str = "") -> SlackInstall | None:
        """The installation for a workspace; for an organisation-wide install (`team_id` "") the org's row."""
        query = sa.select(slack_installations).where(_I.team_id == team_id, _I.enterprise_id == enterprise_id)
        async with self.store.read() as conn:
            row = (await conn.execute(query)).first()
            if row is None and team_id and enterprise_id:
                # a workspace of an organisation that installed Kindred org-wide
                org = sa.select(slack_installations).where(_I.team_id == "", _I.enterprise_id == enterprise_id,
                                                           _I.is_enterprise_install.is_(True))
                row = (await conn.execute(org)).first()
        return _install(row) if row is not None else None

    async def find_team(self, team_id: str) -> SlackInstall | None:
        """The installation for a workspace id, whatever organisation it belongs to (outgoing messages know
        only the community's workspace id)."""
        query = sa.select(slack_installations).where(_I.team_id == team_id).order_by(_I.installed_at.desc())
        async with self.store.read() as conn:
            row = (await conn.execute(query)).first()
        return _install(row) if row is not None else None

    async def delete(self, team_id: str, enterprise_id: str = "") -> int:
        """Forget a workspace's installation (uninstalled, tokens revoked); returns how many rows went."""
        async with self.store.begin() as conn:
            res = await conn.execute(slack_installations.delete().where(
                _I.team_id == team_id, _I.enterprise_id == enterprise_id))
        return int(res.rowcount or 0)

    async def teams(self) -> list[str]:
        """The ids of the workspaces that have Kindred installed, sorted."""
        async with self.store.read() as conn:
            return sorted(r.team_id for r in await conn.execute(sa.select(_I.team_id)) if r.team_id)


class OAuthStateRepo:
    """The `state` of each install link: issued once, consumed once."""

    def __init__(self, store: DataStore) -> None:
        self.store = sql_store(store)

    async def issue(self, state: str, expires_at: datetime) -> None:
        async with self.store.begin() as conn:
            await conn.execute(slack_oauth_states.insert().values(state=state, expires_at=expires_at))

    async def consume(self, state: str, now: datetime) -> bool:
        """True for a state issued here, not used before and not expired; the row goes either way, so a second
        use of the same state (a replayed callback), in this process or another, is refused."""
        async with self.store.begin() as conn:
            row = (await conn.execute(sa.select(_S.expires_at).where(_S.state == state))).first()
            if row is None:
                return False
            deleted = await conn.execute(slack_oauth_states.delete().where(_S.state == state))
        return bool(deleted.rowcount) and row.expires_at > now

    async def purge(self, before: datetime) -> int:
        """Forget states that expired before `before`; returns how many."""
        async with self.store.begin() as conn:
            res = await conn.execute(slack_oauth_states.delete().where(_S.expires_at < before))
        return int(res.rowcount or 0)
