"""Checks a value cannot pass alone: whether what a setting names exists in this community.

`check_value` knows a key's type and range; whether `welcome.trigger = "role:abc"` names a role of *this*
community only the platform can say. A trigger for a role that does not exist would never fire, and the moderator
would learn it only when no newcomer is ever greeted. The role is looked up by id, name (Discord) or handle (Slack)
through the messenger and stored by its id, the form in which the platform reports a granted role.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cogs.config.schema import KeySpec
from cogs.config.values import ValueRefused, shown
from core.context import Context
from core.i18n import N_

TRIGGER = "welcome.trigger"
_MENTION = re.compile(r"^<@&([0-9]+)>$|^<!subteam\^([A-Za-z0-9]+)(?:\|[^>]*)?>$")


async def check_in_community(ctx: Context, values: Mapping[str, Any], schema: Mapping[str, KeySpec]) -> dict[str, Any]:
    """The values with what they name checked against the community (raises `ValueRefused`)."""
    checked = dict(values)
    trigger = checked.get(TRIGGER)
    if isinstance(trigger, str) and trigger.startswith("role:"):
        checked[TRIGGER] = "role:" + await role_id(ctx, schema[TRIGGER], trigger.removeprefix("role:"))
    return checked


async def role_id(ctx: Context, spec: KeySpec, wanted: str) -> str:
    """The id of the community's role (or Slack user group) given by id, mention, name or @handle."""
    m = _MENTION.match(wanted.strip())
    name = (m.group(1) or m.group(2)) if m else wanted.strip().lstrip("@")
    roles = await ctx.messenger.roles(ctx.community)
    for role in roles:
        if name == role.role_id:
            return role.role_id
    by_name = [r for r in roles if r.name.lower() == name.lower()]
    if len(by_name) == 1:
        return by_name[0].role_id
    if by_name:
        raise ValueRefused(spec, spec.key, N_("Several roles are called “{value}”; give the role's id instead."),
                           value=shown(name))
    raise ValueRefused(spec, spec.key, N_("There is no role “{value}” in this community."), value=shown(name))
