"""A real headless Chromium (Debian's `chromium`) driven over the DevTools protocol with aiohttp, for tests that
must see a page as a person's browser does: images decoded, console errors, a screenshot.

No test framework of its own and no browser download: the system browser is started with a fresh profile and
the flags this offline machine needs (no background networking), its websocket address is read from stderr,
and one page is opened, loaded and inspected. When the browser is missing or cannot start, `BrowserFailed` is
raised: the tests fail, never skip (`.ci/run` installs the browser).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Any

import aiohttp

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--remote-debugging-port=0", "--allow-file-access-from-files")


class BrowserFailed(AssertionError):
    """The browser could not be found, started or driven."""


@dataclass(slots=True)
class PageVisit:
    images: list[dict[str, Any]] = field(default_factory=list)  # src, complete, width (natural)
    errors: list[str] = field(default_factory=list)  # console errors, exceptions, failed loads
    screenshot: bytes = b""
    scroll_width: int = 0
    inner_width: int = 0


def find_chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise BrowserFailed("no chromium on this machine: `apt-get install -y chromium` (.ci/run does it)")


async def visit(url: str, *, width: int = 1280, height: int = 900, timeout: float = 60.0) -> PageVisit:
    """Open `url` at the given viewport, wait for its load event and images, and report what the page shows."""
    exe = find_chromium()
    profile = tempfile.mkdtemp(prefix="kindred-chromium-")
    proc = await asyncio.create_subprocess_exec(exe, *FLAGS, f"--user-data-dir={profile}", "about:blank",
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        async with asyncio.timeout(timeout):
            ws_url = await _devtools_url(proc)
            async with aiohttp.ClientSession() as http, http.ws_connect(ws_url, max_msg_size=0) as ws:
                return await _inspect(ws, url, width, height)
    except TimeoutError:
        raise BrowserFailed(f"chromium did not finish with {url} within {timeout:.0f}s") from None
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


async def _devtools_url(proc: asyncio.subprocess.Process) -> str:
    assert proc.stderr is not None
    seen = []
    while True:
        line = (await proc.stderr.readline()).decode(errors="replace")
        if not line:
            raise BrowserFailed("chromium exited before it listened: " + "".join(seen[-10:]))
        seen.append(line)
        found = re.search(r"DevTools listening on (ws://\S+)", line)
        if found:
            return found.group(1)


async def _inspect(ws: aiohttp.ClientWebSocketResponse, url: str, width: int, height: int) -> PageVisit:
    ids = itertools.count(1)
    waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
    events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    out = PageVisit()

    async def reader() -> None:
        async for msg in ws:
            data = msg.json()
            if "id" in data and data["id"] in waiting:
                waiting.pop(data["id"]).set_result(data)
            else:
                await events.put(data)

    async def call(method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        i = next(ids)
        fut = waiting[i] = asyncio.get_running_loop().create_future()
        msg: dict[str, Any] = {"id": i, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        await ws.send_json(msg)
        answer = await fut
        if "error" in answer:
            raise BrowserFailed(f"{method}: {answer['error']}")
        return answer.get("result", {})

    task = asyncio.create_task(reader())
    try:
        target = (await call("Target.createTarget", url="about:blank"))["targetId"]
        s = (await call("Target.attachToTarget", targetId=target, flatten=True))["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            await call(f"{domain}.enable", s)
        await call("Emulation.setDeviceMetricsOverride", s, width=width, height=height, deviceScaleFactor=1,
                   mobile=width < 600)
        await call("Page.navigate", s, url=url)
        while True:
            ev = await events.get()
            method, params = ev.get("method"), ev.get("params", {})
            _collect(out, method, params)
            if method == "Page.loadEventFired":
                break
        while not events.empty():
            ev = events.get_nowait()
            _collect(out, ev.get("method"), ev.get("params", {}))
        js = ("Promise.race([Promise.all([...document.images].map(i => i.decode().catch(() => null))),"
              " new Promise(r => setTimeout(r, 10000))])"
              ".then(() => JSON.stringify({images: [...document.images].map(i => ({src: i.currentSrc || i.src,"
              " complete: i.complete, width: i.naturalWidth, alt: i.alt})),"
              " scroll: document.documentElement.scrollWidth, inner: window.innerWidth}))")
        got = await call("Runtime.evaluate", s, expression=js, awaitPromise=True, returnByValue=True)
        info = json.loads(got["result"]["value"])
        out.images, out.scroll_width, out.inner_width = info["images"], info["scroll"], info["inner"]
        shot = await call("Page.captureScreenshot", s, format="png", captureBeyondViewport=False)
        out.screenshot = base64.b64decode(shot["data"])
        while not events.empty():
            ev = events.get_nowait()
            _collect(out, ev.get("method"), ev.get("params", {}))
        return out
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _collect(out: PageVisit, method: str | None, params: dict[str, Any]) -> None:
    if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
        out.errors.append("console: " + " ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
    elif method == "Runtime.exceptionThrown":
        out.errors.append("exception: " + str(params.get("exceptionDetails", {}).get("text")))
    elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
        out.errors.append("log: " + str(params["entry"].get("text")) + " " + str(params["entry"].get("url", "")))
    elif method == "Network.loadingFailed" and not params.get("canceled"):
        out.errors.append("failed to load: " + str(params.get("errorText")))


def is_blank(png: bytes) -> bool:
    """Whether a screenshot is one flat colour (nothing rendered)."""
    import io

    import numpy as np
    from matplotlib.image import imread

    pixels = imread(io.BytesIO(png), format="png")
    return bool(np.ptp(pixels[..., :3]) < 0.05) or float(np.std(pixels[..., :3])) < 0.01

