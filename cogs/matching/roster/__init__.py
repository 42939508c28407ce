"""Rosters: a file of members (JSON or CSV) matched offline by the same engine the bot uses.

Organisers of a meetup or a mentoring cohort have a list of people, not a chat server. `bot.py match-roster`
(cogs/matching/cli.py) reads their roster (`read`), validates it (`model`, pydantic: one clear line naming the
place of the first problem), runs one or several weekly rounds (`run`) and writes the groups (`write`).
"""

from .model import Roster, RosterError
from .read import read_roster
from .run import RoundOutput, run_rounds
from .write import write_output

__all__ = ["Roster", "RosterError", "RoundOutput", "read_roster", "run_rounds", "write_output"]
