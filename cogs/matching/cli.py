"""Command-line tools of the matching feature (picked up by bot.py):

    uv run bot.py match-roster --input roster.json --out groups.json [--rounds N] [--group-size K] [--scores]
                               [--no-learning] [--explore SHARE]
    uv run bot.py match-roster --list-strategies
    uv run bot.py match-roster --input roster.json --teams 4 --needs developer*2,designer,domain

`match-roster` runs the bot's matching engine on a roster file, without a chat server or a store: for
meetups and mentoring cohorts, and for anyone who wants to check the engine against their own solver
(README "Matching a roster file"). Bad input is one line naming the file and the place, and exit code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

BAD_INPUT = 2


def _fail(line: str) -> None:
    typer.echo(f"kindred: {line}", err=True)
    raise typer.Exit(BAD_INPUT)


def match_roster(
    input: Annotated[Path | None, typer.Option("--input", "-i", help="Roster file: .json, or .csv (one member per "
                                                                      "row, lists separated by ';')")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Where to write the groups: .json or .csv "
                                                                  "(default: JSON on stdout)")] = None,
    rounds: Annotated[int | None, typer.Option("--rounds", min=1, max=520,
                                               help="Run N weekly rounds, each remembering the ones before; "
                                                    "writes {\"rounds\": [...]}")] = None,
    group_size: Annotated[int | None, typer.Option("--group-size", min=2, max=4,
                                                   help="People per group (overrides settings.group_size)")] = None,
    scores: Annotated[bool, typer.Option("--scores", help="Also write pair_scores: every pair the hard rules "
                                                          "allow, with its score (JSON only)")] = False,
    strategy: Annotated[str | None, typer.Option("--strategy", help="Force one of the engine's strategies "
                                                                    "(see --list-strategies)")] = None,
    list_strategies: Annotated[bool, typer.Option("--list-strategies", help="List the engine's strategies and "
                                                                            "exit")] = False,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (the same input and seed give the same "
                                                     "groups)")] = 0,
    format: Annotated[str | None, typer.Option("--format", help="Input format when the name does not say: json "
                                                                "or csv")] = None,
    no_learning: Annotated[bool, typer.Option("--no-learning", help="Use the default weights; do not learn from "
                                                                    "the history's met answers")] = False,
    explore: Annotated[float, typer.Option("--explore", min=0.0, max=0.5,
                                           help="Share of a learning round's intros that try what the model is "
                                                "unsure about")] = 0.1,
    teams: Annotated[int | None, typer.Option("--teams", help="Form teams of SIZE people instead of intro "
                                                              "rounds (2 to 12)")] = None,
    needs: Annotated[str | None, typer.Option("--needs", help="With --teams: the roles each team needs, e.g. "
                                                              "developer*2,designer,domain")] = None,
) -> None:
    """Match the members of a roster file (JSON or CSV) into pairs or groups with the bot's engine."""
    from cogs.matching.engine.strategies import STRATEGIES

    if list_strategies:
        width = max(len(name) for name in STRATEGIES)
        for s in STRATEGIES.values():
            limit = f" (up to {s.max_members:,} members)" if s.max_members else ""
            typer.echo(f"{s.name.ljust(width)}  {s.description}{limit}")
        return
    if input is None:
        _fail("match-roster: --input FILE is required (a .json or .csv roster)")
        return
    if needs is not None and teams is None:
        _fail("--needs: only with --teams SIZE")
    if teams is not None:
        for flag, given in (("--rounds", rounds), ("--group-size", group_size), ("--scores", scores or None)):
            if given is not None:
                _fail(f"{flag}: not with --teams (teams are formed once, by their own size)")
        _teams(input, out, format, teams, needs or "", strategy or "auto", seed)
        return
    if strategy is not None and strategy not in STRATEGIES:
        _fail(f"--strategy: unknown strategy {strategy!r} (known: {', '.join(STRATEGIES)})")
    if format is not None and format.lower() not in ("json", "csv"):
        _fail(f"--format: expected json or csv, got {format!r}")
    out_format = "csv" if out is not None and out.suffix.lower() == ".csv" else "json"
    if scores and out_format == "csv":
        _fail("--scores: pair scores are written as JSON only (use --out FILE.json)")

    from cogs.matching.roster import read_roster, run_rounds, write_output
    from cogs.matching.roster.read import BadRoster
    from cogs.matching.roster.run import RunError

    try:
        roster = read_roster(input, format)
    except BadRoster as exc:
        _fail(str(exc))
        return
    try:
        result = run_rounds(roster, rounds or 1, group_size=group_size, strategy=strategy, scores=scores, seed=seed,
                            learning=not no_learning, explore_share=explore)
    except RunError as exc:
        _fail(f"--strategy: {exc}")
        return
    text = write_output(result, out_format, several=rounds is not None)
    if result[0].learning is not None:
        typer.echo(f"match-roster: {result[0].learning['summary']}", err=True)
    if out is None or str(out) == "-":
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"{out}: cannot write it: {exc.strerror or exc}")
    placed = sum(len(g) for r in result for g in r.groups)
    typer.echo(f"{len(result)} round(s): {placed} placements, {sum(len(r.unplaced) for r in result)} unplaced; "
               f"written to {out}", err=True)


def _teams(input: Path, out: Path | None, format: str | None, size: int, needs: str, strategy: str,
           seed: int) -> None:
    """`--teams SIZE --needs ROLES`: teams from the roster, JSON or CSV like the rounds."""
    if format is not None and format.lower() not in ("json", "csv"):
        _fail(f"--format: expected json or csv, got {format!r}")
    from cogs.matching.roster import read_roster
    from cogs.matching.roster.read import BadRoster
    from cogs.matching.roster.teams import NeedsError, run_teams, teams_csv, teams_json, teams_summary

    try:
        roster = read_roster(input, format)
    except BadRoster as exc:
        _fail(str(exc))
        return
    try:
        result = run_teams(roster, size, needs, strategy, seed)
    except NeedsError as exc:
        flag = {"size": "--teams", "strategy": "--strategy", "people": "--input"}.get(exc.code, "--needs")
        _fail(f"{flag}: {exc}")
        return
    text = teams_csv(result) if out is not None and out.suffix.lower() == ".csv" else teams_json(result)
    if out is None or str(out) == "-":
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"{out}: cannot write it: {exc.strerror or exc}")
    typer.echo(f"{teams_summary(result)}; written to {out}", err=True)


def register(cli: typer.Typer) -> None:
    cli.command("match-roster")(match_roster)
