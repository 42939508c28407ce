"""What a feature can send: text with cards, buttons, selects, files, and forms to fill in.

Each integration renders these natively (Discord embeds/components/modals, Slack Block Kit/modals, console text
with numbered choices). Component ids are stateless strings such as `match:met:42:yes` that carry everything the
handler needs, so that a button still works after the bot restarts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

MAX_CUSTOM_ID = 100
MAX_BUTTONS = 25


class ButtonStyle(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    SUCCESS = "success"
    DANGER = "danger"


@dataclass(frozen=True, slots=True)
class Button:
    """A button; pressing it dispatches `custom_id` to the handler registered for its pattern."""

    label: str
    custom_id: str
    style: ButtonStyle = ButtonStyle.SECONDARY

    def __post_init__(self) -> None:
        if len(self.custom_id) > MAX_CUSTOM_ID:
            raise ValueError(f"custom_id longer than {MAX_CUSTOM_ID} characters: {self.custom_id[:40]}...")


@dataclass(frozen=True, slots=True)
class SelectOption:
    label: str
    value: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Select:
    """A drop-down; the chosen values are passed to the handler of `custom_id`."""

    custom_id: str
    options: tuple[SelectOption, ...]
    placeholder: str = ""
    min_values: int = 1
    max_values: int = 1


@dataclass(frozen=True, slots=True)
class Field:
    """A labelled line in a card (an embed field on Discord, a section field on Slack)."""

    name: str
    value: str
    inline: bool = True


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent along with a message (a PNG chart, a CSV export)."""

    filename: str
    data: bytes
    description: str = ""


@dataclass(slots=True)
class Message:
    """Everything a reply can hold. `mentions` lists the only user ids that may be pinged by it.

    `ref` is the delivery marker of a message sent through the delivery ledger (core/delivery.py): each
    integration attaches it so that it can find the message again after a crash (Slack: message metadata;
    Discord: the nonce, which Discord keeps for a few minutes, then the message's fingerprint; console: the
    transcript) and never sends it twice. Members never see it."""

    text: str = ""
    title: str = ""
    fields: list[Field] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    selects: list[Select] = field(default_factory=list)
    files: list[Attachment] = field(default_factory=list)
    mentions: tuple[str, ...] = ()
    ref: str = ""
    refused: bool = False
    """An answer saying the request was not done (bad input, no permission, a failure): nothing changed. A form
    submit answered this way can stay open on platforms whose forms can show errors (Slack's modals)."""
    field_errors: dict[str, str] = field(default_factory=dict)
    """For a refused form submit: form field id -> what is wrong there, shown next to the field where the platform
    can; `text` says it all for the others."""

    @classmethod
    def of(cls, message: str | Message) -> Message:
        return message if isinstance(message, Message) else cls(text=message)

    def plain_text(self) -> str:
        """The message as one block of text, for platforms or logs that show only text."""
        parts = [p for p in (self.title, self.text) if p]
        parts += [f"{f.name}: {f.value}" for f in self.fields]
        return "\n".join(parts)


class FieldStyle(StrEnum):
    SHORT = "short"
    PARAGRAPH = "paragraph"


@dataclass(frozen=True, slots=True)
class FormField:
    """One input of a form (a Discord modal text input, a Slack plain_text_input, a console prompt)."""

    id: str
    label: str
    style: FieldStyle = FieldStyle.SHORT
    required: bool = False
    default: str = ""
    placeholder: str = ""
    max_length: int = 400


@dataclass(frozen=True, slots=True)
class Form:
    """A form (modal). Its submit is dispatched to the handler registered for `custom_id`'s pattern."""

    custom_id: str
    title: str
    fields: tuple[FormField, ...]
