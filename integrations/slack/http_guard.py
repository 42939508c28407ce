"""HTTP mode: refuse requests whose signing headers are malformed before slack-bolt looks at them.

slack-bolt verifies `X-Slack-Signature` over `X-Slack-Request-Timestamp` and the body, but it reads the timestamp
with `int()` and compares signatures with `hmac.compare_digest`: a timestamp such as `abc` (or thousands of
digits) and a signature with non-ASCII characters make it raise, which aiohttp answers with HTTP 500 and a
traceback in the log, for anyone who can reach the endpoint, unsigned. Slack always sends a Unix time in seconds
and `v0=` followed by 64 hex digits, so anything else cannot be from Slack: it gets the same 401 as a bad
signature, and a debug line only.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def well_formed(timestamp: str | None, signature: str | None) -> bool:
    """Whether both signing headers have the only shape Slack sends (a missing header is bolt's to refuse)."""
    if timestamp is not None and not _TIMESTAMP.fullmatch(timestamp):
        return False
    return signature is None or _SIGNATURE.fullmatch(signature) is not None


@web.middleware
async def refuse_malformed_signing(request: web.Request, handler: Handler) -> web.StreamResponse:
    """401 for malformed signing headers, exactly as bolt answers a bad signature."""
    if not well_formed(request.headers.get("X-Slack-Request-Timestamp"), request.headers.get("X-Slack-Signature")):
        log.debug("refused a request with malformed Slack signing headers")
        return web.json_response({"error": "invalid request"}, status=401)
    return await handler(request)
