"""A local fake of Discord (REST v10 + gateway websocket) for end-to-end tests with unmodified discord.py.

    async with FakeDiscord(default_world()) as fake:
        configure_endpoints(fake.api_base_url, fake.gateway_url)   # integrations/discord/endpoints.py
        ...start a discord.py client with fake.token...
        await fake.wait_until_ready()
        record = await fake.slash("profile set", user=fake.world.members[0], options={"role": "dev"})
        reply = await fake.wait_for_reply(record)          # the message the bot answered with
        await fake.member_join(new_user("newbie"))         # GUILD_MEMBER_ADD
        fake.rate_limit("POST", "/channels/1/messages")    # next matching request gets a 429
        fake.requests("POST")                              # everything the bot sent, recorded

server.py holds the test API, world.py the data model, rest.py and gateway.py the two protocols,
interactions.py builds what a Discord client would send, validate.py the limits Discord enforces.
"""

from .gateway import Intents
from .interactions import InteractionBuildError
from .records import (
    CANNOT_DM_USER,
    MISSING_ACCESS,
    MISSING_PERMISSIONS,
    UNKNOWN_CHANNEL,
    RecordedFile,
    RecordedRequest,
)
from .server import FakeDiscord, new_user
from .state import InteractionRecord
from .world import (
    ChannelType,
    DefaultWorld,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    Permissions,
    default_world,
)

__all__ = [
    "CANNOT_DM_USER",
    "MISSING_ACCESS",
    "MISSING_PERMISSIONS",
    "UNKNOWN_CHANNEL",
    "ChannelType",
    "DefaultWorld",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "Intents",
    "InteractionBuildError",
    "InteractionRecord",
    "Permissions",
    "RecordedFile",
    "RecordedRequest",
    "default_world",
    "new_user",
]
