"""Discord integration: renders Kindred's neutral commands, events and messages natively with discord.py."""
