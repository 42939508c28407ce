"""Profiles: the short set of facets members keep so that the right people can meet."""

from cogs.profiles.cog import Profiles

COGS = [Profiles]
