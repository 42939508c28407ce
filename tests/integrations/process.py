"""`uv run bot.py ...` as systemd or Docker start it: a process of its own, talking to the fakes over loopback.

The fakes keep running in the test's event loop while the bot's process runs, so the exit code a supervisor
sees is checked end to end: settings from KINDRED_* variables, the real runner, the real exit.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Finished:
    code: int
    stdout: str
    stderr: str

    def lines(self) -> list[str]:
        """What the bot printed about why it stopped (its `kindred:` lines on stderr)."""
        return [line for line in self.stderr.splitlines() if line.startswith("kindred:")]


def closed_port() -> int:
    """A loopback port nobody listens on: connections to it are refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def run_bot(args: list[str], cwd: Path, env: dict[str, str], *, within: float = 120.0) -> Finished:
    """Run bot.py with `args` and only these KINDRED_* variables; wait for it to end by itself."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KINDRED_")}
    clean.update({"KINDRED_STORAGE__URL": f"sqlite+aiosqlite:///{cwd / 'kindred.db'}", **env})
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(REPO / "bot.py"), *args, cwd=cwd, env=clean, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(process.communicate(), within)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return Finished(process.returncode, out.decode(), err.decode())
