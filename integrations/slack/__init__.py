"""Slack integration: slack-bolt (async) around Kindred's dispatcher, in Socket Mode or HTTP mode.

Modules, one job each: integration.py (bolt wiring, ack-then-work, lifecycle), runner.py (what bot.py calls),
slash.py (slash command text), responder.py (answering one interaction), messenger.py (channel messages, DMs,
group-DM intros, files, moderator checks), blocks.py/text.py (Block Kit and mrkdwn), events.py (Events API ->
neutral events), home.py (App Home tab), directory.py (cached users and user groups), errors.py (Slack errors in
plain words), client.py (the Web API client), manifest.py (the app manifest from the command tree), cli.py.
"""

from integrations.slack.manifest import build_manifest, write_manifest

__all__ = ["build_manifest", "write_manifest"]
