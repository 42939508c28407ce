"""Validator messages that reach moderators in chat (`/config set`, `/config import`) in their language.

A settings validator raises `refusal(N_("…{name}…"), name=...)` instead of a bare ValueError: pydantic fills the
English text for the command line, and the chat side finds the message id and its parameters in the error's
context (`msgid`), so it can translate them like any other text.
"""

from __future__ import annotations

from pydantic_core import PydanticCustomError

from core.i18n import Plural, Text

SETTING_ERROR = "kindred_setting"


def refusal(msgid: Text, **params: object) -> PydanticCustomError:
    """A validation error whose message is the translatable `msgid` filled with `params`. A counted text
    (`N_n`) travels as its singular `msgid`, its `msgid_plural` and the name of its `count` parameter."""
    context: dict[str, object] = {k: str(v) for k, v in params.items()}
    if isinstance(msgid, Plural):
        english = msgid.singular if str(params.get(msgid.param)) == "1" else msgid.plural  # pydantic fills it in
        context.update(msgid=msgid.singular, msgid_plural=msgid.plural, count=msgid.param)
        return PydanticCustomError(SETTING_ERROR, english, context)
    return PydanticCustomError(SETTING_ERROR, msgid, {**context, "msgid": msgid})
