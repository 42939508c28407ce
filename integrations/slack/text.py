"""Text for Slack's mrkdwn: escape what Slack would parse, keep the mentions features put in on purpose.

Slack parses ``<...>`` sequences: ``<@U123>`` pings a person, ``<!channel>`` pings everyone, ``<https://x|y>`` is a
link. Text from members (a profile's "about", a topic) must never ping a whole channel, so every ``<`` and ``>``
is escaped except in member mentions, channel links and web links, and ``&`` is escaped as Slack asks.
"""

from __future__ import annotations

import re

_KEEP = re.compile(r"<(?:@[UW][A-Z0-9]+(?:\|[^<>]*)?|#[CG][A-Z0-9]+(?:\|[^<>]*)?|https?://[^\s<>|]+(?:\|[^<>]*)?)>")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")


def escape_plain(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` everywhere (for text with no intended markup at all)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_mrkdwn(text: str, *, allowed_mentions: tuple[str, ...] | None = None) -> str:
    """Neutral text to Slack mrkdwn.

    Kept: ``<@U…>`` mentions (only of ``allowed_mentions`` when that is given; others become plain ids),
    ``<#C…>`` channel links, ``<https://…|label>`` links. Escaped: every other ``<``, ``>`` and ``&``, so
    ``<!channel>`` or ``<!here>`` typed by a member shows as text. ``**bold**`` becomes Slack's ``*bold*``.
    """
    out: list[str] = []
    last = 0
    for match in _KEEP.finditer(text):
        out.append(escape_plain(text[last : match.start()]))
        token = match.group(0)
        mention = _MENTION.fullmatch(token)
        if mention and allowed_mentions is not None and mention.group(1) not in allowed_mentions:
            token = "@" + mention.group(1)
        out.append(token)
        last = match.end()
    out.append(escape_plain(text[last:]))
    return _BOLD.sub(r"*\1*", "".join(out))


def plain(text: str, limit: int) -> str:
    """Text for a ``plain_text`` object: no markup is parsed there; only the length limit matters."""
    text = text.strip() or "-"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def chunks(text: str, limit: int) -> list[str]:
    """Split long text at line breaks (or hard, when a line is too long) into pieces of at most ``limit``."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces
