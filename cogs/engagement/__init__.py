"""Engagement: the community's own activity log, analytics, export and privacy controls.

Cogs: Engagement (recording, /thanks), Stats (/stats, /segment), Links (/link), LinkGroups (/link communities),
Privacy (/privacy) and Export (/export). Other features record events and read activity levels through
cogs/engagement/api.py.
"""

from cogs.engagement.cog import Engagement
from cogs.engagement.export_cog import Export
from cogs.engagement.link_groups import LinkGroups
from cogs.engagement.links import Links
from cogs.engagement.privacy import Privacy
from cogs.engagement.settings import SECTION as SECTION  # registers [engagement] in the settings registry
from cogs.engagement.stats import Stats

COGS = [Engagement, Stats, Links, LinkGroups, Privacy, Export]
