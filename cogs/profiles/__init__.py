"""Profiles: the short set of facets members keep so that the right people can meet."""

from cogs.profiles.cog import Profiles
from cogs.profiles.settings import SECTION as SECTION  # registers [profiles] in the settings registry

COGS = [Profiles]
