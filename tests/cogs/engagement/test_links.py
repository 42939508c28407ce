"""Cross-platform identity: link codes, unlinking, merge suggestions, and people counted once."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cogs.engagement.analytics import Analytics
from cogs.engagement.api import recorder as running_recorder
from cogs.engagement.codes import ALPHABET, code_hash, new_code, normalise_code
from cogs.engagement.store.identity import IdentityRepo
from core.dispatcher import App
from integrations.console.community import KEY, ConsoleResponder
from integrations.console.repl import ConsoleCommunity
from tests.cogs.engagement.conftest import Clock, OtherPlatform


def code_from(console: ConsoleCommunity) -> str:
    for _kind, _target, msg in reversed(console.outbox.sent):
        m = re.search(r"Your link code: ([A-Z0-9]{4}-[A-Z0-9]{4})", msg.plain_text())
        if m:
            return m.group(1)
    raise AssertionError("no code was sent")


async def test_link_confirm_show_remove(console: ConsoleCommunity, slack: OtherPlatform, app: App) -> None:
    identity = IdentityRepo(app.services.store)
    await slack.join_console()
    await console.handle("/as ana")
    ana_console = console.current.ref
    await console.handle("/link start")
    code = code_from(console)
    ana_slack = await slack.member("U0ANA", "Ana S.")
    await slack.run(ana_slack, f"/link confirm {code.lower().replace('-', ' ')}")
    assert "now one person" in console.outbox.texts()[-1]
    accounts = await identity.person_accounts(ana_console.id)
    assert {a.platform for a in accounts} == {"console", "slack"}
    assert accounts[0].person_id is not None and accounts[0].person_id == accounts[1].person_id

    await console.handle("/link show")
    assert "Ana S. (slack: Kindred Slack)" in console.outbox.texts()[-1]

    await slack.run(ana_slack, f"/link confirm {code}")  # a code works once
    assert "unknown or has expired" in console.outbox.texts()[-1]

    await console.handle("/link remove")
    assert "no longer linked" in console.outbox.texts()[-1]
    assert len(await identity.person_accounts(ana_console.id)) == 1
    assert await identity.link_map() == {}  # a person left with one account is dissolved
    await console.handle("/link remove")
    assert "not linked to any other" in console.outbox.texts()[-1]


async def test_codes_expire_and_cannot_link_an_account_to_itself(console: ConsoleCommunity, slack: OtherPlatform,
                                                                  app: App, clock: Clock) -> None:
    await slack.join_console()
    await console.handle("/link start")
    code = code_from(console)
    await console.handle(f"/link confirm {code}")
    assert "same account" in console.outbox.texts()[-1]
    await console.handle("/link start")
    code = code_from(console)
    await console.handle("/as bob")
    await console.handle(f"/link confirm {code}")
    assert "Both accounts are in this community" in console.outbox.texts()[-1]
    await console.handle("/as admin")
    await console.handle("/link start")
    code = code_from(console)
    clock.advance(minutes=16)
    ben = await slack.member("U0BEN", "Ben")
    await slack.run(ben, f"/link confirm {code}")
    assert "unknown or has expired" in console.outbox.texts()[-1]
    assert await IdentityRepo(app.services.store).link_map() == {}


async def test_wrong_codes_are_limited(slack: OtherPlatform, console: ConsoleCommunity) -> None:
    ben = await slack.member("U0BEN", "Ben")
    for _ in range(5):
        await slack.run(ben, "/link confirm ABCD-EFGH")
    await slack.run(ben, "/link confirm ABCD-EFGH")
    assert "Too many wrong codes" in console.outbox.texts()[-1]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=60))
async def test_free_form_codes_get_a_clear_answer_and_link_nothing(slack: OtherPlatform, console: ConsoleCommunity,
                                                                    app: App, text: str) -> None:
    member = await slack.member("U0FUZZ", "Fuzz")
    slack_key_link = await IdentityRepo(app.services.store).link_map()
    before = len(console.outbox.sent)
    await slack.run(member, "/link confirm " + text)
    replies = console.outbox.texts()[before:]
    assert len(replies) == 1
    assert any(p in replies[0] for p in ("not a link code", "unknown or has expired", "Too many wrong codes",
                                         "is required", "too long", "Unknown option", "did not understand"))
    assert await IdentityRepo(app.services.store).link_map() == slack_key_link == {}
    slack_cog = app.cog("links")
    assert slack_cog is not None
    slack_cog.limiter.clear()  # type: ignore[attr-defined]  # keep the limiter out of the next example


def test_codes_are_readable_and_normalised() -> None:
    for _ in range(50):
        code = new_code()
        assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
        assert all(c in ALPHABET for c in code.replace("-", ""))
        assert normalise_code(code.lower()) == code.replace("-", "")
        assert code_hash(code) == code_hash(" " + code.lower().replace("-", " ") + " ")
    assert normalise_code("O0O0-I1I1") is None
    assert normalise_code("ABCD-EFG") is None


async def test_members_cannot_link_across_communities_that_are_not_joined(console: ConsoleCommunity,
                                                                          slack: OtherPlatform, app: App) -> None:
    await console.handle("/as ana")
    await console.handle("/link start")
    code = code_from(console)
    ana_slack = await slack.member("U0ANA", "Ana S.")
    await slack.run(ana_slack, f"/link confirm {code}")
    assert "not joined" in console.outbox.texts()[-1] and "/link communities start" in console.outbox.texts()[-1]
    assert await IdentityRepo(app.services.store).link_map() == {}


async def test_suggestions_need_a_moderator_a_joined_community_and_both_owners(
        console: ConsoleCommunity, slack: OtherPlatform, app: App) -> None:
    identity = IdentityRepo(app.services.store)
    await console.handle("/as carla")
    carla = console.current.ref
    carla_slack = await slack.member("U0CARLA", "Carla", "carla")
    dora_slack = await slack.member("U0DORA", "Dora", "dora")
    await console.handle("/as dora")
    dora = console.current.ref
    await console.handle("/link suggest")
    assert "Only a moderator" in console.outbox.texts()[-1]
    await console.handle("/as admin")
    await console.handle("/link suggest")  # not joined: nothing of the other community is shown
    assert "not joined with another" in console.outbox.texts()[-1]
    assert "Carla" not in console.outbox.texts()[-1]
    await slack.join_console()
    await console.handle("/link suggest")
    msg = console.outbox.sent[-1][2]
    assert "carla (console" in msg.plain_text() and "Carla (slack" in msg.plain_text()
    ids = [b.custom_id for b in msg.buttons]
    assert f"link:merge:{carla.id}:{carla_slack.id}" in ids
    assert f"link:reject:{dora.id}:{dora_slack.id}" in ids
    await console.handle("1")  # carla: same person -> a request to each owner, nothing linked yet
    assert "asked the owners" in console.outbox.texts()[-1]
    assert await identity.link_map() == {}
    asks = [(target, m) for kind, target, m in console.outbox.sent if kind == "dm"]
    assert [t for t, _m in asks] == ["carla", "U0CARLA"]
    yes_carla, no_carla = (b.custom_id for b in asks[0][1].buttons)
    yes_slack = asks[1][1].buttons[0].custom_id
    assert yes_carla.endswith(f":{carla.id}") and yes_slack.endswith(f":{carla_slack.id}")
    await console.handle("/link suggest")  # the pair waits for its owners: not suggested again
    assert "carla (console" not in console.outbox.sent[-1][2].plain_text()

    await slack.press(dora_slack, yes_slack)  # someone else pressing carla's button
    assert "not for you" in console.outbox.texts()[-1]
    await slack.press(carla_slack, yes_carla)  # carla's Slack account pressing the console account's button
    assert "not for you" in console.outbox.texts()[-1]
    await console.handle("/as carla")
    await app.press(KEY, console.current.ref, None, yes_carla,
                    ConsoleResponder(console.screen, console.outbox, console.current.ref), console.messenger)
    assert "as soon as the other account confirms" in console.outbox.texts()[-1]
    assert await identity.link_map() == {}
    await slack.press(carla_slack, yes_slack)
    assert "now one person" in console.outbox.texts()[-1]
    links = await identity.link_map()
    assert links[carla.id] == links[carla_slack.id]
    await slack.press(carla_slack, yes_slack)  # pressed again: nothing new
    assert "already linked" in console.outbox.texts()[-1]
    await app.press(KEY, console.current.ref, None, no_carla,
                    ConsoleResponder(console.screen, console.outbox, console.current.ref), console.messenger)
    assert "already linked" in console.outbox.texts()[-1]
    assert links == await identity.link_map()

    await console.handle("/as admin")
    await console.handle("/link suggest")
    await console.handle("2")  # dora: different people
    assert dora.id not in await identity.link_map()
    await console.handle("/link suggest")
    assert "No look-alike accounts" in console.outbox.texts()[-1]


async def test_a_declined_or_expired_request_links_nothing(console: ConsoleCommunity, slack: OtherPlatform,
                                                           app: App, clock: Clock) -> None:
    identity = IdentityRepo(app.services.store)
    await slack.join_console()
    for name in ("erin", "fred"):
        await console.handle(f"/as {name}")
        await slack.member(f"U0{name.upper()}", name.title(), name)
    await console.handle("/as admin")
    await console.handle("/link suggest")
    await console.handle("1")  # erin
    await console.handle("/link suggest")
    await console.handle("1")  # fred
    asks = [(t, m.buttons) for kind, t, m in console.outbox.sent if kind == "dm"]
    assert [t for t, _b in asks] == ["erin", "U0ERIN", "fred", "U0FRED"]
    erin_slack = await slack.member("U0ERIN", "Erin", "erin")
    await slack.press(erin_slack, asks[1][1][1].custom_id)  # No
    assert "won't be suggested again" in console.outbox.texts()[-1]
    await console.handle("/as erin")
    await app.press(KEY, console.current.ref, None, asks[0][1][0].custom_id,
                    ConsoleResponder(console.screen, console.outbox, console.current.ref), console.messenger)
    assert "declined" in console.outbox.texts()[-1]
    clock.advance(days=8)
    fred_slack = await slack.member("U0FRED", "Fred", "fred")
    await slack.press(fred_slack, asks[3][1][0].custom_id)
    assert "expired" in console.outbox.texts()[-1]
    assert await identity.link_map() == {}
    await console.handle("/as admin")
    await console.handle("/link suggest")  # fred can be suggested again, erin not
    text = console.outbox.texts()[-1]
    assert "fred (console" in text and "erin" not in text


async def test_a_closed_dm_is_reported_to_the_moderator(console: ConsoleCommunity, slack: OtherPlatform,
                                                        app: App) -> None:
    await slack.join_console()
    await console.handle("/as gina")
    await slack.member("U0GINA", "Gina", "gina")
    await console.handle("/as admin")
    await console.handle("/dmclosed gina")
    await console.handle("/link suggest")
    await console.handle("1")
    assert "direct messages are closed" in console.outbox.texts()[-1]
    assert "Nothing was linked" in console.outbox.texts()[-1]
    assert not [t for kind, t, _m in console.outbox.sent if kind == "dm"]
    await console.handle("/link suggest")  # the cancelled request does not block a new suggestion
    assert "gina (console" in console.outbox.texts()[-1]


async def test_merge_buttons_only_act_on_this_community(console: ConsoleCommunity, slack: OtherPlatform,
                                                        app: App) -> None:
    a = await slack.member("U0X", "Xena")
    await console.handle("/as xena")
    b = console.current.ref
    await console.handle("/as admin")
    responder = ConsoleResponder(console.screen, console.outbox, console.current.ref)
    await app.press(KEY, console.current.ref, None, f"link:merge:{a.id}:{b.id}", responder, console.messenger)
    assert "not for you" in console.outbox.texts()[-1]
    assert await IdentityRepo(app.services.store).link_map() == {}


async def test_metrics_count_people_not_accounts(console: ConsoleCommunity, slack: OtherPlatform, app: App) -> None:
    await console.handle("/as ana")
    await console.handle("hi from console")
    ana = console.current.ref
    ana_slack = await slack.member("U0ANA", "Ana")
    ben_slack = await slack.member("U0BEN", "Ben")
    cid = (await app.community(KEY)).id
    analytics = Analytics(app.services.store, app.services.config)
    rec = running_recorder(app.services)
    await rec.record(slack.community.id, ana_slack.id, "message", value=3)
    await rec.record(slack.community.id, ben_slack.id, "message", value=3)
    await rec.flush()
    now = app.services.clock()
    before = await analytics.overview(cid, 7, now)
    assert before.members == 2  # admin, ana: the Slack workspace is not joined yet
    await slack.join_console()
    joined = await analytics.overview(cid, 7, now)
    assert joined.members == 4  # admin, ana, ana on Slack (not linked yet), ben
    await IdentityRepo(app.services.store).link(ana.id, ana_slack.id, via="code", at=now)
    after = await analytics.overview(cid, 7, now)
    assert after.members == 3  # admin, ana (two accounts, one person), ben
    assert after.active == 2  # ana on both platforms counts once, plus ben
    assert after.messages == 3
