"""Neutral messages and forms rendered as Block Kit, and modal submissions read back: pure functions.

Slack's limits are applied here (header 150 characters, section text 3000, 10 fields per section, 25 elements per
actions block, 50 blocks per message, 100 options per select) so a long profile or many buttons never make
Slack refuse a message. Buttons and selects use the neutral ``custom_id`` as their ``action_id``; that id carries
everything the handler needs, so a button still works after the bot restarts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from core.messages import Button, ButtonStyle, FieldStyle, Form, Message, Select
from integrations.slack.text import chunks, plain, to_mrkdwn

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_ACTIONS = 25
MAX_OPTIONS = 100
MAX_FALLBACK = 3000
MAX_INPUT = 3000
MAX_MODAL_TITLE = 24
MAX_METADATA = 3000

Block = dict[str, Any]


def _text(text: str, *, mentions: tuple[str, ...] | None) -> dict[str, str]:
    return {"type": "mrkdwn", "text": to_mrkdwn(text, allowed_mentions=mentions)}


def _button(button: Button) -> Block:
    element: Block = {
        "type": "button",
        "action_id": button.custom_id,
        "value": button.custom_id,
        "text": {"type": "plain_text", "text": plain(button.label, 75), "emoji": True},
    }
    if button.style in (ButtonStyle.PRIMARY, ButtonStyle.SUCCESS):
        element["style"] = "primary"
    elif button.style is ButtonStyle.DANGER:
        element["style"] = "danger"
    return element


def _select(select: Select) -> Block:
    options = [
        {
            "text": {"type": "plain_text", "text": plain(o.label, 75), "emoji": True},
            "value": o.value[:150],
            **({"description": {"type": "plain_text", "text": plain(o.description, 75)}} if o.description else {}),
        }
        for o in select.options[:MAX_OPTIONS]
    ]
    element: Block = {"action_id": select.custom_id, "options": options}
    if select.placeholder:
        element["placeholder"] = {"type": "plain_text", "text": plain(select.placeholder, 150)}
    if select.max_values > 1:
        element["type"] = "multi_static_select"
        element["max_selected_items"] = min(select.max_values, len(options)) or 1
    else:
        element["type"] = "static_select"
    return element


def _actions(elements: list[Block], index: int) -> list[Block]:
    """Actions blocks of at most 25 elements; an action id may appear only once per block."""
    blocks: list[Block] = []
    current: list[Block] = []
    ids: set[str] = set()
    for element in elements:
        if len(current) >= MAX_ACTIONS or element["action_id"] in ids:
            blocks.append({"type": "actions", "block_id": f"k{index}.{len(blocks)}", "elements": current})
            current, ids = [], set()
        current.append(element)
        ids.add(element["action_id"])
    if current:
        blocks.append({"type": "actions", "block_id": f"k{index}.{len(blocks)}", "elements": current})
    return blocks


def render_blocks(message: Message) -> list[Block]:
    """The message as Block Kit blocks (header, sections, fields, actions), within Slack's limits."""
    mentions = message.mentions or None
    blocks: list[Block] = []
    if message.title:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": plain(message.title, 150)}})
    for piece in chunks(message.text, MAX_SECTION_TEXT - 100) if message.text else []:
        blocks.append({"type": "section", "text": _text(piece, mentions=mentions)})
    pending: list[dict[str, str]] = []

    def flush() -> None:
        if pending:
            blocks.append({"type": "section", "fields": list(pending)})
            pending.clear()

    for field in message.fields:
        line = f"*{field.name}*\n{field.value}"
        if field.inline and len(line) <= MAX_FIELD_TEXT - 100:
            pending.append(_text(line, mentions=mentions))
            if len(pending) == MAX_FIELDS:
                flush()
        else:
            flush()
            for i, piece in enumerate(chunks(field.value, MAX_SECTION_TEXT - 200)):
                head = f"*{field.name}*\n" if i == 0 else ""
                blocks.append({"type": "section", "text": _text(head + piece, mentions=mentions)})
    flush()
    elements = [_button(b) for b in message.buttons] + [_select(s) for s in message.selects]
    actions = _actions(elements, len(blocks))
    room = MAX_BLOCKS - len(actions)
    if len(blocks) > room:
        blocks = [*blocks[: room - 1], {"type": "context", "elements": [{"type": "mrkdwn", "text": "…"}]}]
    return blocks + actions


