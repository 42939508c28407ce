"""Reading a roster file: JSON (the full roster) or CSV (one member per row, lists separated by `;`).

Every problem becomes `BadRoster`, whose text is the one line the command prints: the file, the place in it
(`members[3].timezone` in JSON, `line 5, timezone` in CSV, where people count lines) and what is wrong.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from .model import Loc, Roster, RosterError, dotted, parse_roster

CSV_COLUMNS = ("id", "name", "role", "team", "topics", "offers", "wants", "timezone", "languages", "priority",
               "blocks")
LIST_COLUMNS = {"topics", "offers", "wants", "languages", "blocks"}
TRUE = {"true", "yes", "y", "1", "x"}
FALSE = {"false", "no", "n", "0", ""}


class BadRoster(ValueError):
    """The roster cannot be used; `str()` is one line naming the file and the place."""


def read_roster(path: Path, fmt: str | None = None) -> Roster:
    """The roster in `path`; CSV when `fmt` says so or the name ends in .csv, else JSON."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise BadRoster(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise BadRoster(f"{path}: not UTF-8 text (save it as UTF-8)") from None
    as_csv = (fmt or path.suffix.lstrip(".")).lower() == "csv"
    return parse_csv(text, str(path)) if as_csv else parse_json(text, str(path))


def parse_json(text: str, name: str = "roster") -> Roster:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRoster(f"{name}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})") from None
    try:
        return parse_roster(data)
    except RosterError as exc:
        raise BadRoster(f"{name}: {dotted(exc.loc)}: {exc.message}") from None


def parse_csv(text: str, name: str = "roster") -> Roster:
    """Members from CSV rows (header line first). The settings are the defaults (the command's options change
    them); there is no history; a `blocks` column lists, per member, ids they never want to meet."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise BadRoster(f"{name}: line 1: not valid CSV ({exc})") from None
    if not header:
        raise BadRoster(f"{name}: line 1: empty file (expected a header line with at least 'id')")
    columns = [h.strip().lower() for h in header]
    for c in columns:
        if c not in CSV_COLUMNS:
            raise BadRoster(f"{name}: line 1: unknown column {c!r} (known: {', '.join(CSV_COLUMNS)})")
    if "id" not in columns:
        raise BadRoster(f"{name}: line 1: no 'id' column (known: {', '.join(CSV_COLUMNS)})")
    if len(set(columns)) != len(columns):
        raise BadRoster(f"{name}: line 1: a column appears twice")
    members: list[dict[str, Any]] = []
    lines: list[int] = []
    blocks: list[list[str]] = []
    block_lines: list[tuple[int, str]] = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            line = reader.line_num
            if len(row) > len(columns):
                raise BadRoster(f"{name}: line {line}: {len(row)} cells for {len(columns)} columns")
            member: dict[str, Any] = {}
            for c, cell in zip(columns, row, strict=False):
                cell = cell.strip()
                if c == "blocks":
                    for other in _split(cell):
                        blocks.append([row[columns.index("id")].strip(), other])
                        block_lines.append((line, other))
                elif c in LIST_COLUMNS:
                    member[c] = _split(cell)
                elif c == "priority":
                    if cell.lower() not in TRUE | FALSE:
                        raise BadRoster(f"{name}: line {line}, priority: expected yes or no, got {cell!r}")
                    member[c] = cell.lower() in TRUE
                elif cell or c == "id":
                    member[c] = cell
            members.append(member)
            lines.append(line)
    except csv.Error as exc:
        raise BadRoster(f"{name}: line {reader.line_num}: not valid CSV ({exc})") from None
    try:
        return parse_roster({"members": members, "blocks": blocks})
    except RosterError as exc:
        message = re.sub(r"members\[(\d+)\]", lambda m: f"line {lines[int(m.group(1))]}", exc.message)
        raise BadRoster(f"{name}: {_csv_place(exc.loc, lines, block_lines)}: {message}") from None


def _split(cell: str) -> list[str]:
    return [x.strip() for x in cell.split(";") if x.strip()]


def _csv_place(loc: Loc, lines: list[int], block_lines: list[tuple[int, str]]) -> str:
    """A place in the CSV: the line people see in a spreadsheet, and the column."""
    if len(loc) >= 2 and loc[0] == "members" and isinstance(loc[1], int):
        column = f", {loc[2]}" if len(loc) > 2 else ""
        return f"line {lines[loc[1]]}{column}"
    if len(loc) >= 2 and loc[0] == "blocks" and isinstance(loc[1], int):
        return f"line {block_lines[loc[1]][0]}, blocks"
    return dotted(loc)
