"""/config show, set, reset, module through the real dispatcher, store and resolver."""

from __future__ import annotations

import pytest

from cogs.config.editor import ConfigEditor
from cogs.config.schema import community_schema
from cogs.config.values import format_value
from core.permissions import Level
from tests.cogs.config.conftest import OWNER_ID, Community

SCHEMA = community_schema()

# one example per key type: key, typed text, the stored value
EXAMPLES = [
    ("matching.checkin", "no", False),
    ("matching.hour", "10", 10),
    ("engagement.flush_seconds", "2.5", 2.5),
    ("matching.cadence", "Monthly", "monthly"),
    ("matching.timezone", "europe/berlin", "Europe/Berlin"),
    ("welcome.channel", "<#C42|welcome>", "C42"),
    ("welcome.trigger", "value:role:123", "role:123"),
    ("community.moderator_roles", "mods, helpers", ["mods", "helpers"]),
    ("community.disabled_modules", "mentoring", ["mentoring"]),
    ("welcome.messages", "Hi {member}, welcome! | Hello {member}", ["Hi {member}, welcome!", "Hello {member}"]),
    ("profiles.extra_fields", 'value:{ company = { description = "Company" } }',
     {"company": {"description": "Company", "multiple": False, "allowed": []}}),
]


@pytest.mark.parametrize(("key", "text", "stored"), EXAMPLES)
async def test_set_every_kind_stores_the_typed_value(community_a: Community, key: str, text: str,
                                                      stored: object) -> None:
    who = OWNER_ID if SCHEMA[key].level > Level.MODERATOR else "admin"
    community_a.messenger.role_names.append("123")  # a role trigger must name a role of the community
    assert await community_a.run(who, f"/config set {key} {text}")
    assert (await community_a.overrides())[key] == stored
    section, _, name = key.partition(".")
    assert getattr(getattr(await community_a.config(), section), name) is not None
    assert "Settings changed" in community_a.last()
    assert "In effect now." in community_a.last()
    assert await community_a.run(who, f"/config show {key}")
    assert format_value(SCHEMA[key], stored)[:40] in community_a.last()


async def test_set_with_typed_options_as_discord_sends_them(community_a: Community) -> None:
    assert await community_a.run("admin", "/config set", {"key": "matching.group_size", "value": "3"})
    assert (await community_a.config()).matching.group_size == 3


@pytest.mark.parametrize(("key", "text", "allowed"), [
    ("matching.hour", "25", "a whole number from 0 to 23"),
    ("matching.checkin", "perhaps", "yes or no"),
    ("matching.day", "someday", "one of mon, tue, wed, thu, fri, sat, sun"),
    ("matching.timezone", "Atlantis/Capital", "IANA time zone"),
    ("community.disabled_modules", "chess", "profiles, matching, mentoring, collab, welcome, engagement"),
    ("engagement.flush_seconds", "0", "greater than 0 and at most 60"),
    ("profiles.extra_fields", "value:{ role = {} }", "built in"),
    ("welcome.trigger", "soon", "join, role:<role id> or channel:<channel id>"),
])
async def test_a_wrong_value_is_refused_and_nothing_changes(community_a: Community, key: str, text: str,
                                                             allowed: str) -> None:
    before = await community_a.config()
    who = OWNER_ID if SCHEMA[key].level > Level.MODERATOR else "admin"
    assert not await community_a.run(who, f"/config set {key} {text}")
    reply = community_a.last()
    assert allowed in reply
    assert "Nothing was changed." in reply
    assert await community_a.overrides() == {}
    assert await community_a.config() == before
    assert await ConfigEditor.of(community_a.app.services).audit.history((await community_a.ref()).id) == []


async def test_unknown_key_gets_a_suggestion(community_a: Community) -> None:
    assert not await community_a.run("admin", "/config set matching.hours 10")
    assert "Did you mean matching.hour" in community_a.last()
    assert not await community_a.run("admin", "/config show storage.url")
    assert "Unknown key storage.url" in community_a.last()
    assert not await community_a.run("admin", "/config set discord.token abc")
    assert await community_a.overrides() == {}


async def test_show_overview_section_and_key(community_a: Community) -> None:
    await community_a.run("admin", "/config set matching.hour 11")
    await community_a.run("admin", "/config show")
    overview = community_a.replies()[-1]
    assert [f.name for f in overview.fields] == ["community", "profiles", "matching", "collab", "welcome",
                                                   "engagement"]
    assert "hour = 11 *" in overview.fields[2].value
    assert all(len(f.value) <= 1024 for f in overview.fields)
    await community_a.run("admin", "/config show matching")
    assert "matching.hour *" in community_a.last()
    assert "Round weekday." in community_a.last()
    await community_a.run("admin", "/config show matching.hour")
    text = community_a.last()
    assert "Value: 11" in text and "Default (config.toml): 9" in text
    assert "a whole number from 0 to 23" in text
    assert "by Admin" in text


async def test_same_value_changes_nothing(community_a: Community) -> None:
    assert await community_a.run("admin", "/config set matching.hour 9")
    assert "already 9" in community_a.last()
    assert await community_a.overrides() == {}


