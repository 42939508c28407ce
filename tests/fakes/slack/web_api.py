"""Web API method handlers of the fake Slack: plain functions from (workspace, arguments) to a response dict.

Each handler mirrors the fields and error codes of the real method closely enough for slack_sdk and slack-bolt
to behave as they do against Slack; anything a handler cannot satisfy raises ``ApiError`` with Slack's code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .state import FakeFile, FakeMessage, FakeView, Workspace


class ApiError(Exception):
    """A Web API failure answered as ``{"ok": false, "error": code}`` (HTTP 200, as Slack does), with any extra
    fields Slack adds (``needed``/``provided`` for ``missing_scope``)."""

    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra


@dataclass(frozen=True)
class CallContext:
    """What a handler may need beyond its arguments: where the fake listens and who is calling."""

    base_url: str
    token: str | None


Handler = Callable[[Workspace, dict[str, Any], CallContext], dict[str, Any]]


def _required(args: dict[str, Any], key: str) -> Any:
    value = args.get(key)
    if value is None or value == "":
        raise ApiError("invalid_arguments")
    return value


def _json_arg(args: dict[str, Any], key: str) -> Any:
    """Form-encoded calls send structures as JSON strings; JSON calls send them as objects."""
    value = args.get(key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as error:
            raise ApiError("invalid_json") from error
    return value


def _paginate(items: list[Any], args: dict[str, Any]) -> tuple[list[Any], str]:
    """Cursor pagination as Slack does it: an opaque cursor, empty when done."""
    limit = int(args.get("limit") or 0) or len(items) or 1
    cursor = str(args.get("cursor") or "")
    start = int(cursor.removeprefix("offset:")) if cursor.startswith("offset:") else 0
    page = items[start : start + limit]
    next_start = start + limit
    return page, (f"offset:{next_start}" if next_start < len(items) else "")


def _resolve_channel(ws: Workspace, channel: str) -> str:
    """Posting to a user id posts into the bot's DM with that user; unknown ids are not found."""
    if channel in ws.channels:
        return channel
    if channel in ws.users:
        return ws.dm_channel_of(channel).id
    raise ApiError("channel_not_found")


def _check_postable(ws: Workspace, channel_id: str) -> None:
    if ws.bot_user_id not in ws.channels[channel_id].members:
        raise ApiError("not_in_channel")


