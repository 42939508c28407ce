"""The settings registry: sections declared by the code that reads them, and the models built from them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import pytest
from pydantic import BaseModel, Field

from core.i18n import LANGUAGES
from core.settings import (
    CommunityConfig,
    Settings,
    SettingsError,
    community_model,
    load_settings,
    registry,
    settings_model,
)
from core.settings.community import CommunitySettings
from core.settings.registry import SettingsSection


class GardenSettings(BaseModel):
    """A throwaway feature's per-community settings."""

    beds: int = Field(3, ge=1, le=9, description="Beds in the garden.")


class GardenProcessSettings(BaseModel):
    workers: int = Field(2, ge=1, le=10, description="Gardeners working for every community.")


@pytest.fixture
def garden() -> Iterator[SettingsSection]:
    section = registry.register(SettingsSection("garden", community=GardenSettings, process=GardenProcessSettings,
                                                modules=("garden",), order=60))
    yield section
    registry.unregister("garden")


def test_a_registered_section_is_read_from_config_toml_and_the_environment(
        garden: SettingsSection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[garden]\nbeds = 5\n", encoding="utf-8")
    monkeypatch.setenv("KINDRED_GARDEN__WORKERS", "4")
    settings = load_settings(path)
    assert settings.section(GardenSettings).beds == 5
    assert settings.section(GardenProcessSettings).workers == 4
    assert settings.garden.beds == 5  # attribute access as for every other section
    defaults = settings.community_defaults()
    assert defaults.section(GardenSettings).beds == 5
    assert CommunityConfig(community={"disabled_modules": ["garden"]}).community.disabled_modules == ["garden"]


def test_a_section_nobody_registered_is_an_unknown_setting(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[garden]\nbeds = 5\n", encoding="utf-8")
    with pytest.raises(SettingsError) as err:
        load_settings(path)
    assert "garden: unknown setting" in err.value.lines


def test_process_keys_are_the_owner_keys(garden: SettingsSection) -> None:
    owner = registry.owner_keys()
    assert {"garden.workers", "engagement.batch_size", "engagement.flush_seconds", "engagement.queue_max"} <= owner
    assert "garden.beds" not in owner and "engagement.retention_days" not in owner
    assert not any(k.startswith(("storage.", "discord.", "slack.", "logging.")) for k in owner)  # not in chat at all


def test_sections_keep_their_order_and_modules_are_listed_once() -> None:
    assert list(settings_model().model_fields) == [
        "storage", "discord", "slack", "community", "profiles", "matching", "collab", "welcome", "engagement", "ops",
        "logging", "owners"]
    assert list(community_model().model_fields) == ["community", "profiles", "matching", "collab", "welcome",
                                                    "engagement"]
    assert registry.modules() == ("profiles", "matching", "mentoring", "collab", "welcome", "engagement")
    ann = community_model().model_fields["community"].annotation
    assert get_args(get_args(ann.model_fields["disabled_modules"].annotation)[0]) == registry.modules()


def test_constructing_a_base_builds_the_full_model() -> None:
    assert isinstance(CommunityConfig(), community_model())
    assert isinstance(Settings(), settings_model())
    assert CommunityConfig().matching.hour == Settings().community_defaults().matching.hour


def test_adding_a_section_rebuilds_the_models(garden: SettingsSection) -> None:
    assert "garden" in community_model().model_fields
    assert "garden" in settings_model().model_fields
    registry.unregister("garden")
    assert "garden" not in community_model().model_fields


def test_one_name_one_section(garden: SettingsSection) -> None:
    assert registry.register(SettingsSection("garden", community=GardenSettings, process=GardenProcessSettings,
                                             modules=("garden",), order=60)) is garden  # imported again: fine
    with pytest.raises(ValueError, match="registered twice"):
        registry.register(SettingsSection("garden", community=GardenSettings))
    with pytest.raises(ValueError, match="module 'garden'"):
        registry.register(SettingsSection("orchard", community=GardenSettings, modules=("garden",)))
    with pytest.raises(ValueError, match="both declare"):
        SettingsSection("orchard", community=GardenSettings, process=GardenSettings)


def test_languages_are_declared_once() -> None:
    assert get_args(CommunitySettings.model_fields["language"].annotation) == LANGUAGES
