"""Fixtures for the tests that run the Discord and the Slack integration in one process."""

from __future__ import annotations

import pytest

from tests.integrations.slack.conftest import PROXY_VARIABLES


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack_sdk picks proxies up from the environment; tests must talk to 127.0.0.1 directly."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
