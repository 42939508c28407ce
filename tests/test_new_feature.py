"""A new feature plugs in without touching Kindred: CONTRIBUTING.md's recipe, proved on a throwaway package.

The package `kindred_garden` is written into a temporary folder, laid out as `uv pip install` would leave it in
site-packages: the package and a `.dist-info` whose entry point in the group `kindred.features` names it
(bootstrap/discovery.py). With that folder on the import path it is discovered, its command answers in the
console, and its settings section is read from config.toml and shown and changed in `/config`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from textwrap import dedent

import pytest

from bootstrap.discovery import ENTRY_POINT_GROUP, discover, feature_packages
from core.commands import Cog
from core.settings import Settings, load_settings, registry
from tests.testbot import TestBot, with_defaults

ROOT = Path(__file__).resolve().parents[1]

FILES = {
    "kindred_garden/__init__.py": '''
        """A garden: the smallest feature, one command and one setting."""

        from kindred_garden.cog import Garden
        from kindred_garden.settings import SECTION as SECTION  # registers [garden] in the settings registry

        COGS = [Garden]
        ''',
    "kindred_garden/settings.py": '''
        from pydantic import BaseModel, Field

        from core.settings.registry import SettingsSection, register


        class GardenSettings(BaseModel):
            beds: int = Field(3, ge=1, le=9, description="Beds in the garden.")


        SECTION = register(SettingsSection("garden", community=GardenSettings, modules=("garden",), order=60))
        ''',
    "kindred_garden/cog.py": '''
        from core.commands import Cog, command
        from core.context import Context
        from core.i18n import N_
        from kindred_garden.settings import GardenSettings


        class Garden(Cog):
            name = "garden"
            module = "garden"  # /config module garden off switches it off

            @command("garden", N_("How many beds the garden has"))
            async def garden(self, ctx: Context) -> None:
                config = await self.services.config.get(ctx.community.id)
                beds = config.section(GardenSettings).beds
                await ctx.reply(ctx._n("The garden has {beds} bed.", "The garden has {beds} beds.", beds,
                                       beds=beds))
        ''',
    "kindred_garden-0.1.dist-info/METADATA": """
        Metadata-Version: 2.1
        Name: kindred-garden
        Version: 0.1
        """,
    "kindred_garden-0.1.dist-info/entry_points.txt": f"""
        [{ENTRY_POINT_GROUP}]
        garden = kindred_garden
        """,
}


def install_garden(site: Path) -> None:
    """Write the package and its distribution metadata, as an install would."""
    for name, text in FILES.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text).lstrip(), encoding="utf-8")


@pytest.fixture
def garden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """kindred_garden installed for this test only; afterwards it is gone from the import path, the imported
    modules and the settings registry."""
    site = tmp_path / "site-packages"
    install_garden(site)
    monkeypatch.syspath_prepend(str(site))
    yield site
    registry.unregister("garden")
    for name in [m for m in sys.modules if m == "kindred_garden" or m.startswith("kindred_garden.")]:
        del sys.modules[name]


def garden_cog() -> type[Cog]:
    (cog,) = [c for c in discover() if c.name == "garden"]
    return cog


@pytest.fixture
def settings(garden: Path, tmp_path: Path) -> Settings:
    """As bot.py does: the feature packages are imported (their sections registered) before config.toml is read."""
    discover()
    (tmp_path / "config.toml").write_text("[garden]\nbeds = 4\n", encoding="utf-8")
    return load_settings(tmp_path / "config.toml", storage={"url": f"sqlite+aiosqlite:///{tmp_path / 'k.db'}"})


@pytest.fixture
def app_cogs(garden: Path) -> list[type[Cog]]:
    """The garden and what a single feature's test needs around it (/config, /setup, /help)."""
    return with_defaults(garden_cog())


def test_an_installed_feature_is_discovered(garden: Path) -> None:
    assert "kindred_garden" in feature_packages()
    assert feature_packages()[0].startswith("cogs.")  # Kindred's own come first
    assert garden_cog().__module__ == "kindred_garden.cog"
    assert "garden" in registry.modules()


async def test_its_command_answers_in_the_console(testbot: TestBot) -> None:
    assert await testbot.run("/garden") == "The garden has 4 beds."  # config.toml says 4
    assert "/garden — How many beds the garden has" in await testbot.run("/help")


async def test_its_setting_is_shown_and_set_in_config(testbot: TestBot) -> None:
    from kindred_garden.settings import GardenSettings  # type: ignore[import-not-found]

    shown = await testbot.run("/config show garden")
    assert "garden.beds" in shown and "Beds in the garden." in shown
    assert "garden: beds = 4" in await testbot.run("/config show")  # the overview, one line per section

    await testbot.run("/config set garden.beds 7")
    assert (await testbot.section(GardenSettings)).beds == 7
    assert await testbot.overrides() == {"garden.beds": 7}
    assert await testbot.run("/garden") == "The garden has 7 beds."

    assert "Allowed: a whole number from 1 to 9" in await testbot.run("/config set garden.beds 10")  # its Field
    assert (await testbot.section(GardenSettings)).beds == 7

    refused = await testbot.run("/config set garden.beds 5", as_user="alice")  # a member, not a moderator
    assert "Only a moderator" in refused, refused
    assert (await testbot.section(GardenSettings)).beds == 7


async def test_its_module_can_be_switched_off(testbot: TestBot) -> None:
    await testbot.run("/config module garden off")
    assert (await testbot.config()).community.disabled_modules == ["garden"]
    assert "The garden has" not in await testbot.run("/garden")


def test_bot_py_runs_it_from_config_toml(garden: Path, tmp_path: Path) -> None:
    """The real command line: installed into the environment (here: on PYTHONPATH), found before config.toml is
    read, answering in the console."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "config.toml").write_text("[garden]\nbeds = 5\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KINDRED_")}
    env.update(PYTHONPATH=os.pathsep.join([str(garden), str(ROOT)]), COLUMNS="200")
    result = subprocess.run([sys.executable, str(ROOT / "bot.py"), "console"], input="/garden\n", text=True,
                            capture_output=True, cwd=work, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "The garden has 5 beds." in result.stdout
