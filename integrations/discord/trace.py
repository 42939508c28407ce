"""How Kindred recognises its own delivered message on Discord after a crash, without showing members a marker.

Discord keeps no invisible field a bot could read back: a message's nonce is enforced for a few minutes (a resend
with the same nonce and `enforce_nonce` returns the message already made) and then forgotten, and history never
shows it. So a delivery is sent with a nonce derived from its marker (one per conversation: Discord enforces a
nonce per author, and an intro by DM sends one message per person), and is recognised later by its fingerprint:
a digest of what it shows, computed the same way from what is sent and from what the history gives back.

The fingerprint leaves out what differs between the conversations of one intro (the pings of its people, a
component id's guild prefix in DMs, whether the text went into the content or the card) and normalises
whitespace, so the message found is the message sent. It is kept in the delivery ledger with the time from which
the message may have gone out; a read-back only looks at the bot's messages since then (core/delivery.py).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

import discord

from integrations.discord.render import Rendered, unscope_id

FINGERPRINT_HEX = 24  # 96 bits: a collision would also need the same author, conversation and minutes
NONCE_LENGTH = 25  # Discord's limit
_USER_MENTION = re.compile(r"<@!?\d+>")
_SPACE = re.compile(r"\s+")


def delivery_nonce(marker: str, channel_id: int | str) -> str:
    """The nonce of a delivery's message in one conversation (never shown: Discord keeps it for minutes)."""
    digest = hashlib.sha256(f"{marker}|{channel_id}".encode()).hexdigest()
    return ("K" + digest)[:NONCE_LENGTH]


def _plain(text: str | None) -> str:
    return _SPACE.sub(" ", _USER_MENTION.sub(" ", text or "")).strip()


def _custom_ids(items: Iterable[Any]) -> Iterator[str]:
    """Component ids, rows and containers opened, the guild prefix of DM components taken off."""
    for item in items:
        custom_id = getattr(item, "custom_id", None)
        if custom_id:
            yield unscope_id(str(custom_id))[0]
        yield from _custom_ids(getattr(item, "children", None) or ())


def _digest(content: str | None, embeds: Iterable[discord.Embed], components: Iterable[Any]) -> str:
    cards = list(embeds)
    shown = {
        "text": _plain(" ".join([content or "", *(e.description or "" for e in cards)])),
        "cards": [[_plain(e.title), [[_plain(f.name), _plain(f.value)] for f in e.fields]] for e in cards],
        "ids": sorted(_custom_ids(components)),
    }
    encoded = json.dumps(shown, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()[:FINGERPRINT_HEX]


def rendered_fingerprint(rendered: Rendered) -> str:
    """The fingerprint of a message about to be sent."""
    return _digest(rendered.content, rendered.embeds, rendered.view.children if rendered.view is not None else ())


def message_fingerprint(message: discord.Message) -> str:
    """The fingerprint of a message read back from a channel's history."""
    return _digest(message.content, message.embeds, message.components)
