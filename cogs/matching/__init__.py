"""Matching: intro rounds, on-demand "find someone" with request/accept, and mentor matching.

The pure engine lives in `cogs.matching.engine` (no chat, no store); the cogs here wire it to commands,
the store and the scheduler.
"""

from cogs.matching.cog import Matching
from cogs.matching.mentor import Mentoring
from cogs.matching.settings import SECTION as SECTION  # registers [matching] in the settings registry

COGS = [Matching, Mentoring]
