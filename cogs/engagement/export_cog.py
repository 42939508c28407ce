"""`/export`: the community's data as files for a moderator, sent by direct message as one zip.

Chat uploads are limited, so the export stops as soon as it would be too big and says how to get it instead
(the command line export has no limit).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from cogs.engagement.api import recorder
from cogs.engagement.export import FORMATS, ExportTooLarge, export_all, zip_files
from core import options as opt
from core.commands import Cog, command
from core.context import Capability, Context
from core.errors import DMClosed, OptionError, UserError
from core.i18n import N_
from core.messages import Attachment, Message
from core.permissions import Level

CHAT_LIMIT_BYTES = 8 * 1024 * 1024  # what every platform accepts in one upload


def parse_since(text: str | None) -> datetime | None:
    """'2025-01-31' -> that day's start in UTC; raises OptionError with a readable message."""
    if not text:
        return None
    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d")
    except ValueError:
        raise OptionError(N_("“since” must be a date like 2025-01-31.")) from None
    return day.replace(tzinfo=UTC)


class Export(Cog):
    name = "export"
    module = "engagement"
    limit = CHAT_LIMIT_BYTES  # per instance, for platforms (or tests) with another upload limit

    @command("export", N_("Send me this community's data as files (people, accounts, profiles, events, matches)"),
             options=[opt.choice("format", FORMATS, N_("File format (default: csv)"), default="csv"),
                      opt.string("since", N_("Only events from this day on, e.g. 2025-01-31"), max_length=10)],
             level=Level.MODERATOR, long_running=True)
    async def export(self, ctx: Context, format: str = "csv", since: str | None = None) -> None:
        start = parse_since(since)
        if not ctx.supports(Capability.FILES):
            raise UserError(N_("I can't send files here."))
        rec = recorder(self.services)
        if rec is not None:
            await rec.flush(within=5.0)
        tmp = Path(tempfile.mkdtemp(prefix="kindred-export-"))
        try:
            try:
                result = await export_all(self.services.store, tmp, format, since=start,
                                          community_ids=[ctx.community.id], max_bytes=self.limit * 6)
                stamp = self.services.clock().strftime("%Y%m%d")
                data = await asyncio.to_thread(zip_files, result.files, base=f"kindred-export-{stamp}")
            except ExportTooLarge:
                data = b""
            if not data or len(data) > self.limit:
                raise UserError(N_("The export is larger than {mb} MB, too big to send in chat. Narrow it with since:, or run on the server: uv run bot.py export --format parquet --out DIR"),  # noqa: E501
                                mb=round(self.limit / (1024 * 1024), 1))
        finally:
            await asyncio.to_thread(shutil.rmtree, tmp, ignore_errors=True)
        summary = ", ".join(f"{t} {n}" for t, n in result.rows.items())
        file = Attachment(f"kindred-export-{stamp}-{format}.zip", data, summary)
        text = ctx._("This community's data ({summary}). It contains personal data: keep it safe.", summary=summary)
        try:
            await ctx.dm(ctx.member, Message(text=text, files=[file]))
        except DMClosed:
            await ctx.reply(Message(text=text, files=[file]), ephemeral=True)
            return
        await ctx.reply(ctx._("I sent the export to you by direct message."), ephemeral=True)
