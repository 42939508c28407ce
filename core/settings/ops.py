"""Running the bot as a service: the health and metrics endpoint, and how long a stop may take."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator


class OpsSettings(BaseModel):
    listen: str = Field(
        "",
        description="host:port of the health and metrics endpoint (/healthz, /readyz, /metrics), e.g. "
        "127.0.0.1:9108 (port 0: any free port); empty: off.",
    )
    grace_seconds: float = Field(
        20.0, gt=0, le=600,
        description="On SIGTERM or Ctrl-C: how long the bot may take to finish what is under way (events being "
        "written, an intro being sent, a round being stored) before it exits.",
    )

    @field_validator("listen")
    @classmethod
    def _check_listen(cls, v: str) -> str:
        v = v.strip()
        if not v:
            return v
        host, sep, port = v.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 <= int(port) < 65536:
            raise ValueError("must be host:port, e.g. 127.0.0.1:9108 (or empty: off)")
        return v

    def address(self) -> tuple[str, int] | None:
        """(host, port) to listen on, None when off. `[::1]:9108` gives the host without brackets."""
        if not self.listen:
            return None
        host, _sep, port = self.listen.rpartition(":")
        return host.strip("[]"), int(port)
