"""Build INTERACTION_CREATE payloads the way the Discord client would: from what the bot registered or sent.

A slash command is built from the command tree the bot uploaded (so a test cannot invoke a command the bot
never registered, and option types come from the registration); a button click from a message the bot
posted; a modal submit mirrors the modal the bot opened and enforces its limits like the Discord client does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .state import FakeState, find_component
from .world import FakeChannel, FakeGuild, FakeRole, FakeUser, snowflake

OptionValue = Any  # str | int | float | bool | FakeUser | FakeChannel | FakeRole | tuple[str, bytes]

APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

_SUBCOMMAND = 1
_GROUP = 2
_USER_COMMAND = 2  # application command type of a member's context menu entry


class InteractionBuildError(ValueError):
    """The test asked for something a Discord client could not send (unknown command, invalid input)."""


def base_payload(
    state: FakeState,
    *,
    guild: FakeGuild | None,
    channel: FakeChannel,
    user: FakeUser,
    locale: str | None = None,
) -> dict[str, Any]:
    """The fields every interaction carries: who, where, locale and permissions."""
    payload: dict[str, Any] = {
        "version": 1,
        "channel_id": str(channel.id),
        "locale": locale or user.locale,
        "attachment_size_limit": 10 * 1024 * 1024,
        "entitlements": [],
        "entitlement_sku_ids": [],
    }
    if guild is not None:
        member_permissions = guild.permissions_of(user.id)
        payload.update(
            guild_id=str(guild.id),
            guild_locale=guild.locale,
            guild={"id": str(guild.id), "locale": guild.locale, "features": []},
            member=guild.member_payload(user.id) | {"permissions": str(member_permissions)},
            app_permissions=str(guild.permissions_of(state.bot.id)),
            context=0,
            authorizing_integration_owners={"0": str(guild.id)},
            channel=channel.payload() | {"permissions": str(member_permissions)},
        )
    else:
        payload.update(
            user=user.payload(),
            app_permissions="0",
            context=1,
            authorizing_integration_owners={"1": str(user.id)},
            channel=channel.payload(),
        )
    return payload


# slash commands and autocomplete -------------------------------------------------------------------
def find_command(state: FakeState, guild_id: int | None, name: str) -> dict[str, Any]:
    """A registered chat-input command: guild commands first, then global ones (as Discord shows them)."""
    candidates = [*(state.guild_commands.get(guild_id, []) if guild_id else []), *state.global_commands]
    for command in candidates:
        if command["name"] == name and int(command.get("type", 1)) == 1:
            return command
    registered = sorted({c["name"] for c in candidates})
    raise InteractionBuildError(f"/{name} is not registered (registered: {registered})")


def command_data(
    state: FakeState,
    guild: FakeGuild | None,
    path: str,
    options: Mapping[str, OptionValue],
    *,
    focused: str | None = None,
) -> dict[str, Any]:
    """`data` of a chat-input (or autocomplete) interaction for "group sub" style `path`."""
    parts = path.strip().lstrip("/").split()
    command = find_command(state, guild.id if guild else None, parts[0])
    chain: list[dict[str, Any]] = []
    node = command
    for part in parts[1:]:
        child = next(
            (o for o in node.get("options", []) or [] if o["name"] == part and int(o["type"]) in (_SUBCOMMAND, _GROUP)),
            None,
        )
        if child is None:
            raise InteractionBuildError(f"/{path}: {part!r} is not a subcommand of {node['name']!r}")
        chain.append(child)
        node = child
    if any(int(o["type"]) in (_SUBCOMMAND, _GROUP) for o in node.get("options", []) or []):
        raise InteractionBuildError(f"/{path} is a group; name a subcommand")
    resolved: dict[str, dict[str, Any]] = {}
    leaf = _leaf_options(node, options, resolved, guild, focused)
    nested: list[dict[str, Any]] = leaf
    for link in reversed(chain):
        nested = [{"type": int(link["type"]), "name": link["name"], "options": nested}]
    data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": 1, "options": nested}
    if command.get("guild_id"):
        data["guild_id"] = command["guild_id"]
    if resolved:
        data["resolved"] = resolved
    return data


def user_command_data(state: FakeState, guild: FakeGuild, name: str, target: FakeUser) -> dict[str, Any]:
    """`data` of choosing `name` in the "Apps" context menu of member `target` (a type 2 command the bot
    registered; `name` is its registered name, which Discord sends whatever language the person's app shows)."""
    candidates = [*state.guild_commands.get(guild.id, []), *state.global_commands]
    command = next((c for c in candidates if c["name"] == name and int(c.get("type", 1)) == _USER_COMMAND), None)
    if command is None:
        shown = sorted(c["name"] for c in candidates if int(c.get("type", 1)) == _USER_COMMAND)
        raise InteractionBuildError(f"no user command {name!r} is registered (registered: {shown})")
    resolved: dict[str, dict[str, Any]] = {}
    _option_value(6, {"name": name}, target, resolved, guild)
    data: dict[str, Any] = {"id": command["id"], "name": name, "type": _USER_COMMAND, "target_id": str(target.id),
                            "resolved": resolved}
    if command.get("guild_id"):
        data["guild_id"] = command["guild_id"]
    return data


def _leaf_options(
    node: dict[str, Any],
    options: Mapping[str, OptionValue],
    resolved: dict[str, dict[str, Any]],
    guild: FakeGuild | None,
    focused: str | None,
) -> list[dict[str, Any]]:
    definitions = {o["name"]: o for o in node.get("options", []) or []}
    unknown = set(options) - set(definitions)
    if unknown:
        raise InteractionBuildError(f"/{node['name']} has no option(s) {sorted(unknown)}; has {sorted(definitions)}")
    if focused is None:
        missing = [n for n, d in definitions.items() if d.get("required") and n not in options]
        if missing:
            raise InteractionBuildError(f"/{node['name']} needs option(s) {missing}")
    result = []
    for name, value in options.items():
        definition = definitions[name]
        kind = int(definition["type"])
        if name == focused:
            result.append({"type": kind, "name": name, "value": str(value), "focused": True})
            continue
        result.append({"type": kind, "name": name, "value": _option_value(kind, definition, value, resolved, guild)})
    return result


def _option_value(
    kind: int,
    definition: dict[str, Any],
    value: OptionValue,
    resolved: dict[str, dict[str, Any]],
    guild: FakeGuild | None,
) -> Any:
    choices = definition.get("choices") or []
    if choices and value not in [c["value"] for c in choices]:
        raise InteractionBuildError(f"{value!r} is not a choice of {definition['name']!r}")
    if kind == 3:
        text = str(value)
        if not definition.get("min_length", 0) <= len(text) <= definition.get("max_length", 6000):
            raise InteractionBuildError(f"{definition['name']!r}: length outside the registered limits")
        return text
    if kind in (4, 10):
        number = int(value) if kind == 4 else float(value)
        if "min_value" in definition and number < definition["min_value"]:
            raise InteractionBuildError(f"{definition['name']!r}: below min_value")
        if "max_value" in definition and number > definition["max_value"]:
            raise InteractionBuildError(f"{definition['name']!r}: above max_value")
        return number
    if kind == 5:
        return bool(value)
    if kind in (6, 9) and isinstance(value, FakeUser):
        resolved.setdefault("users", {})[str(value.id)] = value.payload()
        member = guild.member(value.id) if guild else None
        if member is not None:
            data = member.payload()
            data.pop("user")
            resolved.setdefault("members", {})[str(value.id)] = data | {
                "permissions": str(guild.permissions_of(value.id))
            }
        return str(value.id)
    if kind == 7 and isinstance(value, FakeChannel):
        resolved.setdefault("channels", {})[str(value.id)] = {
            "id": str(value.id),
            "name": value.name,
            "type": value.type,
            "permissions": str((1 << 51) - 1),
            "parent_id": str(value.parent_id) if value.parent_id else None,
        }
        return str(value.id)
    if kind in (8, 9) and isinstance(value, FakeRole):
        resolved.setdefault("roles", {})[str(value.id)] = value.payload()
        return str(value.id)
    if kind == 11 and isinstance(value, tuple):
        filename, content = value
        attachment_id = str(snowflake())
        resolved.setdefault("attachments", {})[attachment_id] = {
            "id": attachment_id,
            "filename": filename,
            "size": len(content),
            "url": f"https://cdn.invalid/attachments/{attachment_id}/{filename}",
            "proxy_url": f"https://cdn.invalid/attachments/{attachment_id}/{filename}",
            "content_type": "application/octet-stream",
        }
        return attachment_id
    raise InteractionBuildError(f"cannot pass {value!r} as option type {kind}")


# components --------------------------------------------------------------------------------------
def component_data(
    message: dict[str, Any], custom_id: str, values: list[Any] | None, guild: FakeGuild | None
) -> dict[str, Any]:
    """`data` of a click on a button or a choice in a select of `message`."""
    component = find_component(message.get("components", []), custom_id)
    if component is None:
        raise InteractionBuildError(f"message {message['id']} has no component {custom_id!r}")
    if component.get("disabled"):
        raise InteractionBuildError(f"component {custom_id!r} is disabled")
    kind = int(component["type"])
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": kind}
    if kind == 2:
        if values:
            raise InteractionBuildError("a button carries no values")
        return data
    chosen = list(values or [])
    low, high = int(component.get("min_values", 1)), int(component.get("max_values", 1))
    if not low <= len(chosen) <= high:
        raise InteractionBuildError(f"select {custom_id!r} takes {low}..{high} values, got {len(chosen)}")
    if kind == 3:
        allowed = {o["value"] for o in component.get("options", [])}
        bad = [v for v in chosen if v not in allowed]
        if bad:
            raise InteractionBuildError(f"{bad} are not options of {custom_id!r}")
        data["values"] = [str(v) for v in chosen]
        return data
    resolved: dict[str, dict[str, Any]] = {}
    ids = []
    for value in chosen:
        kind_for_value = 6 if isinstance(value, FakeUser) else 8 if isinstance(value, FakeRole) else 7
        ids.append(_option_value(kind_for_value, {"name": custom_id}, value, resolved, guild))
    data["values"] = ids
    data["resolved"] = resolved
    return data


# modals ------------------------------------------------------------------------------------------
def modal_submit_data(modal: dict[str, Any], values: Mapping[str, str | list[str]]) -> dict[str, Any]:
    """`data` of submitting `modal` (the bot's type-9 callback data) with `values` by custom_id."""
    unknown = set(values) - _custom_ids(modal.get("components", []))
    if unknown:
        raise InteractionBuildError(f"modal {modal.get('custom_id')!r} has no field(s) {sorted(unknown)}")
    return {
        "custom_id": modal["custom_id"],
        "components": [c for c in (_mirror(c, values) for c in modal.get("components", [])) if c is not None],
    }


def _custom_ids(components: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for component in components:
        if "custom_id" in component:
            found.add(component["custom_id"])
        found |= _custom_ids(component.get("components", []) or [])
        if isinstance(component.get("component"), dict):
            found |= _custom_ids([component["component"]])
    return found


def _mirror(component: dict[str, Any], values: Mapping[str, str | list[str]]) -> dict[str, Any] | None:
    kind = int(component["type"])
    if kind == 1:
        return {
            "type": 1,
            "components": [c for c in (_mirror(x, values) for x in component["components"]) if c],
        }
    if kind == 18:
        inner = _mirror(component["component"], values)
        return {"type": 18, "id": component.get("id", 0), "component": inner} if inner else None
    if kind == 4:
        text = values.get(component["custom_id"], component.get("value") or "")
        if not isinstance(text, str):
            raise InteractionBuildError(f"text input {component['custom_id']!r} takes a string")
        required = component.get("required", True)
        if required and not text:
            raise InteractionBuildError(f"text input {component['custom_id']!r} is required")
        if text and not component.get("min_length", 0) <= len(text) <= component.get("max_length", 4000):
            raise InteractionBuildError(f"text input {component['custom_id']!r}: length outside its limits")
        return {"type": 4, "custom_id": component["custom_id"], "value": text}
    if kind in (3, 5, 6, 7, 8):
        chosen = values.get(component["custom_id"], [])
        if isinstance(chosen, str):
            chosen = [chosen]
        return {"type": kind, "custom_id": component["custom_id"], "values": list(chosen)}
    return None