def fallback_text(message: Message) -> str:
    """The notification / screen-reader text Slack shows where blocks cannot be shown."""
    text = to_mrkdwn(message.plain_text(), allowed_mentions=message.mentions or None)
    return plain(text, MAX_FALLBACK) if text else " "


DELIVERY_EVENT = "kindred_delivery"
"""The message metadata event type that carries a delivery marker (invisible to people, read back with
``conversations.history`` and ``include_all_metadata``)."""


def delivery_metadata(ref: str) -> dict[str, Any]:
    """``chat.postMessage``'s ``metadata`` for a message sent through the delivery ledger."""
    return {"event_type": DELIVERY_EVENT, "event_payload": {"ref": ref}}


def carries_marker(message: dict[str, Any], ref: str) -> bool:
    """Whether a message from ``conversations.history`` carries this delivery marker in its metadata."""
    metadata = message.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("event_type") != DELIVERY_EVENT:
        return False
    payload = metadata.get("event_payload")
    return isinstance(payload, dict) and payload.get("ref") == ref


def message_payload(message: Message) -> dict[str, Any]:
    """Keyword arguments for chat.postMessage / chat.postEphemeral / a response_url body."""
    blocks = render_blocks(message)
    return {"text": fallback_text(message), "blocks": blocks} if blocks else {"text": fallback_text(message)}


# ---------------------------------------------------------------- forms as modals


@dataclass(frozen=True, slots=True)
class FormOrigin:
    """Where a form was opened from, kept in the modal's ``private_metadata`` so the submit can answer there."""

    channel_id: str | None = None
    response_url: str | None = None

    def dump(self) -> str:
        data = {k: v for k, v in (("c", self.channel_id), ("r", self.response_url)) if v}
        text = json.dumps(data, separators=(",", ":"))
        return text if len(text) <= MAX_METADATA else json.dumps({"c": self.channel_id} if self.channel_id else {})

    @classmethod
    def load(cls, text: str | None) -> FormOrigin:
        try:
            data = json.loads(text or "{}")
        except json.JSONDecodeError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        channel, url = data.get("c"), data.get("r")
        return cls(channel if isinstance(channel, str) else None, url if isinstance(url, str) else None)


def render_modal(form: Form, *, submit: str, close: str, origin: FormOrigin | None = None) -> Block:
    """A form as a Slack modal; each field becomes an input block whose block and action id is the field id."""
    blocks: list[Block] = []
    for field in form.fields[:100]:
        element: Block = {
            "type": "plain_text_input",
            "action_id": field.id,
            "multiline": field.style is FieldStyle.PARAGRAPH,
            "max_length": max(1, min(field.max_length, MAX_INPUT)),
        }
        if field.default:
            element["initial_value"] = field.default[: element["max_length"]]
        if field.placeholder:
            element["placeholder"] = {"type": "plain_text", "text": plain(field.placeholder, 150)}
        blocks.append({
            "type": "input",
            "block_id": field.id,
            "optional": not field.required,
            "label": {"type": "plain_text", "text": plain(field.label, 2000)},
            "element": element,
        })
    return {
        "type": "modal",
        "callback_id": form.custom_id,
        "title": {"type": "plain_text", "text": plain(form.title, MAX_MODAL_TITLE)},
        "submit": {"type": "plain_text", "text": plain(submit, MAX_MODAL_TITLE)},
        "close": {"type": "plain_text", "text": plain(close, MAX_MODAL_TITLE)},
        "private_metadata": (origin or FormOrigin()).dump(),
        "blocks": blocks,
    }


def submitted_values(view: dict[str, Any]) -> dict[str, str]:
    """Field id -> text from a ``view_submission``'s state (empty inputs give "")."""
    values: dict[str, str] = {}
    state = view.get("state", {}).get("values", {})
    for block_id, actions in state.items():
        if not isinstance(actions, dict):
            continue
        for action_id, data in actions.items():
            if not isinstance(data, dict):
                continue
            key = action_id or block_id
            if "value" in data:
                values[key] = data.get("value") or ""
            elif "selected_option" in data:
                option = data.get("selected_option") or {}
                values[key] = option.get("value", "")
            elif "selected_options" in data:
                values[key] = ",".join(o.get("value", "") for o in data.get("selected_options") or [])
    return values


def chosen_values(action: dict[str, Any]) -> list[str]:
    """The values picked in a select (one or several); empty for a button."""
    if action.get("selected_option"):
        return [str(action["selected_option"].get("value", ""))]
    if action.get("selected_options") is not None:
        return [str(o.get("value", "")) for o in action["selected_options"]]
    return []
