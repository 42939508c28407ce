"""The invite URL for adding Kindred to a server: exactly the permissions it uses, scopes bot + applications.commands.

Kept as data so the README, the `discord-invite` command and the tests agree on one list.
"""

from __future__ import annotations

import base64
import binascii

import discord

SCOPES = ("bot", "applications.commands")


def kindred_permissions() -> discord.Permissions:
    """What Kindred does on a server, and nothing more.

    View Channels (see the channels it posts in and receive their messages and reactions), Send Messages (the
    welcome channel and other channel posts), Embed Links (profile and intro cards show as embeds), Attach Files
    (charts and exports), Create Private Threads and Send Messages in Threads (intro threads and adding the
    introduced people), Manage Threads (delete an intro thread nobody could be added to, once the intro went
    by DM), Read Message History (after a crash, read back the intro thread or welcome channel to
    find whether a message already went out, so that it is never sent twice; without it Discord shows the bot
    no messages at all). Activity is still counted as it happens, never read from history.
    """
    return discord.Permissions(
        view_channel=True,
        read_message_history=True,
        send_messages=True,
        send_messages_in_threads=True,
        create_private_threads=True,
        manage_threads=True,
        embed_links=True,
        attach_files=True,
    )


def client_id_from_token(token: str) -> int | None:
    """A bot token starts with its user id in base64; for bots that is the application (client) id."""
    head = token.strip().split(".", 1)[0]
    try:
        text = base64.b64decode(head + "=" * (-len(head) % 4), validate=False).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return int(text) if text.isdigit() else None


def invite_url(client_id: int) -> str:
    """The OAuth2 URL a server admin opens to add the bot."""
    return discord.utils.oauth_url(client_id, permissions=kindred_permissions(), scopes=SCOPES)
