"""Entry point bot.py calls when Slack credentials are configured: connect, serve until told to stop."""

from __future__ import annotations

import asyncio

from core.dispatcher import App
from core.settings import Settings
from integrations.slack.integration import SlackIntegration


async def serve(app: App, settings: Settings, stop: asyncio.Event) -> None:
    """Run the Slack integration (Socket Mode or HTTP, per ``[slack] mode``) until ``stop`` is set."""
    integration = SlackIntegration(app, settings.slack)
    await integration.start()
    try:
        await stop.wait()
    finally:
        await integration.stop()
