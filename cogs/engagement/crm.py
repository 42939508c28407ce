"""CRM import: reading a CSV of people and their attributes, and matching its rows to chat accounts.

Pure functions. The CSV needs a header; `--key` names the column that identifies a person in the CRM (email,
discord or slack). Identifier columns (`discord`, `slack`, `console`) are what links a row to an account: a
Discord user id or username, a Slack member id or username. Every other column is an attribute (plan,
company, customer, ...). A file with any problem is rejected as a whole, with one line per problem, so that an
import never half-happens.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from cogs.engagement.store.crm import CrmRecord

KEYS = ("email", "discord", "slack")
PLATFORM_COLUMNS = ("discord", "slack", "console")
MAX_COLUMNS = 50
MAX_VALUE = 200
MAX_ROWS = 500_000
MAX_ERRORS_SHOWN = 20
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_COLUMN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(slots=True)
class ParseResult:
    records: list[CrmRecord] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def normalise_column(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def normalise_key(kind: str, value: str) -> str:
    value = value.strip()
    if kind == "email":
        return value.lower()
    return value.lstrip("@")


def parse_crm_csv(lines: Iterable[str], key: str) -> ParseResult:
    """Read CSV text lines into records keyed by `key`; any problem is reported and no record is returned."""
    res = ParseResult()
    if key not in KEYS:
        res.errors.append(f"--key must be one of: {', '.join(KEYS)} (got {key!r})")
        return res
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        res.errors.append("the file is empty (a header line is needed, e.g. email,plan,company)")
        return res
    except csv.Error as exc:
        res.errors.append(f"line 1: not valid CSV ({exc})")
        return res
    columns = [normalise_column(c) for c in header]
    res.columns = columns
    problems = res.errors
    for i, c in enumerate(columns):
        if not _COLUMN.match(c):
            problems.append(f"line 1: column {i + 1} name {header[i][:40]!r} must start with a letter "
                            "and use only letters, digits and _ (at most 40)")
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        problems.append(f"line 1: columns appear twice: {', '.join(dupes)}")
    if len(columns) > MAX_COLUMNS:
        problems.append(f"line 1: at most {MAX_COLUMNS} columns are allowed (got {len(columns)})")
    if key not in columns:
        problems.append(f"line 1: the key column {key!r} is missing (columns: {', '.join(columns)[:200]})")
    if problems:
        return res
    key_index = columns.index(key)
    seen: dict[str, int] = {}
    records: list[CrmRecord] = []
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if len(records) >= MAX_ROWS:
                problems.append(f"more than {MAX_ROWS} rows; split the file")
                break
            if len(row) != len(columns):
                problems.append(f"line {line}: expected {len(columns)} fields, got {len(row)}")
                continue
            values = [_CONTROL.sub("", v).strip() for v in row]
            bad = [columns[i] for i, v in enumerate(values) if len(v) > MAX_VALUE]
            if bad:
                problems.append(f"line {line}: {bad[0]} is longer than {MAX_VALUE} characters")
                continue
            raw_key = values[key_index]
            if not raw_key:
                problems.append(f"line {line}: the {key} is empty")
                continue
            kval = normalise_key(key, raw_key)
            if key == "email" and not _EMAIL.match(kval):
                problems.append(f"line {line}: {raw_key[:60]!r} is not an email address")
                continue
            if kval in seen:
                problems.append(f"line {line}: {key} {kval[:60]!r} already appears on line {seen[kval]}")
                continue
            seen[kval] = line
            attrs = {c: v for c, v in zip(columns, values, strict=True) if v}
            attrs[key] = kval
            for p in PLATFORM_COLUMNS:
                if p in attrs:
                    attrs[p] = normalise_key(p, attrs[p])
            records.append(CrmRecord(key, kval, attrs))
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: not valid CSV ({exc})")
    if problems:
        if len(problems) > MAX_ERRORS_SHOWN:
            more = len(problems) - MAX_ERRORS_SHOWN
            del problems[MAX_ERRORS_SHOWN:]
            problems.append(f"... and {more} more problems")
        return res
    if not records:
        problems.append("the file has a header but no rows")
        return res
    res.records = records
    return res


@dataclass(frozen=True, slots=True)
class AccountId:
    """What identifies an account for CRM matching."""

    member_id: int
    platform: str
    user_id: str
    username: str


def match_records(records: Sequence[CrmRecord], accounts: Iterable[AccountId]) -> dict[int, list[int]]:
    """Record index -> member ids of the accounts it names (by platform id or username, case-insensitive)."""
    index: dict[tuple[str, str], list[int]] = {}
    for a in accounts:
        index.setdefault((a.platform, a.user_id.lower()), []).append(a.member_id)
        if a.username:
            index.setdefault((a.platform, a.username.lower()), []).append(a.member_id)
    out: dict[int, list[int]] = {}
    for i, rec in enumerate(records):
        found: list[int] = []
        for p in PLATFORM_COLUMNS:
            v = rec.attributes.get(p)
            if v:
                for m in index.get((p, v.lower()), ()):
                    if m not in found:
                        found.append(m)
        if found:
            out[i] = found
    return out


CrmIndex = dict[tuple[str, str], list[int]]


def crm_index(records: Sequence[CrmRecord]) -> CrmIndex:
    """(platform, id or username, lower case) -> indexes of the records naming it: `match_records` turned
    around, for looking accounts up one by one while they are streamed."""
    index: CrmIndex = {}
    for i, rec in enumerate(records):
        for p in PLATFORM_COLUMNS:
            v = rec.attributes.get(p)
            if v:
                found = index.setdefault((p, v.lower()), [])
                if not found or found[-1] != i:
                    found.append(i)
    return index


def records_naming(index: CrmIndex, platform: str, user_id: str, username: str) -> list[int]:
    """The records (in record order) that name this account, by platform id or username."""
    found = index.get((platform, user_id.lower()), [])
    if username:
        more = index.get((platform, username.lower()))
        if more:
            found = sorted(set(found) | set(more))
    return found


def attribute_names(records: Iterable[CrmRecord]) -> list[str]:
    names: set[str] = set()
    for r in records:
        names.update(r.attributes)
    return sorted(names - set(KEYS) - set(PLATFORM_COLUMNS))


@dataclass(slots=True)
class SegmentCounts:
    active: int = 0
    passive: int = 0
    outside: int = 0


def compare_segments(
    records: Sequence[CrmRecord],
    matches: Mapping[int, list[int]],
    *,
    present: set[int],
    active: set[int],
    attribute: str | None = None,
) -> dict[str, SegmentCounts]:
    """Active members vs passive members vs people not in the community, per value of `attribute`
    (or one row "all"). A CRM person is active if any of their present accounts is active."""
    out: dict[str, SegmentCounts] = {}
    for i, rec in enumerate(records):
        group = (rec.attributes.get(attribute) or "-") if attribute else "all"
        counts = out.setdefault(group, SegmentCounts())
        ids = [m for m in matches.get(i, ()) if m in present]
        if any(m in active for m in ids):
            counts.active += 1
        elif ids:
            counts.passive += 1
        else:
            counts.outside += 1
    return dict(sorted(out.items(), key=lambda kv: (-(kv[1].active + kv[1].passive + kv[1].outside), kv[0])))
