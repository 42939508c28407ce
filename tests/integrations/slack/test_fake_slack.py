"""The fake Slack itself, driven by plain (unmodified) slack-bolt and slack_sdk over loopback.

These tests pin down that the fake speaks Slack's protocols well enough for the real libraries: if one fails,
the Kindred Slack tests built on the fake cannot be trusted either.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack import STALE_AGE_SECONDS, FakeSlack, SignedSender, Signing, text_value


def web_client(slack: FakeSlack, **options: Any) -> AsyncWebClient:
    """A real slack_sdk client pointed at the fake."""
    return AsyncWebClient(token=slack.bot_token, base_url=slack.api_url, **options)


@asynccontextmanager
async def socket_mode_app(slack: FakeSlack, app: AsyncApp) -> AsyncIterator[AsyncSocketModeHandler]:
    """Run a bolt app in Socket Mode against the fake until the block ends."""
    handler = AsyncSocketModeHandler(app, slack.app_token)
    await handler.connect_async()
    try:
        await slack.wait_for_socket()
        yield handler
    finally:
        await handler.close_async()


@asynccontextmanager
async def http_mode_app(app: AsyncApp, path: str = "/slack/events") -> AsyncIterator[str]:
    """Serve a bolt app over HTTP on 127.0.0.1 (random port); yields the endpoint URL."""
    runner = web.AppRunner(app.web_app(path=path), shutdown_timeout=1.0, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}{path}"
    finally:
        await runner.cleanup()


# ---------------------------------------------------------------- Socket Mode


async def test_socket_mode_slash_command_is_acked_and_posts(slack: FakeSlack) -> None:
    app = AsyncApp(client=web_client(slack))

    @app.command("/kindred")
    async def kindred(
        ack: Callable[..., Awaitable[None]], command: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack(f"working on {command['text']}")
        await client.chat_postMessage(channel=command["channel_id"], text=f"hello <@{command['user_id']}>")

    async with socket_mode_app(slack, app):
        ack = await slack.socket.deliver(
            "slash_commands", slack.payloads.slash_command("/kindred", "match join")
        )
        assert ack.payload == {"text": "working on match join"}
        call = await slack.wait_for_call("chat.postMessage")

    assert call.args["channel"] == "C0GENERAL"
    assert call.args["text"] == "hello <@U0ALICE>"
    assert call.token == slack.bot_token
    assert slack.calls_to("auth.test"), "bolt authorizes with auth.test before dispatching"
    assert [m.text for m in slack.workspace.messages_in("C0GENERAL")] == ["hello <@U0ALICE>"]
    hello = slack.calls_to("apps.connections.open")[0]
    assert hello.token == slack.app_token


async def test_socket_mode_interactions_and_events_are_acked(slack: FakeSlack) -> None:
    app = AsyncApp(client=web_client(slack))
    seen: list[str] = []

    @app.action("kindred:met:42:yes")
    async def pressed(ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        await ack()
        seen.append(f"action by {body['user']['id']}")

    @app.view("profile")
    async def submitted(ack: Callable[..., Awaitable[None]], view: dict[str, Any]) -> None:
        bio = view["state"]["values"]["bio"]["bio"]["value"]
        if not bio:
            await ack(response_action="errors", errors={"bio": "Please write something"})
            return
        await ack()
        seen.append(f"bio {bio}")

    @app.event("team_join")
    async def joined(event: dict[str, Any]) -> None:
        seen.append(f"joined {event['user']['id']}")

    async with socket_mode_app(slack, app):
        pay = slack.payloads
        ack = await slack.socket.deliver("interactive", pay.block_action("kindred:met:42:yes", value="yes"))
        assert ack.payload is None
        ack = await slack.socket.deliver(
            "interactive", pay.view_submission("profile", {"bio": {"bio": text_value("")}})
        )
        assert ack.payload == {"response_action": "errors", "errors": {"bio": "Please write something"}}
        await slack.socket.deliver(
            "interactive", pay.view_submission("profile", {"bio": {"bio": text_value("hi")}})
        )
        callback = pay.event_callback(pay.team_join("U0CAROL", "carol"))
        ack = await slack.socket.deliver("events_api", callback)
        retried = await slack.socket.deliver("events_api", callback, retry_attempt=1, retry_reason="timeout")
        await slack.wait_until(lambda: len(seen) >= 4)

    assert ack.envelope_id != retried.envelope_id
    assert slack.socket.envelopes[-1]["retry_attempt"] == 1
    assert slack.socket.envelopes[-1]["payload"]["event_id"] == callback["event_id"]
    assert seen.count("joined U0CAROL") == 2, "plain bolt does not dedupe retries; Kindred's adapter must"
    assert "action by U0ALICE" in seen and "bio hi" in seen


async def test_socket_mode_respond_goes_to_the_response_url(slack: FakeSlack) -> None:
    app = AsyncApp(client=web_client(slack))

    @app.command("/kindred")
    async def kindred(ack: Callable[..., Awaitable[None]], respond: Callable[..., Awaitable[Any]]) -> None:
        await ack()
        await respond(text="done later", response_type="ephemeral")

    async with socket_mode_app(slack, app):
        await slack.socket.deliver("slash_commands", slack.payloads.slash_command("/kindred", "help"))
        post = await slack.wait_for_response()

    assert post.body["text"] == "done later"
    assert post.body["response_type"] == "ephemeral"


async def test_socket_mode_reconnects_when_asked(slack: FakeSlack) -> None:
    app = AsyncApp(client=web_client(slack))
    handled: list[str] = []

    @app.command("/kindred")
    async def kindred(ack: Callable[..., Awaitable[None]], command: dict[str, Any]) -> None:
        await ack()
        handled.append(command["text"])

    async with socket_mode_app(slack, app):
        await slack.socket.request_reconnect()
        await slack.wait_for_socket(count=2)
        await slack.socket.deliver("slash_commands", slack.payloads.slash_command("/kindred", "after"))
        await slack.wait_until(lambda: handled)

    assert handled == ["after"]
    assert len(slack.calls_to("apps.connections.open")) == 2


# ---------------------------------------------------------------- HTTP mode


async def test_http_mode_accepts_good_signatures_and_refuses_bad_and_stale(slack: FakeSlack) -> None:
    app = AsyncApp(client=web_client(slack), signing_secret=slack.signing_secret)
    handled: list[str] = []

    @app.command("/kindred")
    async def kindred(ack: Callable[..., Awaitable[None]], command: dict[str, Any]) -> None:
        handled.append(command["text"])
        await ack(f"ok {command['text']}")

    async with http_mode_app(app) as endpoint:
        sender = SignedSender(endpoint, slack.signing_secret)
        good = await sender.slash_command(slack.payloads.slash_command("/kindred", "good"))
        bad = await sender.slash_command(slack.payloads.slash_command("/kindred", "bad"), signing=Signing.BAD)
        unsigned = await sender.slash_command(
            slack.payloads.slash_command("/kindred", "x"), signing=Signing.MISSING
        )
        stale = await sender.slash_command(
            slack.payloads.slash_command("/kindred", "stale"), age_seconds=STALE_AGE_SECONDS
        )

    assert good.status == 200
    assert good.text == "ok good", "bolt answers a plain-text ack as the response body"
    assert (bad.status, unsigned.status, stale.status) == (401, 401, 401)
    assert handled == ["good"], "refused requests must not reach a listener"


async def test_http_mode_interactions_and_retried_events(slack: FakeSlack) -> None:
    app = AsyncApp(client=web_client(slack), signing_secret=slack.signing_secret)
    seen: list[tuple[str, Any]] = []

    @app.action("kindred:pick")
    async def picked(ack: Callable[..., Awaitable[None]], action: dict[str, Any]) -> None:
        await ack()
        seen.append(("pick", action["selected_option"]["value"]))

    @app.event("reaction_added")
    async def reacted(event: dict[str, Any], context: dict[str, Any]) -> None:
        seen.append(("reaction", event["reaction"]))

    async with http_mode_app(app) as endpoint:
        sender = SignedSender(endpoint, slack.signing_secret)
        pay = slack.payloads
        action = await sender.interaction(pay.block_action("kindred:pick", selected="mentor"))
        callback = pay.event_callback(pay.reaction_added("U0BOB", "pray", item_user="U0ALICE"))
        first = await sender.event(callback)
        again = await sender.event(callback, retry_num=1)
        await slack.wait_until(lambda: len(seen) >= 3)

    assert (action.status, first.status, again.status) == (200, 200, 200)
    assert ("pick", "mentor") in seen
    assert seen.count(("reaction", "pray")) == 2


async def test_http_mode_url_verification_challenge(slack: FakeSlack) -> None:
    app = AsyncApp(client=web_client(slack), signing_secret=slack.signing_secret)
    async with http_mode_app(app) as endpoint:
        reply = await SignedSender(endpoint, slack.signing_secret).event(
            {"token": "x", "challenge": "c-123", "type": "url_verification"}
        )
    assert reply.status == 200
    assert reply.json() == {"challenge": "c-123"}


# ---------------------------------------------------------------- Web API and failures


async def test_ratelimited_call_is_retried_after_retry_after(slack: FakeSlack) -> None:
    slack.rate_limit("chat.postMessage", times=1, retry_after=0)
    client = web_client(slack, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)])

    response = await client.chat_postMessage(channel="C0GENERAL", text="patience")

    assert response["ok"] is True
    calls = slack.calls_to("chat.postMessage", ok=None)
    assert [(c.status, c.error) for c in calls] == [(429, "ratelimited"), (200, None)]
    assert [m.text for m in slack.workspace.messages] == ["patience"]


async def test_ratelimited_without_retry_handler_surfaces_retry_after(slack: FakeSlack) -> None:
    slack.rate_limit("users.info", times=1, retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        await web_client(slack, retry_handlers=[]).users_info(user="U0ALICE")
    assert raised.value.response.status_code == 429
    assert raised.value.response["error"] == "ratelimited"
    assert raised.value.response.headers["Retry-After"] == "7"


@pytest.mark.parametrize(
    ("method", "call", "error"),
    [
        ("chat.postMessage", lambda c: c.chat_postMessage(channel="C0GENERAL", text="x"), "not_in_channel"),
        ("users.info", lambda c: c.users_info(user="U0ALICE"), "user_not_found"),
        ("auth.test", lambda c: c.auth_test(), "invalid_auth"),
    ],
)
async def test_scripted_errors_answer_once(
    slack: FakeSlack, method: str, call: Callable[[AsyncWebClient], Awaitable[Any]], error: str
) -> None:
    slack.fail(method, error)
    client = web_client(slack)
    with pytest.raises(SlackApiError) as raised:
        await call(client)
    assert raised.value.response["error"] == error
    assert (await call(client))["ok"] is True


async def test_real_errors_from_workspace_state(slack: FakeSlack) -> None:
    slack.workspace.add_channel("C0QUIET", "quiet", ["U0ALICE"], bot_is_member=False)
    client = web_client(slack)
    with pytest.raises(SlackApiError) as not_in_channel:
        await client.chat_postMessage(channel="C0QUIET", text="hi")
    with pytest.raises(SlackApiError) as no_user:
        await client.users_info(user="U0NOBODY")
    with pytest.raises(SlackApiError) as bad_token:
        await AsyncWebClient(token="xoxb-wrong", base_url=slack.api_url).auth_test()
    assert not_in_channel.value.response["error"] == "not_in_channel"
    assert no_user.value.response["error"] == "user_not_found"
    assert bad_token.value.response["error"] == "invalid_auth"


async def test_conversations_open_gives_dm_and_group_dm(slack: FakeSlack) -> None:
    slack.workspace.add_user("U0CAROL", "carol")
    client = web_client(slack)
    dm = await client.conversations_open(users="U0ALICE")
    group = await client.conversations_open(users=["U0ALICE", "U0BOB", "U0CAROL"])
    again = await client.conversations_open(users="U0CAROL,U0BOB,U0ALICE")
    assert dm["channel"]["id"].startswith("D")
    assert group["channel"]["id"].startswith("G")
    assert again["channel"]["id"] == group["channel"]["id"]
    await client.chat_postMessage(channel=group["channel"]["id"], text="Meet each other!")
    info = await client.conversations_info(channel=group["channel"]["id"])
    assert info["channel"]["is_mpim"] is True
    members = await client.conversations_members(channel=group["channel"]["id"])
    assert set(members["members"]) == {"U0ALICE", "U0BOB", "U0CAROL", slack.workspace.bot_user_id}
    with pytest.raises(SlackApiError) as raised:
        await client.conversations_open(users="U0ALICE,U0GHOST")
    assert raised.value.response["error"] == "user_not_found"


async def test_users_usergroups_and_pagination(slack: FakeSlack) -> None:
    slack.workspace.add_usergroup("S0MODS", ["U0BOB"])
    slack.workspace.users["U0BOB"].is_admin = True
    client = web_client(slack)
    ids: list[str] = []
    cursor = None
    while True:
        page = await client.users_list(limit=2, cursor=cursor)
        ids += [m["id"] for m in page["members"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert sorted(ids) == sorted(slack.workspace.users)
    bob = await client.users_info(user="U0BOB", include_locale=True)
    assert bob["user"]["is_admin"] is True and bob["user"]["locale"] == "en-US"
    assert (await client.usergroups_users_list(usergroup="S0MODS"))["users"] == ["U0BOB"]


async def test_views_and_home_tab(slack: FakeSlack) -> None:
    client = web_client(slack)
    modal = {
        "type": "modal",
        "callback_id": "profile",
        "title": {"type": "plain_text", "text": "Profile"},
        "blocks": [],
    }
    opened = await client.views_open(trigger_id=slack.payloads.trigger_id(), view=modal)
    updated = await client.views_update(view_id=opened["view"]["id"], view={**modal, "callback_id": "p2"})
    home = await client.views_publish(user_id="U0ALICE", view={"type": "home", "blocks": []})
    assert updated["view"]["callback_id"] == "p2"
    assert slack.workspace.views[opened["view"]["id"]].view["callback_id"] == "p2"
    assert slack.workspace.home_tabs["U0ALICE"].view["type"] == "home"
    assert home["view"]["id"]
    with pytest.raises(SlackApiError) as expired:
        await client.views_open(trigger_id="expired-1", view=modal)
    assert expired.value.response["error"] == "expired_trigger_id"


async def test_files_upload_v2_round_trip(slack: FakeSlack) -> None:
    client = web_client(slack)
    result = await client.files_upload_v2(
        channel="C0GENERAL",
        content="name,score\nalice,3\n",
        filename="export.csv",
        title="Export",
        initial_comment="Here is your export",
    )
    file_id = result["file"]["id"]
    stored = slack.workspace.files[file_id]
    assert stored.content == b"name,score\nalice,3\n"
    assert (stored.title, stored.channel_id, stored.initial_comment) == (
        "Export",
        "C0GENERAL",
        "Here is your export",
    )
    assert [c.method for c in slack.calls if c.method.startswith("files.")] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]


async def test_update_and_ephemeral_messages(slack: FakeSlack) -> None:
    client = web_client(slack)
    posted = await client.chat_postMessage(
        channel="C0GENERAL", text="v1", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "v1"}}]
    )
    await client.chat_update(channel="C0GENERAL", ts=posted["ts"], text="v2", blocks=[])
    await client.chat_postEphemeral(channel="C0GENERAL", user="U0ALICE", text="just you")
    message = slack.workspace.messages_in("C0GENERAL")[0]
    assert (message.text, message.blocks, message.edits) == ("v2", [], 1)
    assert slack.workspace.ephemerals[0].ephemeral_to == "U0ALICE"
    with pytest.raises(SlackApiError) as missing:
        await client.chat_update(channel="C0GENERAL", ts="1.2", text="x")
    assert missing.value.response["error"] == "message_not_found"


async def test_form_encoded_api_calls_are_understood(slack: FakeSlack) -> None:
    """Some callers post form fields (as Slack allows); the fake reads query, form and JSON alike."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{slack.api_url}chat.postMessage",
            data={
                "token": slack.bot_token,
                "channel": "C0GENERAL",
                "blocks": json.dumps([{"type": "divider"}]),
            },
        ) as response,
    ):
        body = await response.json()
    assert body["ok"] is True
    assert slack.workspace.messages[0].blocks == [{"type": "divider"}]


async def test_unknown_method_and_missing_socket_are_reported(slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as unknown:
        await web_client(slack).api_call("admin.secret.thing")
    assert unknown.value.response["error"] == "unknown_method"
    assert slack.calls[-1].method == "admin.secret.thing"
    with pytest.raises(RuntimeError):
        await slack.socket.send("slash_commands", {})
    with pytest.raises(asyncio.TimeoutError):
        await slack.wait_for_call("chat.postMessage", timeout=0.05)
