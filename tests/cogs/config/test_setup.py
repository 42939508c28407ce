"""/setup: the guided first run, its summary and dry run, and nothing switched on before "Switch on"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bootstrap.runtime import running_app
from cogs.config import COGS as CONFIG_COGS
from cogs.config.editor import ConfigEditor
from cogs.config.schema import community_schema
from cogs.config.setup_logic import answers_to_values, parse_schedule
from cogs.config.values import ValueRefused, check_value
from core.commands import Cog, command
from core.context import Context
from core.dispatcher import App
from core.i18n import N_
from core.permissions import Level
from core.settings import CommunityConfig, Settings
from tests.cogs.config.conftest import KEY_A, Community

SCHEMA = community_schema()


# ---------------------------------------------------------------------- pure parts
@pytest.mark.parametrize(("text", "expected"), [
    ("weekly mon 9 Europe/Berlin", {"matching.cadence": "weekly", "matching.day": "mon", "matching.hour": 9,
                                    "matching.timezone": "Europe/Berlin"}),
    ("Tuesday 14:00", {"matching.day": "tue", "matching.hour": 14}),
    ("biweekly fri 3pm", {"matching.cadence": "biweekly", "matching.day": "fri", "matching.hour": 15}),
    ("every thursday at 9 am UTC", {"matching.day": "thu", "matching.hour": 9, "matching.timezone": "UTC"}),
    ("monatlich am Mittwoch um 8 Uhr", {"matching.cadence": "monthly", "matching.day": "wed", "matching.hour": 8}),
])
def test_schedule_lines_are_read_the_way_people_write_them(text: str, expected: dict[str, Any]) -> None:
    assert parse_schedule(text, SCHEMA["matching.hour"]) == expected


@pytest.mark.parametrize("text", ["someday", "mon 25", "weekly mon 9 Mars/Base"])
def test_a_schedule_that_is_not_understood_is_refused(text: str) -> None:
    with pytest.raises(ValueRefused):
        parse_schedule(text, SCHEMA["matching.hour"])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_schedule_text_is_refused_or_valid(text: str) -> None:
    try:
        values = parse_schedule(text, SCHEMA["matching.hour"])
    except ValueRefused:
        return
    for key, value in values.items():
        assert check_value(SCHEMA[key], value) == value


def test_answers_are_checked_together() -> None:
    values, problems = answers_to_values({"language": "fr", "moderator_roles": "mods", "schedule": "fri 99",
                                          "welcome": "maybe", "intro_channel": None}, SCHEMA)
    assert values == {"community.moderator_roles": ["mods"]}
    assert [p.key for p in problems] == ["community.language", "welcome.enabled", "matching.hour"]
    values, problems = answers_to_values({"language": "", "moderator_roles": "", "intro_channel": "",
                                          "schedule": "", "welcome": ""}, SCHEMA)
    assert problems == [] and values == {"community.moderator_roles": [], "community.intro_channel": ""}


# ---------------------------------------------------------------------- the flow, with no previews installed
async def test_form_summary_then_switch_on(community_a: Community) -> None:
    assert await community_a.run("admin", "/setup")
    form = community_a.form
    assert form is not None and form.custom_id == "setup:form"
    assert [f.id for f in form.fields] == ["language", "moderator_roles", "intro_channel", "schedule", "welcome"]
    assert all(len(f.label) <= 45 for f in form.fields)
    assert {f.id: f.default for f in form.fields}["schedule"] == "weekly mon 9 UTC"

    answers = {"language": "de", "moderator_roles": "mods, <@&5>", "intro_channel": "<#C7|intros>",
               "schedule": "biweekly tue 14 Europe/Berlin", "welcome": "no"}
    assert await community_a.submit("admin", "setup:form", answers)
    summary = community_a.replies()[-2]
    assert summary.title == "Setup: summary"
    assert "matching.hour: 9 → 14" in summary.text and "community.language: en → de" in summary.text
    assert "Nothing is switched on" in summary.text
    assert "Not installed here, so no preview: /match preview, /welcome preview." in community_a.last()
    assert await community_a.overrides() == {}  # nothing before "Switch on"

    apply_id = next(b for b in community_a.buttons() if b.startswith("setup:apply:"))
    assert await community_a.press("admin", apply_id)
    config = await community_a.config()
    assert config.community.language == "de"
    assert config.community.moderator_roles == ["mods", "5"]
    assert config.community.intro_channel == "C7"
    assert (config.matching.cadence, config.matching.day, config.matching.hour, config.matching.timezone) == (
        "biweekly", "tue", 14, "Europe/Berlin")
    assert config.welcome.enabled is False
    assert "Kindred ist eingerichtet" in community_a.all_text()  # the community speaks German from now on
    assert "config:module:matching:off" in community_a.buttons()
    rows = await ConfigEditor.of(community_a.app.services).audit.history((await community_a.ref()).id)
    assert {r.action for r in rows} == {"setup"} and len(rows) == 9  # welcome:no also switches the module off
    assert not await community_a.press("admin", apply_id)  # a draft is used once
    assert "nicht mehr verfügbar" in community_a.last()


async def test_wrong_answers_are_explained_and_change_nothing(community_a: Community) -> None:
    assert await community_a.submit("admin", "setup:form", {"language": "fr", "schedule": "someday",
                                                            "welcome": "yes", "moderator_roles": "",
                                                            "intro_channel": ""})
    text = community_a.last()
    assert text.startswith("Setup: please check")
    assert "Allowed: one of en, de." in text and "I did not understand “someday”" in text
    assert "Nothing was changed." in text
    assert not [b for b in community_a.buttons() if b.startswith("setup:")]
    assert await community_a.overrides() == {}


async def test_cancel_changes_nothing(community_a: Community) -> None:
    assert await community_a.run("admin", "/setup language:de welcome:no")
    cancel = next(b for b in community_a.buttons() if b.startswith("setup:cancel:"))
    assert await community_a.press("admin", cancel)
    assert community_a.last() == "Setup cancelled. Nothing was changed."
    assert not await community_a.press("admin", cancel.replace("cancel", "apply"))
    assert await community_a.overrides() == {}
    # a later draft never gets the cancelled one's id, so the old button cannot apply it
    assert await community_a.run("admin", "/setup language:de")
    assert not await community_a.press("admin", cancel.replace("cancel", "apply"))
    assert await community_a.overrides() == {}


async def test_options_instead_of_a_form_where_forms_are_missing(community_a: Community) -> None:
    community_a.messenger.capabilities = frozenset()
    assert not await community_a.run("admin", "/setup")
    assert "Give the settings as options" in community_a.last()
    assert await community_a.run("admin", "/setup schedule:fri 10")
    assert "matching.day: mon → fri" in community_a.replies()[-2].text


async def test_setup_switches_modules_on_it_configures(community_a: Community) -> None:
    await community_a.run("admin", "/config set community.disabled_modules matching, welcome, mentoring")
    await community_a.run("admin", "/setup welcome:yes")
    assert "community.disabled_modules: matching, welcome, mentoring → mentoring" in community_a.replies()[-2].text
    await community_a.press("admin", next(b for b in community_a.buttons() if b.startswith("setup:apply:")))
    assert (await community_a.config()).community.disabled_modules == ["mentoring"]


# ---------------------------------------------------------------------- the dry run with installed previews
class PreviewProbe(Cog):
    """Stands in for the matching feature's /match preview: records what the dry run hands it."""

    name = "probe"
    module = "matching"
    seen: list[tuple[CommunityConfig | None, bool, int]] = []

    @command("match preview", N_("Show who would be matched"), level=Level.MODERATOR)
    async def preview(self, ctx: Context) -> None:
        stored = await self.services.config.get(ctx.community.id)
        type(self).seen.append((ctx.proposed, ctx.proposed is not None, stored.matching.hour))
        await ctx.reply("probe preview ran", ephemeral=True)