def auth_test(ws: Workspace, args: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    return {
        "url": ctx.base_url,
        "team": ws.team_name,
        "user": ws.users[ws.bot_user_id].name,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "app_id": ws.app_id,
        "is_enterprise_install": False,
    }


def _message_body(message: FakeMessage, ws: Workspace, *, with_metadata: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "message", "user": ws.bot_user_id, "bot_id": ws.bot_id, "app_id": ws.app_id, "team": ws.team_id,
        "ts": message.ts,
    }
    if message.text is not None:
        body["text"] = message.text
    if message.blocks is not None:
        body["blocks"] = message.blocks
    if message.thread_ts is not None:
        body["thread_ts"] = message.thread_ts
    if message.metadata is not None and with_metadata:
        body["metadata"] = message.metadata
    return body


def _truthy(value: Any) -> bool:
    return str(value).lower() in {"1", "true"}


def _metadata(args: dict[str, Any]) -> dict[str, Any] | None:
    """``metadata``: an ``event_type`` and an ``event_payload`` object, as Slack requires."""
    if args.get("metadata") in (None, ""):
        return None
    metadata = _json_arg(args, "metadata")
    if not isinstance(metadata, dict) or not isinstance(metadata.get("event_type"), str) or not isinstance(
            metadata.get("event_payload"), dict):
        raise ApiError("invalid_metadata_format")
    if len(json.dumps(metadata)) > 8000:
        raise ApiError("metadata_too_large")
    return {"event_type": metadata["event_type"], "event_payload": metadata["event_payload"]}


def chat_post_message(ws: Workspace, args: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    channel_id = _resolve_channel(ws, str(_required(args, "channel")))
    _check_postable(ws, channel_id)
    text, blocks = args.get("text"), _json_arg(args, "blocks")
    if not text and not blocks:
        raise ApiError("no_text")
    message = FakeMessage(
        channel=channel_id,
        ts=ws.next_ts(),
        text=text,
        blocks=blocks,
        thread_ts=args.get("thread_ts"),
        user=ws.bot_user_id,
        metadata=_metadata(args),
    )
    ws.messages.append(message)
    return {"channel": channel_id, "ts": message.ts, "message": _message_body(message, ws)}


HISTORY_SCOPES = {"im": "im:history", "mpim": "mpim:history", "private": "groups:history", "public": "channels:history"}


def conversations_history(ws: Workspace, args: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    """Newest first, top-level messages only, cursor-paginated; metadata only with ``include_all_metadata``."""
    channel = ws.channels.get(str(_required(args, "channel")))
    if channel is None:
        raise ApiError("channel_not_found")
    kind = "im" if channel.is_im else "mpim" if channel.is_mpim else "private" if channel.is_private else "public"
    if HISTORY_SCOPES[kind] not in ws.scopes:
        raise ApiError("missing_scope", needed=HISTORY_SCOPES[kind], provided=",".join(sorted(ws.scopes)))
    if ws.bot_user_id not in channel.members:
        raise ApiError("not_in_channel")
    limit = int(args.get("limit") or 100)
    if not 1 <= limit <= 999:
        raise ApiError("invalid_limit")
    oldest, latest = float(args.get("oldest") or 0), float(args.get("latest") or 9e12)
    inclusive = _truthy(args.get("inclusive", ""))
    shown = [
        m for m in reversed(ws.messages_in(channel.id))
        if (m.thread_ts is None or m.thread_ts == m.ts)
        and (oldest <= float(m.ts) <= latest if inclusive else oldest < float(m.ts) < latest)
    ]
    page, next_cursor = _paginate(shown, {"limit": limit, "cursor": args.get("cursor")})
    metadata = _truthy(args.get("include_all_metadata", ""))
    return {
        "messages": [_message_body(m, ws, with_metadata=metadata) for m in page],
        "has_more": bool(next_cursor),
        "pin_count": 0,
        "channel_actions_ts": None,
        "channel_actions_count": 0,
        "response_metadata": {"next_cursor": next_cursor},
    }


def chat_post_ephemeral(ws: Workspace, args: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    channel_id = _resolve_channel(ws, str(_required(args, "channel")))
    user_id = str(_required(args, "user"))
    if user_id not in ws.users:
        raise ApiError("user_not_found")
    if user_id not in ws.channels[channel_id].members:
        raise ApiError("user_not_in_channel")
    _check_postable(ws, channel_id)
    text, blocks = args.get("text"), _json_arg(args, "blocks")
    if not text and not blocks:
        raise ApiError("no_text")
    message = FakeMessage(
        channel=channel_id,
        ts=ws.next_ts(),
        text=text,
        blocks=blocks,
        thread_ts=args.get("thread_ts"),
        user=ws.bot_user_id,
        ephemeral_to=user_id,
    )
    ws.ephemerals.append(message)
    return {"message_ts": message.ts}


def chat_update(ws: Workspace, args: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    channel_id = str(_required(args, "channel"))
    ts = str(_required(args, "ts"))
    for message in ws.messages:
        if message.channel == channel_id and message.ts == ts:
            if "text" in args:
                message.text = args["text"]
            if "blocks" in args:
                message.blocks = _json_arg(args, "blocks")
            message.edits += 1
            return {
                "channel": channel_id,
                "ts": ts,
                "text": message.text,
                "message": _message_body(message, ws),
            }
    raise ApiError("message_not_found")


def conversations_open(ws: Workspace, args: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    raw = args.get("users")
    if raw is None and args.get("channel"):
        channel_id = str(args["channel"])
        if channel_id not in ws.channels:
            raise ApiError("channel_not_found")
        return {"channel": {"id": channel_id}}
    users = [u.strip() for u in str(raw or "").split(",") if u.strip()]
    if not users:
        raise ApiError("users_list_not_supplied")
    if len(users) > 8:
        raise ApiError("too_many_users")
    for user_id in users:
        if user_id not in ws.users or ws.users[user_id].deleted:
            raise ApiError("user_not_found")
    channel = ws.open_conversation(users)
    return {"channel": channel.to_api(ws.bot_user_id) if args.get("return_im") else {"id": channel.id}}


def conversations_info(ws: Workspace, args: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    channel_id = str(_required(args, "channel"))
    channel = ws.channels.get(channel_id)
    if channel is None:
        raise ApiError("channel_not_found")
    return {"channel": channel.to_api(ws.bot_user_id)}


def conversations_members(ws: Workspace, args: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    channel_id = str(_required(args, "channel"))
    channel = ws.channels.get(channel_id)
    if channel is None:
        raise ApiError("channel_not_found")
    if ws.bot_user_id not in channel.members and channel.is_private:
        raise ApiError("channel_not_found")
    page, next_cursor = _paginate(channel.members, args)
    return {"members": page, "response_metadata": {"next_cursor": next_cursor}}


def users_info(ws: Workspace, args: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    user = ws.users.get(str(_required(args, "user")))
    if user is None:
        raise ApiError("user_not_found")
    include_locale = str(args.get("include_locale", "")).lower() in {"1", "true"}
    return {"user": user.to_api(ws.team_id, include_locale=include_locale)}


def users_list(ws: Workspace, args: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    include_locale = str(args.get("include_locale", "")).lower() in {"1", "true"}
    members = [u.to_api(ws.team_id, include_locale=include_locale) for u in ws.users.values()]
    page, next_cursor = _paginate(members, args)
    return {"members": page, "cache_ts": 1700000000, "response_metadata": {"next_cursor": next_cursor}}


def usergroups_users_list(ws: Workspace, args: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    group_id = str(_required(args, "usergroup"))
    if group_id not in ws.usergroups:
        raise ApiError("no_such_subteam")
    return {"users": list(ws.usergroups[group_id])}


def usergroups_list(ws: Workspace, args: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    include_users = str(args.get("include_users", "")).lower() in {"1", "true"}
    groups = []
    for group_id, users in ws.usergroups.items():
        handle = ws.usergroup_handles.get(group_id, group_id.lower())
        group: dict[str, Any] = {
            "id": group_id, "team_id": ws.team_id, "is_usergroup": True, "name": handle, "handle": handle,
            "user_count": len(users),
        }
        if include_users:
            group["users"] = list(users)
        groups.append(group)
    return {"usergroups": groups}


def _view_response(view: FakeView, ws: Workspace) -> dict[str, Any]:
    return {
        "view": {
            **view.view,
            "id": view.id,
            "team_id": ws.team_id,
            "app_id": ws.app_id,
            "bot_id": ws.bot_id,
            "hash": view.hash,
            "state": {"values": {}},
        }
    }


def _new_view(ws: Workspace, args: dict[str, Any]) -> FakeView:
    view = _json_arg(args, "view")
    if not isinstance(view, dict) or view.get("type") not in {"modal", "home"}:
        raise ApiError("invalid_arguments")
    number = ws.next_number()
    return FakeView(id=f"V0{number:08d}", view=view, hash=f"{number}.hash")


def views_open(ws: Workspace, args: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    trigger_id = str(_required(args, "trigger_id"))
    if trigger_id.startswith("expired"):
        raise ApiError("expired_trigger_id")
    view = _new_view(ws, args)
    view.trigger_id = trigger_id
    ws.views[view.id] = view
    return _view_response(view, ws)


def views_update(ws: Workspace, args: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    view_id = args.get("view_id")
    external_id = args.get("external_id")
    if not view_id and not external_id:
        raise ApiError("invalid_arguments")
    target = (
        ws.views.get(str(view_id))
        if view_id
        else next((v for v in ws.views.values() if v.view.get("external_id") == external_id), None)
    )
    if target is None:
        raise ApiError("not_found")
    if args.get("hash") and args["hash"] != target.hash:
        raise ApiError("hash_conflict")
    replacement = _new_view(ws, args)
    target.view, target.hash = replacement.view, replacement.hash
    return _view_response(target, ws)


def views_publish(ws: Workspace, args: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    user_id = str(_required(args, "user_id"))
    if user_id not in ws.users:
        raise ApiError("user_not_found")
    view = _new_view(ws, args)
    if view.view.get("type") != "home":
        raise ApiError("invalid_arguments")
    view.user_id = user_id
    ws.home_tabs[user_id] = view
    return _view_response(view, ws)


def files_get_upload_url_external(ws: Workspace, args: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    filename = str(_required(args, "filename"))
    length = int(_required(args, "length"))
    file_id = f"F0{ws.next_number():08d}"
    ws.files[file_id] = FakeFile(id=file_id, filename=filename, length=length)
    return {"upload_url": f"{ctx.base_url}upload/{file_id}", "file_id": file_id}


def files_complete_upload_external(ws: Workspace, args: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    entries = _json_arg(args, "files")
    if not isinstance(entries, list) or not entries:
        raise ApiError("invalid_arguments")
    channel_id = args.get("channel_id") or args.get("channels")
    if channel_id:
        channel_id = _resolve_channel(ws, str(channel_id).split(",")[0])
        _check_postable(ws, channel_id)
    shared = []
    for entry in entries:
        file = ws.files.get(str(entry.get("id")))
        if file is None or file.content is None:
            raise ApiError("file_not_found")
        file.title = entry.get("title") or file.filename
        file.channel_id = channel_id
        file.initial_comment = args.get("initial_comment")
        file.thread_ts = args.get("thread_ts")
        shared.append(
            {
                "id": file.id,
                "name": file.filename,
                "title": file.title,
                "size": len(file.content),
                "channels": [channel_id] if channel_id else [],
            }
        )
    return {"files": shared}


HANDLERS: dict[str, Handler] = {
    "auth.test": auth_test,
    "chat.postMessage": chat_post_message,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.update": chat_update,
    "conversations.open": conversations_open,
    "conversations.history": conversations_history,
    "conversations.info": conversations_info,
    "conversations.members": conversations_members,
    "users.info": users_info,
    "users.list": users_list,
    "usergroups.list": usergroups_list,
    "usergroups.users.list": usergroups_users_list,
    "views.open": views_open,
    "views.update": views_update,
    "views.publish": views_publish,
    "files.getUploadURLExternal": files_get_upload_url_external,
    "files.completeUploadExternal": files_complete_upload_external,
}
"""Methods answered from the workspace with the bot token; ``apps.connections.open`` lives in the server."""
