"""Matching: intro rounds, on-demand "find someone" with request/accept, mentor matching, and collaboration
(projects that need people: cogs/matching/collab/).

The pure engine lives in `cogs.matching.engine` (no chat, no store); the cogs here wire it to commands,
the store and the scheduler.
"""

from cogs.matching.cog import Matching
from cogs.matching.collab.projects import Collab
from cogs.matching.collab.settings import SECTION as COLLAB_SECTION  # noqa: F401  (registers [collab])
from cogs.matching.collab.teams import CollabTeams
from cogs.matching.mentor import Mentoring
from cogs.matching.settings import SECTION as SECTION  # registers [matching] in the settings registry

COGS = [Matching, Mentoring, Collab, CollabTeams]
