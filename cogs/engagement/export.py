"""Export the community's data in open formats: CSV, JSON Lines or Parquet, plus an Orbit-style activities file.

Tables: people, accounts, profiles, events, matches. Each is streamed: read in bounded batches (see
cogs/engagement/store/export.py) and appended to its file batch by batch (Parquet through one `ParquetWriter`,
one row group per batch), so a log of millions of events is exported in flat memory. People come with the
accounts (a person is written at their first account), events, matches and activities from one read of the
log, and the identities the activities name are loaded per batch into a bounded cache; what is held whole is
small: the linked accounts and the CRM records. Converting and writing run in a worker thread while the next
batch is read, so that `/export` does not stall the bot.

Timestamps are UTC ISO 8601 (`2025-01-31T12:00:00.000000Z`) in CSV/JSONL and UTC timestamps in Parquet; `meta`
and `attributes` are JSON text (objects in JSONL).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import os
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from cogs.engagement.activities import ACTIVITIES_FILE, ActivitiesFile, ActivityEncoder, match_partners
from cogs.engagement.crm import crm_index, records_naming
from cogs.engagement.kinds import Kind
from cogs.engagement.store.crm import CrmRepo
from cogs.engagement.store.export import account_batches, event_batches, iso, profile_batches
from cogs.engagement.store.identity import Account, IdentityRepo, person_key
from core.ports import DataStore

T = TypeVar("T")
FORMATS = ("csv", "jsonl", "parquet")
TABLES = ("people", "accounts", "profiles", "events", "matches")

# column name -> type: int, str, bool, ts (UTC timestamp), json (JSON text)
SCHEMAS: dict[str, tuple[tuple[str, str], ...]] = {
    "people": (("person", "str"), ("person_id", "int"), ("name", "str"), ("platforms", "str"),
               ("accounts", "int"), ("attributes", "json")),
    "accounts": (("member_id", "int"), ("person", "str"), ("community_id", "int"), ("platform", "str"),
                 ("user_id", "str"), ("username", "str"), ("display_name", "str"), ("is_bot", "bool"),
                 ("is_staff", "bool"), ("joined_at", "ts"), ("left_at", "ts"), ("first_seen_at", "ts")),
    "profiles": (("member_id", "int"), ("person", "str"), ("community_id", "int"), ("field", "str"),
                 ("value", "str"), ("position", "int")),
    "events": (("id", "int"), ("community_id", "int"), ("platform", "str"), ("member_id", "int"),
               ("person", "str"), ("kind", "str"), ("at", "ts"), ("channel", "str"), ("target_id", "int"),
               ("value", "int"), ("label", "str"), ("meta", "json"), ("text", "str")),
    "matches": (("event_id", "int"), ("community_id", "int"), ("member_id", "int"), ("person", "str"),
                ("partner_id", "int"), ("partner_person", "str"), ("kind", "str"), ("round", "int"),
                ("at", "ts")),
}


def _arrow_types() -> dict[str, Any]:
    import pyarrow as pa  # imported when a Parquet file is written: it is heavy, and the bot rarely needs it

    return {"int": pa.int64(), "str": pa.string(), "bool": pa.bool_(), "ts": pa.timestamp("us", tz="UTC"),
            "json": pa.string()}

class ExportTooLarge(Exception):
    """The export grew beyond the allowed size (chat uploads are limited)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"export larger than {limit} bytes")
        self.limit = limit


@dataclass(slots=True)
class ExportResult:
    files: list[Path] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def bytes(self) -> int:
        return sum(p.stat().st_size for p in self.files if p.exists())


# ---------------------------------------------------------------------------------------------- file writers
def _text(v: Any) -> str:
    if v is None:
        return ""
    if v is True:
        return "true"
    if v is False:
        return "false"
    return str(v)


