"""Fixtures: a fake Discord with the default world, and the real bot connected to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.settings import Settings
from tests.fakes.discord import DefaultWorld, FakeDiscord, default_world
from tests.integrations.discord.harness import KindredOnDiscord, kindred_on_discord


@pytest.fixture
def world() -> DefaultWorld:
    return default_world()


@pytest.fixture
async def fake(world: DefaultWorld) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(world) as server:
        yield server


@pytest.fixture
async def bot(settings: Settings, fake: FakeDiscord) -> AsyncIterator[KindredOnDiscord]:
    async with kindred_on_discord(settings, fake) as running:
        yield running
