"""Validator messages that reach moderators in chat (`/config set`, `/config import`) in their language.

A settings validator raises `refusal(N_("…{name}…"), name=...)` instead of a bare ValueError: pydantic fills the
English text for the command line, and the chat side finds the message id and its parameters in the error's
context (`msgid`), so it can translate them like any other text.
"""

from __future__ import annotations

from pydantic_core import PydanticCustomError

SETTING_ERROR = "kindred_setting"


def refusal(msgid: str, **params: object) -> PydanticCustomError:
    """A validation error whose message is the translatable `msgid` filled with `params`."""
    return PydanticCustomError(SETTING_ERROR, msgid, {**{k: str(v) for k, v in params.items()}, "msgid": msgid})