class CsvTable:
    def __init__(self, path: Path, columns: Sequence[tuple[str, str]]) -> None:
        self.path = path
        self._fh = path.open("w", newline="", encoding="utf-8")
        self._csv = csv.writer(self._fh)
        self._csv.writerow([c for c, _ in columns])

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        self._csv.writerows([[_text(v) for v in r] for r in rows])
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()


class JsonlTable:
    def __init__(self, path: Path, columns: Sequence[tuple[str, str]]) -> None:
        self.path = path
        self._fh = path.open("w", encoding="utf-8")
        self._names = [c for c, _ in columns]
        self._json = [i for i, (_, t) in enumerate(columns) if t == "json"]

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        dumps, loads, names, js = json.dumps, json.loads, self._names, self._json
        out = []
        for r in rows:
            if js:
                fields = list(r)
                for i in js:
                    if fields[i] is not None:
                        fields[i] = loads(fields[i])
                out.append(dumps(dict(zip(names, fields, strict=True)), ensure_ascii=False))
            else:
                out.append(dumps(dict(zip(names, r, strict=True)), ensure_ascii=False))
        self._fh.write("\n".join(out) + "\n")
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()


class ParquetTable:
    def __init__(self, path: Path, columns: Sequence[tuple[str, str]]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._pa = pa
        self.path = path
        self._columns = list(columns)
        self._types = _arrow_types()
        self.schema = pa.schema([(c, self._types[t]) for c, t in columns])
        self._writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        self.write_columns(list(zip(*rows, strict=True)) if rows else [() for _ in self._columns])

    def write_columns(self, cols: Sequence[Sequence[Any]]) -> None:
        pa = self._pa
        arrays = []
        for (_name, t), values in zip(self._columns, cols, strict=True):
            if t == "ts":
                arrays.append(self._timestamps(values))
            else:
                arrays.append(pa.array(values, self._types[t]))
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))

    def write_arrays(self, arrays: Sequence[Any]) -> None:
        """Write columns that are Arrow arrays already, in schema order."""
        self._writer.write_table(self._pa.Table.from_arrays(list(arrays), schema=self.schema))

    def _timestamps(self, values: Sequence[str | None]) -> Any:
        """UTC timestamps from ISO text ('...T...Z') or the store's own text ('YYYY-MM-DD HH:MM:SS.ffffff')."""
        pa = self._pa
        text = pa.array(values, pa.string())
        sample = next((v for v in values if v is not None), "")
        if sample.endswith("Z"):
            return text.cast(self._types["ts"])
        return text.cast(pa.timestamp("us")).cast(self._types["ts"])

    def close(self) -> None:
        self._writer.close()


def open_table(fmt: str, out_dir: Path, table: str) -> CsvTable | JsonlTable | ParquetTable:
    classes: dict[str, Callable[[Path, Sequence[tuple[str, str]]], CsvTable | JsonlTable | ParquetTable]] = {
        "csv": CsvTable, "jsonl": JsonlTable, "parquet": ParquetTable}
    cls = classes[fmt]
    return cls(out_dir / f"{table}.{fmt}", SCHEMAS[table])


# ---------------------------------------------------------------------------------------------- the export
class _Budget:
    def __init__(self, files: list[Path], limit: int | None) -> None:
        self.files = files
        self.limit = limit

    def check(self) -> None:
        if self.limit is not None and sum(p.stat().st_size for p in self.files if p.exists()) > self.limit:
            raise ExportTooLarge(self.limit)


