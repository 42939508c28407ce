"""A feature's settings reach /config, /config module and config.example.toml from its registered section."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from bootstrap.discovery import discover
from cogs.config.example import render_example_toml
from cogs.config.setup import SetupCog
from core.i18n import LANGUAGES
from core.settings import Settings, load_settings, registry
from core.settings.registry import SettingsSection
from tests.cogs.config.conftest import OWNER_ID, Community


class GardenSettings(BaseModel):
    """A throwaway feature."""

    beds: int = Field(3, ge=1, le=9, description="Beds in the garden.")


class GardenProcessSettings(BaseModel):
    workers: int = Field(2, ge=1, le=10, description="Gardeners working for every community.")


@pytest.fixture
def garden() -> Iterator[None]:
    registry.register(SettingsSection("garden", community=GardenSettings, process=GardenProcessSettings,
                                      modules=("garden",), order=60))
    yield
    registry.unregister("garden")


@pytest.fixture
def settings(garden: None, tmp_path: Path) -> Settings:
    """The throwaway section is registered before the settings are read and the app starts."""
    return load_settings(None, storage={"url": f"sqlite+aiosqlite:///{tmp_path / 'kindred.db'}"},
                         owners=[f"console:{OWNER_ID}"])


async def test_a_registered_section_is_configurable_in_chat(community_a: Community) -> None:
    await community_a.run("admin", "/config show garden")
    assert "garden.beds" in community_a.last() and "garden.workers" in community_a.last()
    assert await community_a.run("admin", "/config set garden.beds 5")
    assert (await community_a.config()).section(GardenSettings).beds == 5
    assert not await community_a.run("admin", "/config set garden.workers 3")
    assert "Only a bot owner can change garden.workers" in community_a.last()
    assert await community_a.run(OWNER_ID, "/config set garden.workers 3")
    assert await community_a.run("admin", "/config module garden off")
    assert (await community_a.config()).community.disabled_modules == ["garden"]
    assert "config:module:garden:on" in community_a.buttons()


def test_a_registered_section_is_in_the_example_file(garden: None) -> None:
    text = render_example_toml()
    assert "\n[garden]\n" in text
    assert "# Per community (moderators): /config set garden.beds <value>\nbeds = 3\n" in text
    assert "# Per community (the bot owner): /config set garden.workers <value>\nworkers = 2\n" in text
    assert text.index("[engagement]") < text.index("[garden]") < text.index("[logging]")


def test_every_switchable_cog_names_a_registered_module() -> None:
    for cog in discover():
        module = cog.module  # ConfigCog's `module` is its /config module handler, not a module name
        assert not isinstance(module, str) or module in registry.modules(), cog


def test_setup_offers_the_declared_languages() -> None:
    (spec,) = [s for s, _h in SetupCog._marked(SetupCog.__new__(SetupCog), "__kindred_command__")]
    assert next(o for o in spec.options if o.name == "language").choices == LANGUAGES
