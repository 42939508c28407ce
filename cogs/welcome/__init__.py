"""Welcome and onboarding: every newcomer greeted, guided to a profile, and given a buddy."""

from cogs.welcome.cog import Welcome

COGS = [Welcome]
