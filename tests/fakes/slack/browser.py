"""An installer's browser for the OAuth tests: opens Kindred's install page, follows its "Add to Slack" link to
the fake Slack's authorize page (choosing a workspace there, as a person does), and is sent back to Kindred's
redirect URL with the code, keeping the cookies Kindred set (the state cookie) like a browser does."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import aiohttp

_LINK = re.compile(r'href="([^"]+/oauth/v2/authorize[^"]*)"')


@dataclass(frozen=True)
class Page:
    """What the browser shows in the end: status, text, and the URL it came from."""

    status: int
    text: str
    url: str


class Browser:
    """One person's browser: its cookies per host, kept as browsers keep them for loopback addresses (which
    count as secure, so the ``Secure`` state cookie is sent over plain http). ``async with Browser() as b:``"""

    def __init__(self) -> None:
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(), trust_env=False)
        self.cookies: dict[str, dict[str, str]] = {}
        """host:port -> cookie name -> value"""
        self.callbacks: list[str] = []
        """Every redirect URL (with code and state) Slack sent this browser to."""

    async def __aenter__(self) -> Browser:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.session.close()

    def set_cookie(self, url: str, name: str, value: str) -> None:
        """Put a cookie in the browser by hand (what an attacker who copied one would do)."""
        self.cookies.setdefault(urlsplit(url).netloc, {})[name] = value

    async def get(self, url: str) -> Page:
        host = urlsplit(url).netloc
        jar = self.cookies.setdefault(host, {})
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())} if jar else {}
        async with self.session.get(url, allow_redirects=False, headers=headers) as response:
            for name, morsel in response.cookies.items():
                if morsel["max-age"] in ("0", "-1") or morsel.value in ("", "deleted"):
                    jar.pop(name, None)
                else:
                    jar[name] = morsel.value
            text = await response.text()
            if response.status in (301, 302, 303, 307):
                return Page(response.status, response.headers.get("Location", ""), url)
            return Page(response.status, text, url)

    async def install_link(self, install_url: str) -> str:
        """The "Add to Slack" link of Kindred's install page."""
        page = await self.get(install_url)
        assert page.status == 200, f"install page answered {page.status}: {page.text[:200]}"
        found = _LINK.search(page.text)
        assert found, f"no authorize link on the install page: {page.text[:300]}"
        return html.unescape(found.group(1))

    async def approve(self, authorize_link: str, team_id: str) -> str:
        """Approve on the fake Slack's page for ``team_id``; the URL Slack redirects back to."""
        parts = urlsplit(authorize_link)
        query = urlencode([*parse_qsl(parts.query), ("choose_team", team_id)])
        page = await self.get(urlunsplit(parts._replace(query=query)))
        assert page.status == 302, f"the authorize page answered {page.status}: {page.text[:200]}"
        self.callbacks.append(page.text)
        return page.text

    async def install(self, install_url: str, team_id: str) -> Page:
        """The whole installation for one workspace; the page Kindred shows at the end."""
        callback = await self.approve(await self.install_link(install_url), team_id)
        return await self.get(callback)
