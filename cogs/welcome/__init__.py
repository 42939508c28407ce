"""Welcome and onboarding: every newcomer greeted, guided to a profile, and given a buddy."""

from cogs.welcome.cog import Welcome
from cogs.welcome.settings import SECTION as SECTION  # registers [welcome] in the settings registry

COGS = [Welcome]
