"""Who may run what, and how a request that failed is answered: the checks and answers every entry point of
the dispatcher (core/dispatcher.py) shares.

A `UserError` becomes a message to the person; a store that does not answer is said once in the log
(storage/health.py) and to the person as "try again in a moment"; anything else is logged and answered with an
apology, never a traceback or a secret.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING

from core import metrics
from core.errors import PermissionDenied, UserError
from core.i18n import N_, gettext
from core.messages import Message
from core.permissions import Level, level_name
from core.refs import CommunityRef, MemberRef
from core.settings.registry import module_title

if TYPE_CHECKING:
    from core.commands import Cog
    from core.context import Context, Messenger, Responder
    from core.services import Services

log = logging.getLogger("core.dispatcher")

APOLOGY = N_("Sorry, something went wrong on my side. It has been logged.")
STORE_DOWN = N_("Kindred's data store is unavailable for a moment. Please try again in a minute.")


async def level_of(services: Services, community: CommunityRef, member: MemberRef, messenger: Messenger) -> Level:
    """The member's level in the community: owner (settings), moderator (platform admin or a moderator role),
    else member. A store outage is raised, not answered "you are no moderator"."""
    if f"{community.platform}:{member.user_id}" in services.settings.owners:
        return Level.OWNER
    try:
        if await messenger.is_admin(community, member):
            return Level.MODERATOR
        roles = set((await services.config.get(community.id)).community.moderator_roles)
        if roles and (roles & (await messenger.groups_of(community, member) | set(member.roles))):
            return Level.MODERATOR
    except Exception as exc:
        if services.store.health.outage(exc, "a moderator check"):
            raise  # not "you are no moderator": the store could not say
        log.warning("could not check moderator status on %s", community.platform, exc_info=True)
    return Level.MEMBER


async def check(services: Services, ctx: Context, cog: Cog, needed: Level, what: str) -> None:
    """Raise a `UserError` the person understands when their level is too low or the cog's module is off."""
    if ctx.level is not None and ctx.level < needed:
        raise PermissionDenied(
            N_("Only a {level} can use {what}. Your level here: {yours}."),
            level=ctx._(level_name(needed)),
            what=what,
            yours=ctx._(level_name(ctx.level)),
        )
    if cog.module:
        disabled = (await services.config.get(ctx.community.id)).community.disabled_modules
        if cog.module in disabled:
            title = ctx._(module_title(cog.module))  # with the name /config module takes to switch it on
            raise UserError(N_("The {module} module is switched off in this community."),
                            module=title if title == cog.module else f"{title} ({cog.module})")


async def run_answering(services: Services, ctx: Context, call: Awaitable[None], label: str,
                        command: str | None = None) -> bool:
    """Run a handler; any failure is answered to the person (see the module docstring). True when it ran.
    With `command` (its name), the outcome is counted (core/metrics.py)."""
    outcome = "ok"
    try:
        await call
        return True
    except UserError as exc:
        outcome = "refused"
        await tell(ctx, gettext(ctx.locale, exc.msgid, **exc.params), field=exc.field)
    except Exception as exc:
        if services.store.health.outage(exc, label):
            outcome = "store_down"
            await tell(ctx, ctx._(STORE_DOWN))
        else:
            outcome = "error"
            log.exception("%s failed in community %s", label, ctx.community.id)
            await tell(ctx, ctx._(APOLOGY))
    finally:
        if command is not None:
            metrics.command_done(command, outcome)
    return False


async def tell(ctx: Context, text: str, *, field: str | None = None) -> None:
    await answer(ctx.responder, ctx.platform, text, field=field)


async def answer(responder: Responder, platform: str, text: str, *, field: str | None = None) -> None:
    """An ephemeral refusal that never raises (a failure to answer is only logged); `field`: the form field the
    problem is in."""
    try:
        await responder.reply(Message(text=text, refused=True, field_errors={field: text} if field else {}),
                              ephemeral=True)
    except Exception:
        log.warning("could not send an error message on %s", platform, exc_info=True)


async def answer_failure(services: Services, known: CommunityRef | None, platform: str, responder: Responder,
                         exc: Exception, label: str) -> None:
    """A request failed before its feature ran. A store outage is answered "try again in a moment" and logged
    once; anything else is logged with its traceback and answered with the apology. The language is that of
    the `known` community if its settings are cached, else the bot's default."""
    outage = services.store.health.outage(exc, label)
    if not outage:
        log.error("%s failed before reaching its feature", label, exc_info=exc)
    config = services.config.cached(known.id) if known is not None else None
    locale = (config or services.config.defaults).community.language
    await answer(responder, platform, gettext(locale, STORE_DOWN if outage else APOLOGY))
