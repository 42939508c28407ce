"""Moderators configure Kindred in chat: /config (show, set, reset, history, export, import, module) and /setup.

Modules: schema (keys from the pydantic settings), values (parsing and checking), editor (apply + audit + notify),
toml_io (export/import), render (messages), setup_logic (the guided first run as data), example (config.example.toml),
cog, pickers (/config channel and /config role) and setup (the commands).
"""

from cogs.config.cog import ConfigCog
from cogs.config.pickers import ConfigPickers
from cogs.config.setup import SetupCog

COGS = [ConfigCog, ConfigPickers, SetupCog]
