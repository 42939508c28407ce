"""The audit trail (/config history) and TOML export/import, validated as a whole."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime

from cogs.config.editor import ConfigEditor
from cogs.config.schema import community_schema
from cogs.config.toml_io import export_toml, parse_import
from tests.cogs.config.conftest import OWNER_ID, Community


def editor(c: Community) -> ConfigEditor:
    return ConfigEditor.of(c.app.services)


async def test_every_change_is_recorded_with_who_when_old_and_new(community_a: Community) -> None:
    start = datetime.now(UTC)
    community_a.add("mod2", admin=True)
    await community_a.run("admin", "/config set matching.hour 10")
    await community_a.run("mod2", "/config set matching.hour 11")
    await community_a.run("admin", "/config set matching.hour 11")  # no change, no row
    await community_a.run("admin", "/config set matching.hour 99")  # refused, no row
    await community_a.run("admin", "/config reset matching.hour")
    await community_a.run("admin", "/config module welcome off")
    rows = await editor(community_a).audit.history((await community_a.ref()).id)
    assert [(r.key, r.old, r.new, r.who, r.action) for r in rows] == [
        ("community.disabled_modules", [], ["welcome"], "Admin", "module"),
        ("matching.hour", 11, 9, "Admin", "reset"),
        ("matching.hour", 10, 11, "Mod2", "set"),
        ("matching.hour", 9, 10, "Admin", "set"),
    ]
    assert all(r.at >= start.replace(microsecond=0) for r in rows)
    assert all(r.member_id for r in rows)


async def test_history_command_shows_and_filters(community_a: Community) -> None:
    await community_a.run("admin", "/config history")
    assert "No changes recorded yet." in community_a.last()
    await community_a.run("admin", "/config set matching.hour 10")
    await community_a.run("admin", "/config set welcome.dm off")
    await community_a.run("admin", "/config history")
    text = community_a.last()
    assert text.index("welcome.dm: true → false") < text.index("matching.hour: 9 → 10")  # newest first
    assert "· Admin (set)" in text and " UTC · " in text
    await community_a.run("admin", "/config history matching")
    assert "matching.hour" in community_a.last() and "welcome.dm" not in community_a.last()
    await community_a.run("admin", "/config history welcome.dm")
    assert "welcome.dm" in community_a.last() and "matching" not in community_a.last()
    await community_a.run("admin", "/config history limit:1")
    assert "matching.hour" not in community_a.last()


async def test_forgetting_a_member_keeps_the_trail_but_not_the_name(community_a: Community) -> None:
    await community_a.run("admin", "/config set matching.hour 10")
    community = await community_a.ref()
    admin_id = community_a.add("admin").ref
    member = await community_a.app.resolve_member(community, admin_id)
    for cog in community_a.app.cogs:
        await cog.forget_member(community.id, member.id)
    (row,) = await editor(community_a).audit.history(community.id)
    assert (row.key, row.old, row.new, row.who, row.member_id) == ("matching.hour", 9, 10, "", None)
    await community_a.run("admin", "/config history")
    assert "(unknown)" in community_a.last()


async def test_export_import_round_trip_into_another_community(community_a: Community,
                                                               community_b: Community) -> None:
    for line in ("matching.hour 10", "matching.timezone Europe/Berlin", "community.moderator_roles mods, team",
                 "welcome.messages Hi {member}, welcome! | Hello \"{member}\"", "community.disabled_modules mentoring",
                 'profiles.extra_fields value:{ company = { description = "Company", allowed = ["A", "B"] } }',
                 "engagement.store_message_text yes"):
        assert await community_a.run("admin", f"/config set {line}"), community_a.last()
    await community_a.run(OWNER_ID, "/config set engagement.flush_seconds 0.5")
    await community_a.run("admin", "/config export")
    exported = community_a.replies()[-1]
    (attachment,) = exported.files
    assert attachment.filename == "kindred-console-community-a.toml"
    text = attachment.data.decode()
    assert text.startswith("# Kindred settings of Community A")
    data = tomllib.loads(text)
    assert data["matching"] == {"hour": 10, "timezone": "Europe/Berlin"}

    # the owner imports it into B (flush_seconds needs the owner); B ends up with exactly A's overrides
    community_b.add(OWNER_ID)
    await community_b.run(OWNER_ID, "/config import")
    assert community_b.form is not None and community_b.form.custom_id == "config:import:merge"
    assert await community_b.submit(OWNER_ID, community_b.form.custom_id, {"toml": text})
    assert await community_b.overrides() == await community_a.overrides()
    assert "Settings changed" in community_b.last()
    await community_b.run(OWNER_ID, "/config export")
    assert community_b.replies()[-1].files[0].data.decode().split("\n", 2)[2] == text.split("\n", 2)[2]
    # importing the same file again changes nothing
    assert await community_b.submit(OWNER_ID, "config:import:merge", {"toml": text})
    assert "matches the current settings" in community_b.last()


async def test_a_wrong_import_applies_nothing_and_lists_every_problem(community_a: Community) -> None:
    await community_a.run("admin", "/config set welcome.dm no")
    bad = """
[matching]
hour = 10
day = "someday"
group_size = "three"

[welcome]
channel = "C1"
colour = "blue"

[storage]
url = "sqlite+aiosqlite:///elsewhere.db"
"""
    assert await community_a.submit("admin", "config:import:replace", {"toml": bad})
    reply = community_a.last()
    assert reply.startswith("Nothing was imported")
    assert "matching.day" in reply and "one of mon, tue" in reply
    assert "matching.group_size" in reply and "a whole number from 2 to 4" in reply
    assert "Unknown key welcome.colour" in reply and "Unknown key storage.url" in reply
    assert await community_a.overrides() == {"welcome.dm": False}

    assert not await community_a.submit("admin", "config:import:merge", {"toml": "[matching\nhour = 1"})
    assert "This is not valid TOML" in community_a.last()
    assert not await community_a.submit("admin", "config:import:merge",
                                        {"toml": "[profiles]\nextra_fields = { team = {} }"})
    assert "built in" in community_a.last() and "Nothing was changed." in community_a.last()
    assert await community_a.overrides() == {"welcome.dm": False}


async def test_import_merge_and_replace(community_a: Community) -> None:
    await community_a.run("admin", "/config set welcome.dm no")
    await community_a.run("admin", "/config import mode:replace")
    assert community_a.form is not None and community_a.form.custom_id == "config:import:replace"
    dotted = 'matching.hour = 8\n"matching.day" = "wed"'
    assert await community_a.submit("admin", "config:import:merge", {"toml": dotted})
    assert await community_a.overrides() == {"welcome.dm": False, "matching.hour": 8, "matching.day": "wed"}
    assert await community_a.submit("admin", "config:import:replace", {"toml": "[matching]\nhour = 8"})
    question = community_a.replies()[-1]  # a replace that resets settings asks first
    assert "Replace the settings?" in question.title and await community_a.overrides() != {"matching.hour": 8}
    assert await community_a.press("admin", question.buttons[0].custom_id)
    assert await community_a.overrides() == {"matching.hour": 8}
    rows = await editor(community_a).audit.history((await community_a.ref()).id, limit=2)
    assert {(r.key, r.action) for r in rows} == {("welcome.dm", "import"), ("matching.day", "import")}
    assert not await community_a.submit("admin", "config:import:sideways", {"toml": ""})


def test_export_and_parse_are_inverse_for_every_key() -> None:
    schema = community_schema()
    overrides = {k: s.default for k, s in schema.items()}
    text = export_toml(overrides, schema, ["header"])
    values, problems = parse_import(text, schema)
    assert problems == []
    assert values == overrides