async def test_reset_key_section_and_all(community_a: Community) -> None:
    for line in ("matching.hour 10", "matching.day fri", "welcome.dm no"):
        await community_a.run("admin", f"/config set {line}")
    await community_a.run("admin", "/config reset matching.hour")
    assert "matching.hour: 10 → 9 (default)" in community_a.last()
    assert set(await community_a.overrides()) == {"matching.day", "welcome.dm"}
    await community_a.run("admin", "/config reset matching.hour")
    assert "already uses the default" in community_a.last()
    await community_a.run("admin", "/config reset matching")
    assert set(await community_a.overrides()) == {"welcome.dm"}
    await community_a.run("admin", "/config reset all")
    assert await community_a.overrides() == {"welcome.dm": False}  # not before the confirmation
    assert "config:resetall" in community_a.buttons()
    assert await community_a.press("admin", "config:resetall")
    assert await community_a.overrides() == {}
    assert (await community_a.config()).welcome.dm is True


async def test_modules_switch_on_and_off(community_a: Community) -> None:
    await community_a.run("admin", "/config module profiles off")
    assert (await community_a.config()).community.disabled_modules == ["profiles"]
    assert not await community_a.run("alice", "/profile show")
    assert "The Profiles (profiles) module is switched off" in community_a.last()
    await community_a.run("admin", "/config module")
    assert "config:module:profiles:on" in community_a.buttons()
    assert await community_a.press("admin", "config:module:profiles:on")
    assert (await community_a.config()).community.disabled_modules == []
    assert await community_a.run("alice", "/profile show")
    await community_a.run("admin", "/config set community.disabled_modules welcome, matching")
    assert (await community_a.config()).community.disabled_modules == ["welcome", "matching"]
    assert not await community_a.press("admin", "config:module:chess:on")
    assert "no longer active" in community_a.last()


async def test_owner_only_keys(community_a: Community) -> None:
    assert not await community_a.run("admin", "/config set engagement.queue_max 1000")
    assert "Only a bot owner can change engagement.queue_max. Your level here: moderator." in community_a.last()
    assert await community_a.overrides() == {}
    assert await community_a.run(OWNER_ID, "/config set engagement.queue_max 1000")
    assert (await community_a.config()).engagement.queue_max == 1000
    assert not await community_a.run("admin", "/config reset engagement")
    assert (await community_a.config()).engagement.queue_max == 1000


async def test_german_community_gets_german_replies(community_a: Community) -> None:
    await community_a.run("admin", "/config set community.language de")
    await community_a.run("admin", "/config set matching.hour 99")
    assert "Erlaubt: eine ganze Zahl von 0 bis 23." in community_a.last()
    assert "Nichts wurde geändert." in community_a.last()
    await community_a.run("admin", "/config show matching.day")
    assert "Wochentag der Runde." in community_a.last()
    # a settings validator's refusal is translated too
    assert not await community_a.run("admin", "/config set welcome.messages Hallo {member.__class__}")
    assert "„{member.__class__}“ ist in einer Begrüßung nicht erlaubt." in community_a.last()
    assert "is not allowed" not in community_a.last() and "Nichts wurde geändert." in community_a.last()
    assert not await community_a.run("admin", "/config set profiles.extra_fields value:{ about = {} }")
    assert "Das Feld „about“ ist schon eingebaut." in community_a.last()


async def test_autocomplete_keys_and_values(community_a: Community) -> None:
    app = community_a.app
    admin = community_a.add("admin").ref
    keys = await app.autocomplete(community_a.key, admin, ("config", "set"), "key", "hou")
    assert keys[0] == "matching.hour"
    shown = await app.autocomplete(community_a.key, admin, ("config", "show"), "key", "match")
    assert shown[0] == "matching"
    resets = await app.autocomplete(community_a.key, admin, ("config", "reset"), "key", "al")
    assert "all" in resets
    days = await app.autocomplete(community_a.key, admin, ("config", "set"), "value", "t",
                                  {"key": "matching.day"})
    assert days == ["tue", "thu", "sat"]
    zones = await app.autocomplete(community_a.key, admin, ("config", "set"), "value", "berl",
                                   {"key": "matching.timezone"})
    assert "Europe/Berlin" in zones
    modules = await app.autocomplete(community_a.key, admin, ("config", "set"), "value", "matching, we",
                                     {"key": "community.disabled_modules"})
    assert modules == ["matching, welcome"]
    hours = await app.autocomplete(community_a.key, admin, ("config", "set"), "value", "2",
                                   {"key": "matching.hour"})
    assert hours[:2] == ["2", "20"]
    assert await app.autocomplete(community_a.key, admin, ("config", "set"), "value", "", {"key": "nope"}) == []


async def test_channel_and_role_settings_from_typed_mentions(community_a: Community) -> None:
    """/config channel and /config role as Slack and the console send them: mentions, names or ids as text."""
    assert await community_a.run("admin", "/config channel key:welcome.channel channel:<#C42|welcome>")
    assert (await community_a.overrides())["welcome.channel"] == "C42"
    assert await community_a.run("admin", "/config role key:community.moderator_roles role:<!subteam^S1|@mods>")
    assert await community_a.run("admin", "/config role key:community.moderator_roles role:@helpers")
    assert (await community_a.config()).community.moderator_roles == ["S1", "helpers"]
    assert await community_a.run("admin", "/config role key:community.moderator_roles role:S1 remove:yes")
    assert (await community_a.config()).community.moderator_roles == ["helpers"]
    assert not await community_a.run("admin", "/config role key:community.moderator_roles role:S1 remove:yes")
    assert "Nothing was changed" in community_a.last()
    assert not await community_a.run("admin", "/config channel key:matching.hour channel:#general")
    assert "not allowed" in community_a.last()  # only channel settings are offered
    assert not await community_a.run("member", "/config channel key:welcome.channel channel:#general")
