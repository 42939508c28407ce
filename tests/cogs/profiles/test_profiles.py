"""Profiles through the console: facets validated, bad input changes nothing, extra fields from config."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from cogs.profiles.facets import BUILTIN, clean_values, normalise_language, normalise_timezone
from core.errors import OptionError
from core.runtime import running_app
from core.settings import load_settings
from integrations.console.community import KEY
from integrations.console.repl import ConsoleCommunity


async def _profile(console: ConsoleCommunity) -> dict[str, list[str]]:
    prof = await console.app.services.profiles.get(console.current.ref.id)
    return prof.facets if prof else {}


async def test_bad_values_change_nothing(console: ConsoleCommunity) -> None:
    await console.handle("/profile set topics:rust timezone:Europe/Vienna")
    before = await _profile(console)
    for bad in ("timezone:Nowhere/City", "languages:en,klingon", "topics:" + ",".join(f"t{i}" for i in range(11)),
                "about:" + "x" * 301, "team:" + "r" * 61, "nothing:here"):
        await console.handle(f"/profile set role:dev {bad}")
        assert await _profile(console) == before, bad
    out = " ".join(console.outbox.texts())
    assert "not a time zone" in out and "not a language code" in out and "at most 10 items" in out


async def test_member_option_unknown_member(console: ConsoleCommunity) -> None:
    await console.handle("/profile show member:ghost")
    assert "can't find a member called “ghost”" in " ".join(console.outbox.texts())


async def test_german_community(console: ConsoleCommunity) -> None:
    community = await console.app.community(KEY)
    await console.app.services.overrides.set_many(community.id, {"community.language": "de"}, by="test")
    await console.app.services.config.changed(community.id, {"community.language"})
    await console.handle("/profile show")
    await console.handle("/profile set timezone:Mars")
    out = " ".join(console.outbox.texts())
    assert "Noch kein Profil" in out
    assert "keine Zeitzone" in out


async def test_extra_fields_from_config(tmp_path: Path) -> None:
    s = load_settings(None, storage={"url": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"},
                      profiles={"extra_fields": {"plant": {"description": "Plant", "allowed": ["Berlin", "Linz"]}}})
    async with running_app(s) as app:
        console = ConsoleCommunity(app, Console(file=io.StringIO(), width=120))
        await console.setup()
        await console.handle("/profile set plant:linz")
        assert (await _profile(console))["plant"] == ["Linz"]
        await console.handle("/profile set plant:Paris")
        assert "Choose one of: Berlin, Linz" in " ".join(console.outbox.texts())
        assert (await _profile(console))["plant"] == ["Linz"]


def test_normalisers() -> None:
    assert normalise_timezone("america/new_york") == "America/New_York"
    assert normalise_language("DE") == "de"
    with pytest.raises(OptionError):
        normalise_language("xx1")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(max_size=80), max_size=15))
def test_clean_values_never_crash(values: list[str]) -> None:
    field = next(f for f in BUILTIN if f.name == "topics")
    try:
        out = clean_values(field, values, 10)
    except OptionError:
        return
    assert len(out) <= 10
    assert len({v.lower() for v in out}) == len(out)
    assert all(v and len(v) <= field.max_length for v in out)
