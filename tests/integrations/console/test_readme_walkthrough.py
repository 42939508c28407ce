"""The README's console walk-through works as written: its block, taken verbatim from between the marker
comments, is piped into the real `bot.py console --demo N` (N as the README says) in an empty directory, and
shows what the README promises: a pairing with its reasons, a greeting with a buddy, a suggestion from
`/match find`, and a chart written to the output folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"


def walkthrough() -> tuple[list[str], str]:
    """The README's demo command arguments and the walk-through's lines, verbatim."""
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- walkthrough:start -->\n```\n(.*?)```\n<!-- walkthrough:end -->", text, re.S)
    assert found, "README.md lost its walk-through markers"
    command = re.search(r"uv run bot\.py (console --demo \d+)", text)
    assert command, "README.md no longer says which demo to open"
    return command.group(1).split(), found.group(1)


def test_the_readme_walkthrough_shows_every_feature(tmp_path: Path) -> None:
    args, script = walkthrough()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KINDRED_")}
    env["COLUMNS"] = "200"
    result = subprocess.run([sys.executable, str(ROOT / "bot.py"), *args], input=script, text=True,
                            capture_output=True, cwd=tmp_path, env=env, timeout=900)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in out + result.stderr
    # every line was typed as it stands
    for line in script.splitlines():
        if line.startswith("/"):
            assert line in out
    # a pairing with its reasons (the round that `/match run-now` ran: an intro, saying why)
    assert "already ran" not in out
    intros = re.findall(r"╭─ Intro: ([^─]+?) ─+╮\n(.*?)╰", out, re.S)
    assert any(re.search(r"you both|which \w+ wants to learn|waking hours overlap|You both", body)
               for _names, body in intros), out
    # a greeting with a buddy, after the (virtual) welcome delay
    assert re.search(r"Welcome to .*noor", out)
    assert re.search(r"is your buddy", out)
    # a suggestion from /match find
    assert "Request intro with" in out
    # a project card in the collab channel, and people for its roles, each with why
    assert re.search(r"╭─ #general ─+╮\n│ Project: Community website", out)
    assert re.search(r"• \S+: \S+ is developer", out)
    # an event's teams: a preview saying who brings what
    assert "Team preview" in out and re.search(r"│ (Team \d+: )?• \S+ — (developer|designer) ", out)
    # a chart, written to the output folder
    charts = list((tmp_path / "kindred-out").glob("*.png"))
    assert charts and re.search(r"📎 \S+\.png → kindred-out/\S+\.png", out)
    # logs go to the log file, not into the chat
    assert (tmp_path / "kindred-out" / "console.log").exists()
    assert not re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (INFO|WARNING|ERROR)", out, re.M)
