"""What pydantic cannot say about a setting, said where the setting is declared.

A channel id, a time zone or a list of role names is plain `str` / `list[str]` to pydantic, yet chat edits them
differently (channel pickers, time zone autocomplete, role mentions turned into ids) and config.example.toml
explains them in words. A feature marks such a field in its own settings model,

    channel: Annotated[str, CHANNEL] = Field("", max_length=100, description="...")

and `/config` (cogs/config/schema.py) and the example file read the mark, so adding a setting never means
editing a list of keys in another package.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic.fields import FieldInfo


class Shape(StrEnum):
    CHANNEL = "channel"  # a channel id; empty for none
    TIMEZONE = "timezone"  # an IANA time zone name
    ROLES = "roles"  # a list of role names or ids (Discord) or user group handles or ids (Slack)
    SENTENCES = "sentences"  # a list whose items may contain commas: separated by "|" or new lines in chat


@dataclass(frozen=True, slots=True)
class ChatHint:
    """Put in a field's `Annotated[...]`; pydantic ignores it, chat and the example file read it."""

    shape: Shape | None = None
    chat_pattern: str | None = None  # a regular expression a value typed in chat must match
    rules: str = ""  # what config.example.toml says is allowed, instead of the wording of the type


CHANNEL = ChatHint(Shape.CHANNEL)
TIMEZONE = ChatHint(Shape.TIMEZONE)
ROLES = ChatHint(Shape.ROLES)
SENTENCES = ChatHint(Shape.SENTENCES)
NO_HINT = ChatHint()


def hint_of(info: FieldInfo) -> ChatHint:
    """The field's hint, or `NO_HINT`."""
    return next((m for m in info.metadata if isinstance(m, ChatHint)), NO_HINT)
