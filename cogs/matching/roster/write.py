"""Writing the rounds: JSON (what scripts and exact solvers read) or CSV (one group per row, for a spreadsheet).

JSON, one round: `{"date", "groups": [[id, ...]], "unplaced": [{"id", "reason"}], "score", "seconds"}` plus
`"pair_scores": [[id, id, score], ...]` when asked for; several rounds: `{"rounds": [<one round>, ...]}`. When the
history's check-ins taught something, `"learning": {...}` (`learn.Learned.summary`) is added at the top.
CSV columns: round, date, group (its number, or `unplaced`), size, score, members (`;`-separated), reason.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from .run import RoundOutput

CSV_HEADER = ("round", "date", "group", "size", "score", "members", "reason")


def round_json(r: RoundOutput) -> dict[str, Any]:
    out: dict[str, Any] = {
        "date": r.date.isoformat(),
        "groups": r.groups,
        "unplaced": [{"id": i, "reason": reason} for i, reason in r.unplaced],
        "score": r.score,
        "seconds": r.seconds,
    }
    if r.pair_scores is not None:
        out["pair_scores"] = [[a, b, s] for a, b, s in r.pair_scores]
    return out


def render_json(rounds: Sequence[RoundOutput], several: bool) -> str:
    body: dict[str, Any] = {"rounds": [round_json(r) for r in rounds]} if several else round_json(rounds[0])
    if rounds and rounds[0].learning is not None:
        body["learning"] = rounds[0].learning  # the same for every planned round: they add no check-ins
    return json.dumps(body, ensure_ascii=False) + "\n"


def render_csv(rounds: Sequence[RoundOutput]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_HEADER)
    for number, r in enumerate(rounds, start=1):
        day = r.date.isoformat()
        for g, (members, score) in enumerate(zip(r.groups, r.group_scores, strict=True), start=1):
            w.writerow((number, day, g, len(members), str(round(score, 4)), ";".join(members), ""))
        for member, reason in r.unplaced:
            w.writerow((number, day, "unplaced", 1, "", member, reason))
    return buf.getvalue()


def write_output(rounds: Sequence[RoundOutput], fmt: str, several: bool) -> str:
    """The text to write: `fmt` is `json` or `csv`."""
    return render_csv(rounds) if fmt == "csv" else render_json(rounds, several)
