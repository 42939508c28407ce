"""Bot processes for the crash tests: real OS processes running Kindred on Discord, killed with SIGKILL.

Importing Kindred takes seconds (SciPy, discord.py, SQLAlchemy), and the crash tests start dozens of bot
processes; so this zygote imports everything once and forks one child per bot run. Each child is a separate
process that runs what `bot.py run` runs (`running_app` + the Discord integration's `serve`), with its
settings from the KINDRED_* variables it is given and its clock moved forward by `offset` seconds (a restart
"later": a crashed round's heartbeat is then old enough to be taken over). Nothing in Kindred knows about it.

Protocol (one JSON object a line on stdin): {"env": {...}, "offset": 600, "log": "/path"} -> prints the child's
pid. The zygote ignores SIGCHLD, so killed children are reaped at once and `os.kill(pid, 0)` tells when one is
gone. Start it with OPENBLAS_NUM_THREADS=1 (no BLAS thread pool in a process that forks).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from datetime import timedelta
from typing import Any

import integrations.discord.runner
from bootstrap.discovery import discover
from bootstrap.runtime import running_app
from core.services import utcnow
from core.settings import load_settings

discover()  # import every feature now, not in each child


async def _serve(offset: float) -> None:
    settings = load_settings(None)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)

    def clock() -> Any:
        return utcnow() + timedelta(seconds=offset)

    async with running_app(settings, clock=clock) as app:
        await integrations.discord.runner.serve(app, settings, stop, guild_ready_timeout=0.05)


def _child(command: dict[str, Any]) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for key in [k for k in os.environ if k.startswith("KINDRED_")]:
        del os.environ[key]
    os.environ.update({k: str(v) for k, v in command["env"].items()})
    log = open(command["log"], "a", buffering=1)  # noqa: SIM115 - lives as long as the process
    os.dup2(log.fileno(), 2)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
    code = 0
    try:
        asyncio.run(_serve(float(command.get("offset", 0))))
    except BaseException:
        logging.getLogger("zygote").exception("bot process failed")
        code = 1
    os._exit(code)


def main() -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped at once
    print("ready", flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(command)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
