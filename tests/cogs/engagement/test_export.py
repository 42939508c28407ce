"""Export round trip: what goes in comes back out, in CSV, JSON Lines and Parquet; /export in chat."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from cogs.engagement.api import recorder as running_recorder
from cogs.engagement.export import FORMATS, SCHEMAS, export_all
from cogs.engagement.store.crm import CrmRecord, CrmRepo
from cogs.engagement.store.export import iso
from cogs.engagement.store.identity import IdentityRepo
from core.dispatcher import App
from integrations.console.community import KEY
from integrations.console.repl import ConsoleCommunity
from tests.cogs.engagement.conftest import Clock, OtherPlatform
from tests.cogs.engagement.helpers import events

TRICKY = 'Grüße, "quoted", comma, newline\nand emoji 🎉'


def read_back(path: Path) -> list[dict[str, Any]]:
    """A file as a list of dicts with every value as text (None for empty), whatever the format."""
    def text(v: Any, kind: str) -> str | None:
        if v is None or v == "":
            return None
        if kind == "ts" and isinstance(v, datetime):
            return iso(v)
        if kind == "json" and not isinstance(v, str):
            return json.dumps(v, sort_keys=True)
        if kind == "json":
            return json.dumps(json.loads(v), sort_keys=True)
        if kind == "bool":
            return str(v).lower()
        return str(v)

    table = path.stem
    kinds = dict(SCHEMAS[table])
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as fh:
            raw = list(csv.DictReader(fh))
    elif path.suffix == ".jsonl":
        raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    else:
        raw = pq.read_table(path).to_pylist()
    return [{k: text(v, kinds[k]) for k, v in r.items()} for r in raw]


async def seed(console: ConsoleCommunity, slack: OtherPlatform, app: App, clock: Clock) -> int:
    cid = (await app.community(KEY)).id
    await app.services.overrides.set_many(cid, {"engagement.store_message_text": True}, by="test")
    await app.services.config.changed(cid, {"engagement.store_message_text"})
    await console.handle("/as ana")
    ana = console.current.ref
    await console.handle(TRICKY)
    await console.handle("/profile set role:Designerin topics:ux,Ölbilder timezone:Europe/Berlin languages:de")
    await console.handle("/thanks admin for: " + "a reason, with commas; and “quotes”")
    ana_slack = await slack.member("U0ANA", "Ana on Slack")
    await slack.join_console()
    await IdentityRepo(app.services.store).link(ana.id, ana_slack.id, via="code", at=clock.now)
    rec = running_recorder(app.services)
    admin = console.by_name("admin")
    assert admin is not None
    await rec.record(cid, ana.id, "matched", target_id=admin.ref.id, value=7, label="round",
                     group=[ana.id, admin.ref.id], at=clock.now - timedelta(days=40))
    await rec.record(cid, ana.id, "met", target_id=admin.ref.id, value=1, label="yes", intro="i-9")
    await rec.record(cid, ana.id, "rated", target_id=admin.ref.id, value=0, label="not_again", intro="i-9")
    await rec.flush()
    await CrmRepo(app.services.store).upsert_many([
        CrmRecord("email", "ana@x.org", {"email": "ana@x.org", "slack": "U0ANA", "plan": "pro"}),
        CrmRecord("email", "ana.old@x.org", {"email": "ana.old@x.org", "console": "ana", "company": "Acme"}),
        CrmRecord("email", "boss@x.org", {"email": "boss@x.org", "console": "ADMIN", "plan": "staff"}),
    ], clock.now)
    return cid


@pytest.mark.parametrize("fmt", FORMATS)
async def test_round_trip(console: ConsoleCommunity, slack: OtherPlatform, app: App, clock: Clock, tmp_path: Path,
                          fmt: str) -> None:
    cid = await seed(console, slack, app, clock)
    result = await export_all(app.services.store, tmp_path / fmt, fmt)
    names = {p.name for p in result.files}
    assert names == {f"{t}.{fmt}" for t in SCHEMAS} | {"activities.json"}

    stored = await events(app)
    back = read_back(tmp_path / fmt / f"events.{fmt}")
    assert len(back) == len(stored) == result.rows["events"]
    for row, exp in zip(back, stored, strict=True):
        assert row["id"] == str(exp.id)
        assert row["kind"] == exp.kind
        assert row["at"] == iso(exp.at)
        assert row["member_id"] == (str(exp.member_id) if exp.member_id is not None else None)
        assert row["target_id"] == (str(exp.target_id) if exp.target_id is not None else None)
        private = exp.kind in ("met", "rated")  # that ana answered her check-in is exported, not what she answered
        assert row["value"] == (None if private else str(exp.value))
        assert row["label"] == (None if private else exp.label)
        assert row["channel"] == exp.channel
        assert row["text"] == exp.text
        assert row["meta"] == (json.dumps(exp.meta, sort_keys=True) if exp.meta is not None else None)
    assert any(r["text"] == TRICKY for r in back)
    assert [(r["value"], r["label"]) for r in back if r["kind"] in ("met", "rated")] == [(None, None)] * 2

    accounts = read_back(tmp_path / fmt / f"accounts.{fmt}")
    by_user = {a["user_id"]: a for a in accounts}
    person_of = {a["member_id"]: a["person"] for a in accounts}
    assert all(r["person"] == person_of[r["member_id"]] for r in back if r["member_id"] is not None)
    assert any(r["person"].startswith("p") for r in back if r["person"])  # ana's linked accounts
    assert by_user["ana"]["person"] == by_user["U0ANA"]["person"]  # linked: one person
    assert by_user["U0ANA"]["display_name"] == "Ana on Slack"
    people = read_back(tmp_path / fmt / f"people.{fmt}")
    ana_person = [p for p in people if p["person"] == by_user["ana"]["person"]]
    assert len(ana_person) == 1 and ana_person[0]["accounts"] == "2" and ana_person[0]["platforms"] == "console,slack"
    assert json.loads(ana_person[0]["attributes"] or "{}") == {  # both accounts' records, merged in account order
        "email": "ana@x.org", "slack": "U0ANA", "plan": "pro", "console": "ana", "company": "Acme"}
    admin_person = [p for p in people if p["person"] == by_user["admin"]["person"]]
    assert json.loads(admin_person[0]["attributes"] or "{}")["plan"] == "staff"  # ids match case-insensitively
    assert len(people) == len({a["person"] for a in accounts})
    profiles = read_back(tmp_path / fmt / f"profiles.{fmt}")
    assert {"field": "topics", "value": "Ölbilder"}.items() <= next(
        p for p in profiles if p["value"] == "Ölbilder").items()
    matches = read_back(tmp_path / fmt / f"matches.{fmt}")
    assert len(matches) == 1 and matches[0]["round"] == "7" and matches[0]["kind"] == "round"
    assert matches[0]["person"] == by_user["ana"]["person"] and matches[0]["partner_person"] == person_of[
        matches[0]["partner_id"]]
    assert matches[0]["at"] == next(iso(e.at) for e in stored if e.kind == "matched")

    activities = json.loads((tmp_path / fmt / "activities.json").read_text(encoding="utf-8"))
    assert activities and all({"activity", "identity"} <= set(a) for a in activities)
    first = activities[0]
    assert {"activity_type_key", "occurred_at", "weight", "key"} <= set(first["activity"])
    assert first["identity"]["source"] == "console"
    assert any(a["activity"]["activity_type_key"] == "kindred:helped" for a in activities)
    uid_of = {a["member_id"]: a["user_id"] for a in accounts}
    expected = {f"kindred-{e.community_id}-{e.id}": uid_of[str(e.member_id)] for e in stored if e.member_id}
    expected |= {f"kindred-{e.community_id}-{e.id}-helped": uid_of[str(e.target_id)] for e in stored
                 if e.kind == "thanks" and e.target_id}
    assert {a["activity"]["key"]: a["identity"]["uid"] for a in activities} == expected
    assert cid


async def test_since_and_community_filters(console: ConsoleCommunity, slack: OtherPlatform, app: App,
                                           clock: Clock, tmp_path: Path) -> None:
    cid = await seed(console, slack, app, clock)
    since = datetime.now(UTC) - timedelta(days=1)
    result = await export_all(app.services.store, tmp_path, "jsonl", since=since, community_ids=[cid])
    back = read_back(tmp_path / "events.jsonl")
    assert back and all(r["at"] >= iso(since) for r in back)  # type: ignore[operator]
    assert all(r["kind"] != "matched" for r in back)  # the match was 40 days ago
    assert result.rows["matches"] == 0
    accounts = read_back(tmp_path / "accounts.jsonl")
    assert {a["platform"] for a in accounts} == {"console"}


async def test_export_command_sends_a_zip_to_the_moderator(console: ConsoleCommunity, app: App) -> None:
    await console.handle("hello")
    await console.handle("/export format:parquet")
    kind, target, msg = console.outbox.sent[-2]
    assert (kind, target) == ("dm", "admin")
    with zipfile.ZipFile(io.BytesIO(msg.files[0].data)) as zf:
        names = sorted(n.split("/")[-1] for n in zf.namelist())
    assert names == sorted([f"{t}.parquet" for t in SCHEMAS] + ["activities.json"])
    assert "direct message" in console.outbox.texts()[-1]


async def test_export_command_refuses_members_bad_dates_and_oversized(console: ConsoleCommunity, app: App) -> None:
    await console.handle("/export since:31.01.2025")
    assert "must be a date like 2025-01-31" in console.outbox.texts()[-1]
    await console.handle("/export format:xlsx")
    assert "not allowed" in console.outbox.texts()[-1]
    await console.handle("/as bob")
    await console.handle("/export")
    assert "Only a moderator" in console.outbox.texts()[-1]
    await console.handle("/as admin")
    cog = app.cog("export")
    assert cog is not None
    cog.limit = 200  # type: ignore[attr-defined]  # a platform with a tiny upload limit
    await console.handle("/export")
    assert "too big to send in chat" in console.outbox.texts()[-1]
    assert not any(k == "dm" for k, _t, _m in console.outbox.sent)


@pytest.mark.parametrize("fmt", FORMATS)
async def test_matches_alone(console: ConsoleCommunity, slack: OtherPlatform, app: App, clock: Clock,
                             tmp_path: Path, fmt: str) -> None:
    await seed(console, slack, app, clock)
    result = await export_all(app.services.store, tmp_path, fmt, tables=["matches"])
    assert [p.name for p in result.files] == [f"matches.{fmt}"] and result.rows == {"matches": 1}
    assert read_back(tmp_path / f"matches.{fmt}")[0]["round"] == "7"


async def test_activities_with_a_tiny_identity_cache(console: ConsoleCommunity, slack: OtherPlatform, app: App,
                                                     clock: Clock, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Identities are loaded batch by batch into a bounded cache; a cache of two gives the same file."""
    from cogs.engagement.export import ActivityEncoder

    await seed(console, slack, app, clock)
    await export_all(app.services.store, tmp_path / "a", "csv", batch=3)
    monkeypatch.setattr(ActivityEncoder, "CACHE_MAX", 2)
    await export_all(app.services.store, tmp_path / "b", "csv", batch=3)
    first = json.loads((tmp_path / "a" / "activities.json").read_text(encoding="utf-8"))
    assert first and first == json.loads((tmp_path / "b" / "activities.json").read_text(encoding="utf-8"))
    assert (tmp_path / "a" / "people.csv").read_text() == (tmp_path / "b" / "people.csv").read_text()
