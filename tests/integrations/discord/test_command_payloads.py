"""The neutral tree as Discord commands, and invocations back (pure functions on the real cogs' tree)."""

from __future__ import annotations

from core import options as opt
from core.affordances import neutral_path, shown_path
from core.dispatcher import App
from core.refs import ChannelRef, MemberRef, RoleRef
from integrations.discord.commands import command_payloads, option_payload, parse_invocation, same_commands
from tests.fakes.discord.validate import commands_problem


async def test_the_shipped_tree_is_valid_for_discord(app: App) -> None:
    payloads = command_payloads(app.tree)
    assert commands_problem(payloads) is None
    assert [p["name"] for p in payloads] == sorted(p["name"] for p in payloads)
    for payload in payloads:
        assert 1 <= len(payload["description"]) <= 100
        for localised in payload.get("description_localizations", {}).values():
            assert 1 <= len(localised) <= 100


async def test_registered_commands_compare_equal_to_what_discord_returns(app: App) -> None:
    wanted = command_payloads(app.tree)
    returned = [  # Discord answers null for localisations a command has none of
        {"name_localizations": None, **p, "id": "1", "application_id": "2", "version": "3", "guild_id": "4"}
        for p in wanted
    ]
    assert same_commands(returned, wanted)
    changed = [dict(p) for p in returned]
    changed[0]["description"] = "something else"
    assert not same_commands(changed, wanted)
    renamed = [dict(p) for p in returned]
    renamed[0]["name_localizations"] = {"de": "anders"}
    assert not same_commands(renamed, wanted)


def test_option_types_limits_and_choices() -> None:
    assert option_payload(opt.integer("hour", "Hour", min_value=0, max_value=23)) == {
        "type": 4,
        "name": "hour",
        "description": "Hour",
        "min_value": 0,
        "max_value": 23,
    }
    cadence = option_payload(opt.choice("cadence", ["weekly", "monthly"], "How often", required=True))
    assert cadence["choices"] == [
        {"name": "weekly", "value": "weekly", "name_localizations": {"de": "wöchentlich"}},
        {"name": "monthly", "value": "monthly", "name_localizations": {"de": "monatlich"}},
    ]
    assert cadence["name_localizations"] == {"de": "rhythmus"}
    assert cadence["required"] is True
    many = option_payload(opt.choice("tz", [f"zone{i}" for i in range(40)], "Zone"))
    assert many["autocomplete"] is True and "choices" not in many
    listed = option_payload(opt.string("topics", "Topics", multiple=True, max_length=60))
    assert "max_length" not in listed  # a list is checked item by item by the shared parser
    assert option_payload(opt.member("who", "Who"))["type"] == 6
    assert option_payload(opt.channel("where", "Where")) == {"type": 7, "name": "where", "description": "Where",
                                                             "channel_types": [0]}
    assert option_payload(opt.role("roles", "Roles", multiple=True))["type"] == 8
    assert option_payload(opt.boolean("public", ""))["description"] == "public"


def test_parse_invocation_walks_subcommands_and_resolves_users() -> None:
    data = {
        "name": "profile",
        "options": [
            {
                "type": 1,
                "name": "show",
                "options": [{"type": 6, "name": "member", "value": "1323802873036800009"}],
            }
        ],
        "resolved": {
            "users": {"1323802873036800009": {"id": "1323802873036800009", "username": "ana", "global_name": "Ana"}},
            "members": {"1323802873036800009": {"nick": "Ana N.", "roles": ["77"]}},
        },
    }
    invocation = parse_invocation(data)
    assert invocation.path == ("profile", "show")
    member = invocation.values["member"]
    assert isinstance(member, MemberRef)
    assert (member.user_id, member.display_name, member.username, member.roles) == (
        "1323802873036800009",
        "Ana N.",
        "ana",
        ("77",),
    )


def test_parse_invocation_of_autocomplete() -> None:
    data = {
        "name": "profile",
        "options": [
            {
                "type": 1,
                "name": "set",
                "options": [
                    {"type": 3, "name": "role", "value": "dev"},
                    {"type": 3, "name": "timezone", "value": "Eur", "focused": True},
                ],
            }
        ],
    }
    invocation = parse_invocation(data)
    assert (invocation.focused, invocation.current, invocation.values) == ("timezone", "Eur", {"role": "dev"})


def test_parse_invocation_of_pickers_and_a_members_menu() -> None:
    picked = parse_invocation({
        "name": "config", "type": 1,
        "options": [{"type": 1, "name": "channel", "options": [
            {"type": 3, "name": "key", "value": "community.intro_channel"},
            {"type": 7, "name": "channel", "value": "11"}]}],
        "resolved": {"channels": {"11": {"id": "11", "name": "intros", "type": 0}}},
    })
    assert picked.values["channel"] == ChannelRef("discord", "11", "intros")
    role = parse_invocation({"name": "config", "options": [{"type": 1, "name": "role", "options": [
        {"type": 8, "name": "role", "value": "22"}]}], "resolved": {"roles": {"22": {"id": "22", "name": "Mods"}}}})
    assert role.values["role"] == RoleRef("22", "Mods")
    menu = parse_invocation({"name": "View profile", "type": 2, "target_id": "33",
                             "resolved": {"users": {"33": {"id": "33", "username": "ben"}}}})
    assert menu.path == ("View profile",)
    assert isinstance(menu.values["member"], MemberRef) and menu.values["member"].user_id == "33"


async def test_split_paths_map_back_to_the_neutral_tree(app: App) -> None:
    assert neutral_path(app.tree, ("match-admin", "preview")) == ("match", "preview")
    assert neutral_path(app.tree, ("match", "join")) == ("match", "join")
    assert neutral_path(app.tree, ("config-admin", "show")) == ("config-admin", "show")  # config is not split
    preview = app.find(("match", "preview"))
    assert preview is not None
    assert shown_path(app.tree, preview, split=True) == ("match-admin", "preview")
    assert shown_path(app.tree, preview, split=False) == ("match", "preview")
