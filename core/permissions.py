"""Who may run what: members, moderators (configured roles/groups or platform admins), the bot owner."""

from __future__ import annotations

from enum import IntEnum

from core.i18n import N_


class Level(IntEnum):
    MEMBER = 0
    MODERATOR = 1
    OWNER = 2


def level_name(level: Level) -> str:
    return {Level.MEMBER: N_("member"), Level.MODERATOR: N_("moderator"), Level.OWNER: N_("bot owner")}[level]
