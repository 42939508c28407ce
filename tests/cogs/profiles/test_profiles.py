"""Profiles through the console: facets validated, bad input changes nothing, extra fields from config."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from bootstrap.runtime import running_app
from cogs.profiles.facets import BUILTIN, clean_values, normalise_language, normalise_timezone
from core.dispatcher import App
from core.errors import OptionError
from core.refs import MessageRef
from core.settings import load_settings
from integrations.console.community import KEY
from integrations.console.repl import ConsoleCommunity
from tests.cogs.config.conftest import KEY_A, KEY_B, Community
from tests.testbot import TestBot


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


async def test_member_option_unknown_member(testbot: TestBot) -> None:
    assert "can't find a member called “ghost”" in await testbot.run("/profile show member:ghost")


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


PLANT = 'value:{ plant = { description = "Plant", allowed = ["Berlin", "Linz"] } }'


async def test_extra_fields_moderators_define_in_chat(console: ConsoleCommunity) -> None:
    await console.handle(f"/config set profiles.extra_fields {PLANT}")
    await console.handle("/as ana")
    await console.handle("/profile set plant:linz topics:rust")
    assert await _profile(console) == {"plant": ["Linz"], "topics": ["rust"]}
    await console.handle("/profile set plant:Paris")
    assert "Choose one of: Berlin, Linz" in console.outbox.texts()[-1]
    await console.handle("/profile set field:plant value:berlin")
    assert (await _profile(console))["plant"] == ["Berlin"]
    await console.handle("/profile show")
    assert "Plant: Berlin" in console.outbox.texts()[-1]
    await console.handle("/profile set field:plant value:-")
    assert "plant" not in await _profile(console)
    await console.handle("/profile set field:colour value:blue")
    assert "There is no profile field “colour” here" in console.outbox.texts()[-1]
    await console.handle("/profile set field:plant")
    assert "Give both “field” and “value”" in console.outbox.texts()[-1]
    assert await _profile(console) == {"topics": ["rust"]}

    # the moderator removes the field again: it is no longer offered or shown
    await console.handle("/as admin")
    await console.handle("/config reset profiles.extra_fields")
    await console.handle("/as ana")
    await console.handle("/profile set plant:Linz")
    assert "Unknown option “plant”" in console.outbox.texts()[-1]


async def test_extra_fields_belong_to_their_community(app: App) -> None:
    a, b = Community(app, KEY_A), Community(app, KEY_B)
    a.add("admin", admin=True)
    b.add("bob", admin=True)
    assert await a.run("admin", f"/config set profiles.extra_fields {PLANT}")
    assert await a.run("alice", "/profile set", {"field": "plant", "value": "Linz"})  # typed, as Discord sends
    assert not await b.run("carl", "/profile set field:plant value:Linz")
    assert "There is no profile field “plant” here" in b.last()
    ac = await app.autocomplete(KEY_A, a.add("alice").ref, ("profile", "set"), "field", "pl")
    assert ac == ["plant"]
    assert await app.autocomplete(KEY_B, b.add("carl").ref, ("profile", "set"), "field", "pl") == []
    values = await app.autocomplete(KEY_A, a.add("alice").ref, ("profile", "set"), "value", "b",
                                    {"field": "plant"})
    assert values == ["Berlin"]


async def test_limits_are_the_communitys(console: ConsoleCommunity) -> None:
    await console.handle("/config set profiles.about_max_length 500")
    await console.handle("/config set profiles.value_max_length 10")
    await console.handle("/config set profiles.max_items 2")
    await console.handle("/profile set about:" + "x" * 400)
    assert len((await _profile(console))["about"][0]) == 400  # more than the config.toml default of 300
    before = await _profile(console)
    for bad, why in (("team:" + "t" * 11, "at most 10 characters"), ("topics:a,b,c", "at most 2 items"),
                     ("about:" + "y" * 501, "at most 500 characters")):
        await console.handle(f"/profile set {bad}")
        assert why in console.outbox.texts()[-1], bad
        name, text = bad.split(":", 1)
        await console.handle(f"/profile set field:{name} value:{text}")
        assert why in console.outbox.texts()[-1], bad
        assert await _profile(console) == before


async def test_the_edit_form_offers_every_extra_field_in_parts(console: ConsoleCommunity) -> None:
    extras = ", ".join(f'f{i} = {{ description = "Field {i}" }}' for i in range(4))
    await console.handle(f"/config set profiles.extra_fields value:{{ {extras} }}")
    await console.handle("/profile edit")
    for answer in ["dev", "rust", "", "", ""]:
        await console._form_answer(answer)
    assert console.outbox.sent[-1][2].buttons[0].label == "More: Team, Timezone, Languages, Field 0, Field 1"
    await console.handle("1")
    assert console.pending_form is not None and [f.id for f in console.pending_form.fields] == [
        "team", "timezone", "languages", "f0", "f1"]
    for answer in ["Acme", "europe/berlin", "en", "zero", "one"]:
        await console._form_answer(answer)
    assert console.outbox.sent[-1][2].buttons[0].label == "More: Field 2, Field 3"
    await console.handle("1")
    assert console.pending_form is not None and console.pending_form.custom_id == "profile:edit:more2"
    for answer in ["two", "three"]:
        await console._form_answer(answer)
    assert console.outbox.sent[-1][2].buttons == []
    profile = await _profile(console)
    assert {k: profile[k] for k in ("f0", "f1", "f2", "f3", "timezone")} == {
        "f0": ["zero"], "f1": ["one"], "f2": ["two"], "f3": ["three"], "timezone": ["Europe/Berlin"]}


async def test_extra_field_names_that_would_clash_are_refused(console: ConsoleCommunity) -> None:
    for name, why in (("field", "is reserved"), ("role", "is built in"), ("Plant", "lower-case")):
        await console.handle(f"/config set profiles.extra_fields value:{{ {name} = {{}} }}")
        assert why in console.outbox.texts()[-1] and "Nothing was changed." in console.outbox.texts()[-1]
    many = ", ".join(f"f{i} = {{}}" for i in range(16))
    await console.handle(f"/config set profiles.extra_fields value:{{ {many} }}")
    assert "At most 15 extra fields." in console.outbox.texts()[-1]
    community = await console.app.community(KEY)
    assert await console.app.services.overrides.all(community.id) == {}


def test_random_field_and_value_are_stored_valid_or_not_at_all(tmp_path: Path) -> None:
    import asyncio

    s = load_settings(None, storage={"url": f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"},
                      profiles={"extra_fields": {"plant": {"allowed": ["Berlin", "Linz"]},
                                                 "tools": {"multiple": True}}})
    with asyncio.Runner() as runner:
        cm = running_app(s)
        app = runner.run(cm.__aenter__())
        try:
            console = ConsoleCommunity(app, Console(file=io.StringIO(), width=120))
            runner.run(console.setup())
            fields = ["plant", "tools", "timezone", "languages", "about", "topics", "nope", ""]

            @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
            @given(st.sampled_from(fields), st.text(max_size=80))
            def check(field: str, value: str) -> None:
                before = runner.run(_profile(console))
                runner.run(app.invoke(KEY, console.current.ref, None, "profile set", {"field": field,
                                                                                        "value": value},
                                      _Silent(), console.messenger))
                after = runner.run(_profile(console))
                if after == before:
                    return
                assert set(after) - set(before) <= {"plant", "tools", "timezone", "languages", "about", "topics"}
                assert after.get("plant", ["Berlin"])[0] in ("Berlin", "Linz")
                assert all(tz == normalise_timezone(tz) for tz in after.get("timezone", []))
                assert all(len(v) <= 60 for k, vals in after.items() if k != "about" for v in vals)
                assert len(after.get("tools", [])) <= 10

            check()
        finally:
            runner.run(cm.__aexit__(None, None, None))


class _Silent:
    """A responder that swallows replies (the property test only looks at the store)."""

    async def defer(self, *, ephemeral: bool = False) -> None:
        return None

    async def reply(self, message: object, *, ephemeral: bool = False) -> MessageRef:
        return MessageRef("console", "general", "0")

    async def open_form(self, form: object) -> None:
        return None


def test_form_parts_hold_at_most_five_fields_and_their_ids_round_trip() -> None:
    from cogs.profiles.facets import fields_for, form_parts, part_id, part_index
    from cogs.profiles.settings import ProfileSettings

    ps = ProfileSettings(extra_fields={f"f{i}": {} for i in range(15)})
    parts = form_parts(fields_for(ps))
    assert all(1 <= len(p) <= 5 for p in parts)
    assert sorted(n for p in parts for n in p) == sorted(f.name for f in fields_for(ps))
    assert [part_index(part_id(i)) for i in range(len(parts))] == list(range(len(parts)))
    assert part_index("more1") is None and part_index("nonsense") is None


async def test_a_dash_clears_a_field_typed_as_its_own_option(console: ConsoleCommunity) -> None:
    """The option's help says "- clears it"; typed as `topics:-` it used to store "-" (issue 17)."""
    await console.handle("/as ana")
    await console.handle("/profile set topics:python,rust team:core offers:go")
    assert (await _profile(console))["topics"] == ["python", "rust"]
    await console.handle("/profile set topics:- team:- offers:sql")
    assert await _profile(console) == {"offers": ["sql"]}
