"""/help: the commands the caller may use here."""

from cogs.help.cog import Help

COGS = [Help]
