"""A fake Slack for tests: Web API, Socket Mode and signed HTTP delivery on 127.0.0.1.

Usage::

    async with FakeSlack() as slack:
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
        app = AsyncApp(client=client)                      # real slack-bolt
        handler = AsyncSocketModeHandler(app, slack.app_token)
        await handler.connect_async(); await slack.wait_for_socket()
        ack = await slack.socket.deliver("slash_commands", slack.payloads.slash_command("/match", "join"))
        await slack.wait_for_call("chat.postMessage")
"""

from .browser import Browser, Page
from .faults import Fault, FaultPlan
from .oauth import FakeOAuth
from .payloads import Payloads, multi_select_value, select_value, text_value
from .server import ApiCall, FakeSlack, ResponseUrlPost, Upload
from .signing import STALE_AGE_SECONDS, Reply, SignedSender, Signing, signature
from .socket_mode import Ack, SocketModeHub
from .state import FakeChannel, FakeFile, FakeMessage, FakeUser, FakeView, Workspace

__all__ = [
    "STALE_AGE_SECONDS",
    "Ack",
    "ApiCall",
    "Browser",
    "FakeChannel",
    "FakeFile",
    "FakeMessage",
    "FakeOAuth",
    "FakeSlack",
    "FakeUser",
    "FakeView",
    "Fault",
    "FaultPlan",
    "Page",
    "Payloads",
    "Reply",
    "ResponseUrlPost",
    "SignedSender",
    "Signing",
    "SocketModeHub",
    "Upload",
    "Workspace",
    "multi_select_value",
    "select_value",
    "signature",
    "text_value",
]
