"""Who may configure: members are refused, moderators (platform admins or configured roles) may, the bot owner may
do everything; every refusal says why."""

from __future__ import annotations

import pytest

from core.dispatcher import App
from core.permissions import Level
from tests.cogs.config.conftest import OWNER_ID, Community


def config_commands(app: App) -> list[str]:
    names = [f"config {sub}" for sub in app.tree.groups["config"].commands]
    return [*names, "setup"]


async def test_every_config_command_declares_at_least_moderator_level(app: App) -> None:
    commands = [c for c in app.tree.all() if c.cog.name in ("config", "setup")]
    assert {c.name for c in commands} == {"config show", "config set", "config reset", "config history",
                                          "config export", "config import", "config module", "config system",
                                          "setup"}
    for cmd in commands:
        assert cmd.spec.level >= Level.MODERATOR, cmd.name
        assert len(cmd.spec.description) <= 100
        assert all(len(o.description) <= 100 for o in cmd.spec.options)
    assert app.find(("config", "system")).spec.level is Level.OWNER


async def test_a_member_is_refused_every_command_with_the_reason(community_a: Community) -> None:
    for name in config_commands(community_a.app):
        assert not await community_a.run("alice", f"/{name}")
        needed = "bot owner" if name == "config system" else "moderator"
        assert community_a.last() == f"Only a {needed} can use /{name}. Your level here: member."
    assert await community_a.overrides() == {}


@pytest.mark.parametrize(("custom_id", "values"), [
    ("config:resetall", None), ("config:module:matching:off", None), ("setup:apply:1", None),
    ("setup:dry:1", None), ("setup:cancel:1", None),
    ("config:import:merge", {"toml": "[matching]\nhour = 3"}), ("setup:form", {"language": "de"}),
])
async def test_a_member_cannot_use_moderator_buttons_or_forms(community_a: Community, custom_id: str,
                                                               values: dict[str, str] | None) -> None:
    await community_a.run("admin", "/config set matching.hour 10")
    if values is None:
        assert not await community_a.press("alice", custom_id)
    else:
        assert not await community_a.submit("alice", custom_id, values)
    assert community_a.last() == "Only a moderator can use this button. Your level here: member."
    assert await community_a.overrides() == {"matching.hour": 10}


async def test_platform_admins_are_moderators_but_not_owners(community_a: Community) -> None:
    assert await community_a.run("admin", "/config show")
    assert not await community_a.run("admin", "/config system")
    assert community_a.last() == "Only a bot owner can use /config system. Your level here: moderator."


async def test_configured_roles_make_moderators(community_a: Community) -> None:
    community_a.add("carol", roles=("helpers",))
    assert not await community_a.run("carol", "/config show")
    assert await community_a.run("admin", "/config set community.moderator_roles helpers, <@&77>")
    assert await community_a.run("carol", "/config set matching.hour 12")  # in effect at once
    assert (await community_a.config()).matching.hour == 12
    community_a.add("dave", roles=("77",))
    assert await community_a.run("dave", "/config history")
    assert await community_a.run("admin", "/config reset community.moderator_roles")
    assert not await community_a.run("carol", "/config show")
    assert "Your level here: member." in community_a.last()


async def test_the_owner_may_do_everything(community_a: Community) -> None:
    assert await community_a.run(OWNER_ID, "/config system")
    text = community_a.last()
    assert "Storage: sqlite" in text and "Communities:" in text
    assert await community_a.run(OWNER_ID, "/config set engagement.batch_size 100")
    assert (await community_a.config()).engagement.batch_size == 100
    assert await community_a.run(OWNER_ID, "/help config")
    assert "/config system" in community_a.last()
    assert await community_a.run("alice", "/help")
    assert "/config" not in community_a.last()
