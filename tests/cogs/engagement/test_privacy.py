"""/privacy: show, export, forget (checked across every table in the store) and what stays after it."""

from __future__ import annotations

import json
import re
from typing import Any

import sqlalchemy as sa

from cogs.engagement.analytics import Analytics
from cogs.engagement.api import recorder as running_recorder
from cogs.engagement.store.crm import CrmRecord, CrmRepo
from cogs.engagement.store.identity import IdentityRepo
from core.dispatcher import App
from integrations.console.community import KEY
from integrations.console.repl import ConsoleCommunity
from tests.cogs.engagement.conftest import OtherPlatform
from tests.cogs.engagement.helpers import events

PERSONAL_ID_COLUMNS = {"member_id", "target_id", "member_a", "member_b"}


async def all_rows(app: App) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table in the store, read by reflection (tables of all features included)."""
    def reflect(sync_conn: Any) -> sa.MetaData:
        md = sa.MetaData()
        md.reflect(sync_conn)
        return md

    async with app.services.store.read() as conn:
        md = await conn.run_sync(reflect)
        out = {}
        for name, table in md.tables.items():
            out[name] = [dict(r._mapping) for r in await conn.execute(sa.select(table))]
    return out


def ids_inside(value: Any) -> list[int]:
    """Integers inside lists, at any depth of a JSON value (member ids in a group, for instance)."""
    if isinstance(value, dict):
        return [i for v in value.values() for i in ids_inside(v)]
    if isinstance(value, list):
        return [i for v in value for i in ([v] if isinstance(v, int) and not isinstance(v, bool)
                                           else ids_inside(v))]
    return []


async def make_history(console: ConsoleCommunity, slack: OtherPlatform, app: App) -> tuple[int, int]:
    """eve on the console and on Slack (linked), with a profile, messages, thanks both ways, a match, CRM row."""
    await console.handle("/as eve")
    eve = console.current.ref
    await console.handle("/profile set role:researcher topics:privacy-engineering timezone:Europe/Vienna "
                         "languages:en")
    await console.handle("eve's secret plans")
    await console.handle("/thanks admin for: evesbestreason")
    await slack.join_console()
    await console.handle("/link start")
    code = re.search(r"([A-Z0-9]{4}-[A-Z0-9]{4})", console.outbox.texts()[-1])
    assert code
    eve_slack = await slack.member("U0EVE", "Eve Slack", "evetheslacker")
    await slack.run(eve_slack, f"/link confirm {code.group(1)}")
    await console.handle("/as admin")
    await console.handle("/thanks eve for: helping admin")
    cid = (await app.community(KEY)).id
    rec = running_recorder(app.services)
    admin = console.current.ref
    await rec.record(cid, eve.id, "matched", target_id=admin.id, value=1, label="round", group=[eve.id, admin.id])
    await rec.record(cid, admin.id, "matched", target_id=eve.id, value=1, label="round", group=[eve.id, admin.id])
    await console.handle("/as gil")  # a group of three: gil's event names eve only inside the group
    gil = console.current.ref
    await console.handle("/as admin")
    await rec.record(cid, gil.id, "matched", target_id=admin.id, value=2, label="round",
                     group=[admin.id, eve.id, gil.id])
    await rec.record(cid, eve.id, "mentor_session", target_id=gil.id, label="mentee", intro="i-7")
    await rec.record(slack.community.id, eve_slack.id, "message", value=12)
    await CrmRepo(app.services.store).upsert_many(
        [CrmRecord("email", "eve@example.com", {"email": "eve@example.com", "slack": "U0EVE", "plan": "pro"})],
        app.services.clock())
    await console.handle("/link start")  # a pending code of admin's stays untouched
    await console.handle("/as eve")
    await console.handle("/link start")  # and a pending code of eve's must go
    await console.handle("/privacy optout")
    await console.handle("/privacy optin")
    return eve.id, eve_slack.id


async def test_show_and_export(console: ConsoleCommunity, slack: OtherPlatform, app: App) -> None:
    eve, _eve_slack = await make_history(console, slack, app)
    await console.handle("/privacy show")
    shown = console.outbox.texts()[-1]
    assert "console: eve" in shown and "slack: Eve Slack" in shown
    assert "2 messages" in shown and "1 thank-you" in shown  # both accounts, each kind in words
    assert "CRM records: 1" in shown
    await console.handle("/privacy export")
    kind, target, msg = console.outbox.sent[-2]
    assert kind == "dm" and target == "eve"
    data = json.loads(msg.files[0].data)
    assert {a["platform"] for a in data["accounts"]} == {"console", "slack"}
    assert data["profiles"][str(eve)]["role"] == ["researcher"]
    own = [e for e in data["events"] if e["role"] == "actor"]
    about = [e for e in data["events"] if e["role"] == "target"]
    assert {"message", "thanks", "matched"} <= {e["kind"] for e in own}
    assert any(e["kind"] == "thanks" for e in about)
    assert data["crm"] == [{"email": "eve@example.com", "slack": "U0EVE", "plan": "pro"}]
    assert "I sent your data" in console.outbox.texts()[-1]


async def test_export_with_closed_dms_is_shown_only_to_the_member(console: ConsoleCommunity) -> None:
    await console.handle("/dmclosed admin")
    await console.handle("/privacy export")
    kind, _target, msg = console.outbox.sent[-1]
    assert kind == "ephemeral" and msg.files and "closed" in msg.text


async def test_forget_leaves_no_personal_row_behind(console: ConsoleCommunity, slack: OtherPlatform,
                                                    app: App) -> None:
    eve, eve_slack = await make_history(console, slack, app)
    cid = (await app.community(KEY)).id
    messages_before = len(await events(app, kind="message"))
    analytics = Analytics(app.services.store, app.services.config)
    thanks_before = (await analytics.overview(cid, 7, app.services.clock())).thanks

    await console.handle("/privacy forget")
    assert "Erase everything" in console.outbox.texts()[-1]
    assert await app.services.members.get(eve) is not None  # nothing happens before the confirmation
    await console.handle("2")  # cancel
    assert "Nothing was erased" in console.outbox.texts()[-1]
    await console.handle("/privacy forget")
    await console.handle("1")
    assert "Everything about you is erased" in console.outbox.texts()[-1]

    exact = {"eve", "U0EVE"}  # short: compared whole
    unique = {"Eve Slack", "evetheslacker", "eve@example.com", "eve's secret plans", "evesbestreason",
              "helping admin", "privacy-engineering"}  # long and unique: looked for anywhere
    rows = await all_rows(app)
    assert rows["engagement_events"], "the log itself is kept"
    for table, table_rows in rows.items():
        for row in table_rows:
            for col, value in row.items():
                where = f"{table}.{col}"
                if col in PERSONAL_ID_COLUMNS:
                    assert value not in (eve, eve_slack), f"{where} still names the member"
                assert not {eve, eve_slack} & set(ids_inside(value)), f"{where} names the member inside"
                if isinstance(value, str | dict | list):
                    text = value if isinstance(value, str) else json.dumps(value)
                    assert text not in exact, f"{where} still holds {text!r}"
                    for s in unique:
                        assert s not in text, f"{where} still holds {s!r}"
    for account in (eve, eve_slack):  # the account rows stay, blank, so that their ids are never reused
        row = await app.services.members.get(account)
        assert row is not None
        assert row.user_id == f"forgotten-{account}" and row.display_name == row.username == ""
        assert row.left_at is not None
    assert await IdentityRepo(app.services.store).link_map() == {}
    # aggregate counts stay, identities go
    assert len(await events(app, kind="message")) == messages_before
    gil = console.by_name("gil")
    assert gil is not None
    group_match = [r for r in await events(app, kind="matched") if r.member_id == gil.ref.id]
    assert [r.meta for r in group_match] == [{"group": [admin_id(console), gil.ref.id]}]
    assert (await analytics.overview(cid, 7, app.services.clock())).thanks == thanks_before
    # the rest of the community is untouched
    admin = console.by_name("admin")
    assert admin is not None and await app.services.members.get(admin.ref.id) is not None


async def test_forgotten_member_who_comes_back_is_a_new_account(console: ConsoleCommunity, app: App) -> None:
    await console.handle("/as finn")
    finn_old = console.current.ref.id
    await console.handle("first life")
    await console.handle("/privacy forget")
    await console.handle("1")
    console.members.pop("finn")
    await console.handle("/as finn")
    assert console.current.ref.id != finn_old
    await console.handle("second life")
    rows = await events(app, kind="message")
    assert [r.member_id for r in rows if r.member_id is not None][-1] == console.current.ref.id
    assert all(r.member_id != finn_old for r in rows)


async def test_forget_button_belongs_to_its_member(console: ConsoleCommunity, app: App) -> None:
    await console.handle("/as gus")
    gus = console.current.ref.id
    await console.handle("/privacy forget")
    await console.handle("/as admin")
    await console.handle("1")  # admin presses gus's button
    assert "not for you" in console.outbox.texts()[-1]
    assert await app.services.members.get(gus) is not None


def admin_id(console: ConsoleCommunity) -> int:
    admin = console.by_name("admin")
    assert admin is not None
    return admin.ref.id


def test_queued_rows_lose_the_member_in_either_form() -> None:
    """Rows still waiting in the writer are anonymised too, as Python values or in SQLite's stored form."""
    from datetime import UTC, datetime

    from cogs.engagement.cog import _anonymised
    from cogs.engagement.store.events import stored_row

    at = datetime(2025, 5, 1, 12, tzinfo=UTC)
    mine = (1, "console", 5, "message", at, "general", None, 9, None, None, "hello", "e:1")
    about = (1, "console", 6, "thanks", at, "general", 5, 0, None, {"reason": "for the help"}, None, "t:6:5")
    group = (1, "console", 6, "matched", at, None, 7, 1, "round", {"group": [5, 6, 7], "intro": "3"}, None, None)
    for form in (lambda r: r, stored_row):
        assert _anonymised(form(mine), 5)[2:3] == (None,) and _anonymised(form(mine), 5)[10] is None
        assert _anonymised(form(about), 5)[6] is None and _anonymised(form(about), 5)[9] is None
        meta = _anonymised(form(group), 5)[9]
        assert (json.loads(meta) if isinstance(meta, str) else meta) == {"group": [6, 7], "intro": "3"}
        assert _anonymised(form(group), 8) == form(group)  # someone else: unchanged