async def export_all(
    store: DataStore,
    out_dir: Path,
    fmt: str,
    *,
    since: datetime | None = None,
    community_ids: Sequence[int] | None = None,
    tables: Iterable[str] = TABLES,
    activities: bool = True,
    max_bytes: int | None = None,
    batch: int = 10_000,
    progress: Callable[[str, int], None] | None = None,
) -> ExportResult:
    """Write the chosen tables to `out_dir` (created) and return the files; raises ExportTooLarge past
    `max_bytes` (the partial files are left for the caller to delete)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    tables = [t for t in TABLES if t in set(tables)]
    await asyncio.to_thread(out_dir.mkdir, parents=True, exist_ok=True)
    identity = IdentityRepo(store)
    # Linked accounts that count as one person (inside one linked group): a small share of all. A link to a
    # community outside the group is left out, so an export never ties an account to another community.
    links = await identity.honoured_links(community_ids)
    persons: dict[int, str] = {}

    def who(member_id: int | None) -> str | None:
        if member_id is None:
            return None
        got = persons.get(member_id)
        if got is None:
            if len(persons) > 100_000:
                persons.clear()
            got = persons[member_id] = person_key(member_id, links.get(member_id))
        return got

    async def accounts(member_ids: list[int]) -> list[Account]:
        found: list[Account] = []
        for i in range(0, len(member_ids), 5000):
            found += await identity.accounts(community_ids, member_ids=member_ids[i:i + 5000])
        return found

    result = ExportResult()
    budget = _Budget(result.files, max_bytes)

    async def run(table: str, batches: Any, write: Callable[[Any, list[tuple[Any, ...]]], int]) -> None:
        """Stream one table: each batch is converted and written in a worker thread."""
        writer = await asyncio.to_thread(open_table, fmt, out_dir, table)
        result.files.append(writer.path)
        count = 0
        try:
            async for rows in batches:
                def step(rows: list[tuple[Any, ...]] = rows) -> int:
                    n = write(writer, rows)
                    budget.check()
                    return n

                count += await asyncio.to_thread(step)
                if progress:
                    progress(table, count)
        finally:
            await asyncio.to_thread(writer.close)
        result.rows[table] = count

    def rows_writer(convert: Callable[[tuple[Any, ...]], tuple[Any, ...]]) -> Callable[[Any, list[Any]], int]:
        def write(writer: Any, rows: list[tuple[Any, ...]]) -> int:
            writer.write([convert(r) for r in rows])
            return len(rows)

        return write

    if "people" in tables:
        await run("people", _people_batches(store, links, await accounts(sorted(links)), community_ids, batch),
                  rows_writer(lambda r: r))
    if "accounts" in tables:
        await run("accounts", account_batches(store, community_ids=community_ids),
                  rows_writer(lambda r: (r[0], who(r[0]), *r[1:8], iso(r[8]), iso(r[9]), iso(r[10]))))
    if "profiles" in tables:
        await run("profiles", profile_batches(store, community_ids=community_ids),
                  rows_writer(lambda r: (r[1], who(r[1]), r[2], r[3], r[4], r[5])))
    if "events" in tables or "matches" in tables:
        await _events_pass(store, out_dir, fmt, result, budget, who, links, ActivityEncoder(accounts, who),
                           events="events" in tables, matches="matches" in tables, activities=activities,
                           since=since, community_ids=community_ids, batch=batch, progress=progress)
    return result


# The columns of a stored event as `event_batches` yields them (storage EVENT_COLUMNS order).
_STORED = (("id", "int"), ("community_id", "int"), ("platform", "str"), ("member_id", "int"), ("kind", "str"),
           ("at", "str"), ("channel", "str"), ("target_id", "int"), ("value", "int"), ("label", "str"),
           ("meta", "str"), ("text", "str"))


class _ArrowEvents:
    """Event batches to Arrow in C: one struct conversion of the row tuples (no per-row Python work), person
    keys by vectorised look-up, timestamps parsed from the stored text."""

    def __init__(self, links: dict[int, int]) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        self.pa, self.pc = pa, pc
        types = {"int": pa.int64(), "str": pa.string()}
        self.stored = pa.struct([(c, types[t]) for c, t in _STORED])
        linked = sorted(links)
        self.linked_ids = pa.array(linked, pa.int64())
        self.linked_keys = pa.array([person_key(m, links[m]) for m in linked], pa.string())
        self.ts = pa.timestamp("us", tz="UTC")

    def batch(self, rows: list[tuple[Any, ...]]) -> Any:
        return self.pa.RecordBatch.from_struct_array(self.pa.array(rows, type=self.stored))

    def persons(self, member_ids: Any) -> Any:
        """person_key of each member id (null stays null): `m<id>`, or `p<person>` for linked accounts."""
        pa, pc = self.pa, self.pc
        plain = pc.binary_join_element_wise("m", pc.cast(member_ids, pa.string()), "")
        if not len(self.linked_ids):
            return plain
        linked = pc.take(self.linked_keys, pc.index_in(member_ids, value_set=self.linked_ids))
        return pc.coalesce(linked, plain)

    def timestamps(self, text: Any) -> Any:
        return self.pc.cast(self.pc.cast(text, self.pa.timestamp("us")), self.ts)

    def events(self, b: Any) -> list[Any]:
        c = b.column
        return [c("id"), c("community_id"), c("platform"), c("member_id"), self.persons(c("member_id")), c("kind"),
                self.timestamps(c("at")), c("channel"), c("target_id"), c("value"), c("label"), c("meta"),
                c("text")]



def match_rows(rows: Iterable[tuple[Any, ...]], who: Callable[[int | None], str | None]) -> list[tuple[Any, ...]]:
    """The matches table's rows of stored event rows: one row per member and partner.

    A `matched` event is recorded once per member of a group with its first partner as `target_id` and every
    partner in `meta.group`, so a trio's member has two partners: both are written (reading only `target_id`
    lost a trio's other pairs). `round` is the round number, empty for a match outside a round (a request or a
    mentorship, whose events carry 0)."""
    out: list[tuple[Any, ...]] = []
    for (eid, cid, _platform, member, kind, at, _channel, target, value, label, meta, _text) in rows:
        if kind != Kind.MATCHED:
            continue
        partners = match_partners(meta, target)
        when = f"{at[:10]}T{at[11:]}Z"
        number = value if value else None
        out.extend((eid, cid, member, who(member), p, who(p), label, number, when)
                   for p in dict.fromkeys(partners) if p != member)
    return out


async def _ahead(batches: AsyncIterator[T]) -> AsyncGenerator[T, None]:
    """Yield batches while the next one is already being read: the store works in its own thread (SQLite) or
    server (PostgreSQL) while this one is converted and written."""
    it = aiter(batches)
    pending: asyncio.Future[T] = asyncio.ensure_future(anext(it))
    try:
        while True:
            try:
                item = await pending
            except StopAsyncIteration:
                return
            pending = asyncio.ensure_future(anext(it))
            yield item
    finally:
        if not pending.done():
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending
        aclose = getattr(it, "aclose", None)
        if aclose is not None:
            await aclose()


async def _events_pass(
    store: DataStore, out_dir: Path, fmt: str, result: ExportResult, budget: _Budget,
    who: Callable[[int | None], str | None], links: dict[int, int], encoder: ActivityEncoder, *,
    events: bool, matches: bool, activities: bool, since: datetime | None, community_ids: Sequence[int] | None,
    batch: int, progress: Callable[[str, int], None] | None,
) -> None:
    """One read of the log feeds the events file, the matches file and the activities (only the matches are
    read when the events are not wanted)."""
    acts = ActivitiesFile(out_dir / ACTIVITIES_FILE) if events and activities else None
    if acts is not None:
        result.files.append(acts.path)
    ev_out = await asyncio.to_thread(open_table, fmt, out_dir, "events") if events else None
    m_out = await asyncio.to_thread(open_table, fmt, out_dir, "matches") if matches else None
    for table in (ev_out, m_out):
        if table is not None:
            result.files.append(table.path)
    arrow = _ArrowEvents(links) if fmt == "parquet" else None
    counts = {"events": 0, "matches": 0}
    held: list[tuple[Any, ...]] = []  # Parquet matches, gathered into row groups of about `batch` rows

    def write_held(at_least: int) -> None:
        # Parquet matches are gathered into row groups of about `batch` rows (a batch of events holds few)
        if held and m_out is not None and len(held) >= at_least:
            m_out.write(held)
            held.clear()

    def write(rows: list[tuple[Any, ...]]) -> None:
        if arrow is not None and isinstance(ev_out, ParquetTable):
            ev_out.write_arrays(arrow.events(arrow.batch(rows)))
        elif ev_out is not None:
            ev_out.write([(i, c, p, m, who(m), k, f"{at[:10]}T{at[11:]}Z", ch, t, v, lb, meta, tx)
                          for (i, c, p, m, k, at, ch, t, v, lb, meta, tx) in rows])
        if m_out is not None:
            found = match_rows(rows, who)
            counts["matches"] += len(found)
            if isinstance(m_out, ParquetTable):
                held.extend(found)
                write_held(batch)
            elif found:
                m_out.write(found)
        if acts is not None:
            acts.write(encoder.encode_rows(rows))
        if ev_out is not None:
            counts["events"] += len(rows)
        budget.check()

    kinds = None if events else [Kind.MATCHED.value]
    try:
        async with contextlib.aclosing(_ahead(event_batches(store, community_ids=community_ids, since=since,
                                                             kinds=kinds, batch=batch))) as batches:
            async for rows in batches:
                if acts is not None:
                    await encoder.prepare(rows)
                await asyncio.to_thread(write, rows)
                if progress:
                    if events:
                        progress("events", counts["events"])
                    if matches:
                        progress("matches", counts["matches"])
        await asyncio.to_thread(write_held, 1)
    finally:
        for w in (ev_out, m_out, acts):
            if w is not None:
                await asyncio.to_thread(w.close)
    if events:
        result.rows["events"] = counts["events"]
    if matches:
        result.rows["matches"] = counts["matches"]


async def _people_batches(
    store: DataStore, links: dict[int, int], linked: list[Account], community_ids: Sequence[int] | None, batch: int,
) -> AsyncIterator[list[tuple[Any, ...]]]:
    """People rows in the order of their first account, streamed with the accounts table: an unlinked account
    is a person of its own; a linked person (whose accounts are few and read up front) is written where its
    first account comes. CRM attributes are merged from every record that names one of the person's accounts
    (later records win, as in `match_records`)."""
    index = crm_index(records := await CrmRepo(store).all())
    groups: dict[int, list[Account]] = {}
    for a in linked:
        groups.setdefault(links[a.member_id], []).append(a)
    done: set[int] = set()

    def attributes(accounts: Iterable[tuple[str, str, str]]) -> str | None:
        attrs: dict[str, str] = {}
        for platform, user_id, username in accounts:
            for i in records_naming(index, platform, user_id, username):
                attrs.update(records[i].attributes)
        return json.dumps(attrs, ensure_ascii=False, sort_keys=True) if attrs else None

    async for rows in account_batches(store, community_ids=community_ids, batch=batch):
        out: list[tuple[Any, ...]] = []
        for (member_id, _c, platform, user_id, username, display_name, *_rest) in rows:
            person = links.get(member_id)
            if person is None:
                out.append((person_key(member_id, None), None, display_name, platform, 1,
                            attributes([(platform, user_id, username)])))
            elif person not in done:
                done.add(person)
                group = groups.get(person) or []
                out.append((person_key(member_id, person), person, display_name,
                            ",".join(sorted({a.platform for a in group} | {platform})), max(len(group), 1),
                            attributes([(a.platform, a.user_id, a.username) for a in group]
                                       or [(platform, user_id, username)])))
        if out:
            yield out


def zip_files(files: Sequence[Path], *, base: str) -> bytes:
    """The export as one zip (what `/export` sends), compressed in memory."""
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for p in files:
            zf.write(p, arcname=f"{base}/{p.name}")
    return buf.getvalue()


def remove_files(files: Iterable[Path]) -> None:
    for p in files:
        try:
            os.remove(p)
        except OSError:
            pass
