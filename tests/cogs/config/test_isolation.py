"""Two communities on one App: a moderator of A can never read or change B's settings or data, by any command,
option, button or form."""

from __future__ import annotations

import asyncio
import re
from contextlib import AsyncExitStack
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bootstrap.runtime import running_app
from cogs.config import COGS as CONFIG_COGS
from cogs.config.schema import community_schema
from core.community_config import apply_overrides
from core.settings import load_settings
from tests.cogs.config.conftest import KEY_A, KEY_B, Community


async def test_a_moderator_of_a_is_a_member_in_b(community_a: Community, community_b: Community) -> None:
    assert await community_a.run("admin", "/config show")
    for text in ("/config show", "/config set matching.hour 3", "/config reset all", "/config history",
                 "/config export", "/config import", "/config module matching off", "/setup welcome:no"):
        assert not await community_b.run("admin", text)
        assert "Your level here: member." in community_b.last()
    assert await community_b.overrides() == {}


async def test_changes_stay_in_their_community(community_a: Community, community_b: Community) -> None:
    await community_a.run("admin", "/config set matching.hour 7")
    await community_a.run("admin", "/config set welcome.messages Secret greeting of A")
    await community_b.run("bob", "/config set matching.hour 20")
    assert (await community_a.config()).matching.hour == 7
    assert (await community_b.config()).matching.hour == 20
    assert (await community_b.config()).welcome.messages != ["Secret greeting of A"]

    await community_b.run("bob", "/config history")
    history_b = community_b.last()
    assert "matching.hour: 9 → 20" in history_b and "Secret greeting" not in history_b and "→ 7" not in history_b
    await community_b.run("bob", "/config export")
    exported = community_b.replies()[-1].files[0].data.decode()
    assert "hour = 20" in exported and "Secret" not in exported
    await community_b.run("bob", "/config show welcome.messages")
    assert "Secret" not in community_b.last()

    await community_b.run("bob", "/config reset all")
    await community_b.press("bob", "config:resetall")
    assert await community_b.overrides() == {}
    assert (await community_a.overrides())["matching.hour"] == 7


async def test_buttons_and_forms_act_on_the_callers_community(community_a: Community,
                                                              community_b: Community) -> None:
    await community_a.run("admin", "/setup schedule:fri 15 welcome:no")
    draft_a = next(b for b in community_a.buttons() if b.startswith("setup:apply:"))
    # B's moderator presses A's draft button (ids are guessable): B has no such draft, nothing changes anywhere
    assert not await community_b.press("bob", draft_a)
    assert "no longer available" in community_b.last()
    assert not await community_b.press("bob", draft_a.replace("apply", "dry"))
    assert await community_b.press("bob", draft_a.replace("apply", "cancel"))
    assert await community_b.overrides() == {}
    assert await community_a.overrides() == {}
    assert await community_a.press("admin", draft_a)  # A's draft survived B's cancel
    assert (await community_a.config()).matching.day == "fri"
    assert (await community_b.config()).matching.day == "mon"

    assert await community_b.submit("bob", "config:import:replace", {"toml": "[welcome]\ndm = false"})
    assert await community_b.overrides() == {"welcome.dm": False}
    assert "welcome.dm" not in await community_a.overrides()
    assert await community_b.press("bob", "config:module:profiles:off")
    assert (await community_a.config()).community.disabled_modules == ["welcome"]  # its setup said welcome:no


async def test_no_option_names_another_community(community_a: Community, community_b: Community) -> None:
    app = community_a.app
    for cmd in app.tree.all():
        if cmd.cog.name in ("config", "setup"):
            assert not {o.name for o in cmd.spec.options} & {"community", "community_id", "guild", "workspace"}
    ref_a = await community_a.ref()
    for text in (f"/config show {ref_a.id}", f"/config set {ref_a.id}.matching.hour 3",
                 "/config set community_id 1", "/config show ../matching.hour",
                 f"/config history key:{KEY_A.external_id}", "/config set key:matching.hour value:3 community:1"):
        await community_b.run("bob", text)
    assert await community_a.overrides() == {}


def test_random_input_by_bs_moderator_never_touches_a(tmp_path: Path) -> None:
    """Hypothesis over keys and values typed into B: A is unchanged, and B either changes validly or replies why."""
    schema = community_schema()
    stack = AsyncExitStack()
    settings_ = load_settings(None, storage={"url": f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"})
    with asyncio.Runner() as runner:
        app = runner.run(stack.enter_async_context(running_app(settings_, cogs=CONFIG_COGS)))
        a, b = Community(app, KEY_A), Community(app, KEY_B)
        a.add("admin", admin=True)
        b.add("bob", admin=True)
        runner.run(a.run("admin", "/config set matching.hour 7"))

        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        @given(key=st.one_of(st.sampled_from(sorted(schema)), st.text(max_size=30)),
               value=st.one_of(st.text(max_size=60), st.sampled_from(["25", "-", "yes", "x,y", "{ a = 1 }"])))
        def typed_into_b(key: str, value: str) -> None:
            clean_key = re.sub(r"\s", "", key) or "x"
            before = len(b.replies())
            runner.run(b.run("bob", "/config set", {"key": clean_key, "value": value}))
            assert len(b.replies()) == before + 1  # always an answer
            assert runner.run(a.overrides()) == {"matching.hour": 7}
            overrides_b = runner.run(b.overrides())
            assert set(overrides_b) <= set(schema)
            apply_overrides(app.services.config.defaults, overrides_b)  # whatever was stored still validates
            if b.last().startswith("Settings changed"):
                assert "In effect now." in b.last()

        try:
            typed_into_b()
        finally:
            runner.run(stack.aclose())
