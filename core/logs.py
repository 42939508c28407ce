"""Logging set-up with a filter that blanks out secrets, so a token can never reach a log line."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable

from pydantic import SecretStr

from core.settings import MASK, Settings, url_password


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        changed = False
        for s in self.secrets:
            if s in message:
                message = message.replace(s, MASK)
                changed = True
            if record.exc_text and s in record.exc_text:
                record.exc_text = record.exc_text.replace(s, MASK)
        if changed:
            record.msg, record.args = message, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {"ts": self.formatTime(record), "level": record.levelname, "logger": record.name,
                "msg": record.getMessage()}
        if record.exc_text:
            data["exc"] = record.exc_text
        elif record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def secret_values(settings: Settings) -> list[str]:
    values = []
    for section in (settings.discord, settings.slack):
        for name in type(section).model_fields:
            v = getattr(section, name)
            if isinstance(v, SecretStr):
                values.append(v.get_secret_value())
    values.append(url_password(settings.storage.url))
    return values


def setup_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactSecrets(secret_values(settings)))
    handler.setFormatter(JsonFormatter() if settings.logging.json_lines
                         else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.logging.level)
    for noisy in ("aiosqlite", "apscheduler", "alembic", "discord.gateway", "slack_bolt", "asyncio"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