class BrokenPreview(Cog):
    name = "broken"

    @command("welcome preview", N_("Show who would be matched"), level=Level.MODERATOR)
    async def preview(self, ctx: Context) -> None:
        raise RuntimeError("half-finished feature")


@pytest.fixture
async def probe_app(settings: Settings) -> AsyncIterator[App]:
    PreviewProbe.seen = []
    async with running_app(settings, cogs=[*CONFIG_COGS, PreviewProbe, BrokenPreview]) as running:
        yield running


async def test_dry_run_previews_the_proposed_settings_before_switching_on(probe_app: App) -> None:
    c = Community(probe_app, KEY_A)
    c.add("admin", admin=True)
    await c.run("admin", "/config module matching off")
    assert not await c.run("admin", "/match preview")  # switched off for normal use
    await c.run("admin", "/setup schedule:wed 14")
    assert len(PreviewProbe.seen) == 1
    proposed, dry, stored_hour = PreviewProbe.seen[0]
    assert proposed is not None and proposed.matching.hour == 14 and proposed.matching.day == "wed"
    assert "matching" not in proposed.community.disabled_modules
    assert dry is True and stored_hour == 9  # the store still has the old settings
    text = c.all_text()
    assert "probe preview ran" in text
    assert "/welcome preview could not run; it has been logged." in text
    assert "Dry run done: /match preview. Nothing was sent to members." in text
    assert "No preview from: /welcome preview." in text
    assert (await c.config()).matching.hour == 9

    assert await c.press("admin", next(b for b in c.buttons() if b.startswith("setup:dry:")))
    assert len(PreviewProbe.seen) == 2
    assert await c.press("admin", next(b for b in c.buttons() if b.startswith("setup:apply:")))
    assert (await c.config()).matching.hour == 14
    assert await c.run("admin", "/match preview")  # switched on by the setup
