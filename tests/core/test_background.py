"""The background lanes: bounded, never more at once than allowed, nothing lost, in order per key, and always
behind the answers under way."""

from __future__ import annotations

import asyncio
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.background import Background, Full, PacedMessenger, RateLimit
from core.context import Capability
from core.messages import Message
from core.refs import ChannelRef, CommunityRef, ConversationRef, MemberRef, MessageRef

jobs = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3)), min_size=1, max_size=60)  # (key, yields)


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(work=jobs, concurrency=st.integers(1, 4), max_size=st.integers(1, 8), producers=st.integers(1, 4))
def test_lane_bounds_runs_everything_once_and_keeps_order_per_key(
    work: list[tuple[int, int]], concurrency: int, max_size: int, producers: int
) -> None:
    async def scenario() -> None:
        background = Background()
        lane = background.lane("test", max_size=max_size, concurrency=concurrency)
        running = 0
        peak = 0
        queued_peak = 0
        ran: list[int] = []
        per_key: dict[int, list[int]] = {}
        busy_keys: set[int] = set()

        def job(index: int, key: int, yields: int):  # type: ignore[no-untyped-def]
            async def go() -> None:
                nonlocal running, peak
                assert key not in busy_keys, "two jobs of one key ran at once"
                busy_keys.add(key)
                running += 1
                peak = max(peak, running)
                for _ in range(yields):
                    await asyncio.sleep(0)
                ran.append(index)
                per_key.setdefault(key, []).append(index)
                running -= 1
                busy_keys.discard(key)
            return go

        async def produce(share: list[tuple[int, tuple[int, int]]]) -> None:
            nonlocal queued_peak
            for index, (key, yields) in share:
                assert await lane.submit(job(index, key, yields), key=key)
                queued_peak = max(queued_peak, lane.queued)

        indexed = list(enumerate(work))
        # Each key's jobs come from one producer, so "submitted order" per key is well defined.
        shares = [[(i, w) for i, w in indexed if w[0] % producers == p] for p in range(producers)]
        await asyncio.gather(*(produce(s) for s in shares))
        assert await lane.drain(within=10)
        assert sorted(ran) == list(range(len(work)))  # nothing lost, nothing twice
        assert peak <= concurrency
        assert queued_peak <= max_size and lane.stats.max_queued <= max_size
        for key, order in per_key.items():
            assert order == sorted(order), f"key {key} ran out of order"
        await background.stop()

    run(scenario())


def test_a_full_skip_lane_refuses_and_says_so() -> None:
    async def scenario() -> None:
        background = Background()
        lane = background.lane("signals", max_size=2, when_full=Full.SKIP)
        gate = asyncio.Event()

        async def blocked() -> None:
            await gate.wait()

        accepted = [await lane.submit(blocked) for _ in range(5)]
        # one may already be running; the queue holds two; the rest are refused
        assert accepted.count(True) in (2, 3) and accepted[-1] is False
        assert lane.stats.skipped == accepted.count(False)
        gate.set()
        assert await lane.drain(within=5)
        await background.stop()

    run(scenario())


def test_background_waits_for_the_answers_under_way() -> None:
    async def scenario() -> None:
        background = Background(max_defer=30)
        lane = background.lane("greetings")
        done = asyncio.Event()

        async def greet() -> None:
            done.set()

        hold = background.foreground()
        await lane.submit(greet)
        for _ in range(20):
            await asyncio.sleep(0)
        assert not done.is_set(), "background work ran while an interaction was being answered"
        hold.release()
        hold.release()  # idempotent: one interaction, one release
        await asyncio.wait_for(done.wait(), 5)
        assert not background.gate.busy
        await background.stop()

    run(scenario())


def test_background_is_not_starved_by_a_stream_of_answers() -> None:
    async def scenario() -> None:
        background = Background(max_defer=0.01)
        lane = background.lane("greetings")
        done = asyncio.Event()

        async def greet() -> None:
            done.set()

        hold = background.foreground()  # never released: answers keep coming
        await lane.submit(greet)
        await asyncio.wait_for(done.wait(), 5)
        hold.release()
        await background.stop()

    run(scenario())


def test_a_failing_job_is_logged_and_the_lane_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> list[int]:
        background = Background()
        lane = background.lane("test", concurrency=2)
        ran: list[int] = []

        async def bad() -> None:
            raise RuntimeError("boom")

        async def good() -> None:
            ran.append(1)

        await lane.submit(bad, key="k")
        await lane.submit(good, key="k")
        assert await lane.drain(within=5)
        assert lane.stats.failed == 1 and lane.stats.done == 1
        await background.stop()
        assert not await lane.submit(good), "a stopped lane takes nothing"
        return ran

    with caplog.at_level(logging.ERROR):
        assert run(scenario()) == [1]
    assert "lane test failed" in caplog.text


def test_stop_releases_producers_waiting_for_room() -> None:
    async def scenario() -> None:
        background = Background()
        lane = background.lane("test", max_size=1)
        gate = asyncio.Event()

        async def blocked() -> None:
            await gate.wait()

        await lane.submit(blocked)
        await lane.submit(blocked)
        await asyncio.sleep(0)
        waiting = asyncio.create_task(lane.submit(blocked))
        await asyncio.sleep(0.01)
        assert not waiting.done() and lane.queued <= 1
        await background.stop()
        assert await asyncio.wait_for(waiting, 5) is False

    run(scenario())


def test_the_same_name_is_the_same_lane_and_bad_limits_are_refused() -> None:
    background = Background()
    assert background.lane("a", max_size=3) is background.lane("a", max_size=99)
    with pytest.raises(ValueError):
        background.lane("b", max_size=0)
    with pytest.raises(ValueError):
        RateLimit(0, 1)


@settings(max_examples=30, deadline=None)
@given(rate=st.floats(50, 5000), burst=st.integers(1, 5), steps=st.integers(1, 12))
def test_rate_limited_turns_all_come(rate: float, burst: int, steps: int) -> None:
    async def scenario() -> None:
        lane = Background().lane("paced", rate=rate, burst=burst)
        for _ in range(steps):
            await asyncio.wait_for(lane.turn(), 5)
        assert lane.limit is not None and lane.limit._tokens >= 0

    run(scenario())


class _Recording:
    platform = "console"
    capabilities = frozenset({Capability.BUTTONS})

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def send(self, community: CommunityRef, channel: ChannelRef, message: Message) -> MessageRef:
        self.calls.append("send")
        return MessageRef("console", channel.channel_id, "1")

    async def dm(self, community: CommunityRef, member: MemberRef, message: Message) -> MessageRef:
        self.calls.append("dm")
        return MessageRef("console", "dm", "2")

    async def introduce(self, community: CommunityRef, members: list[MemberRef], message: Message, *,
                        channel: ChannelRef | None = None, journal: object = None) -> ConversationRef:
        self.calls.append("introduce")
        return ConversationRef("console", ("t",), "thread")

    async def edit(self, community: CommunityRef, ref: MessageRef, message: Message) -> None:
        self.calls.append("edit")

    async def is_admin(self, community: CommunityRef, member: MemberRef) -> bool:
        return True

    async def groups_of(self, community: CommunityRef, member: MemberRef) -> set[str]:
        return {"mods"}


def test_a_paced_messenger_waits_for_the_answers_before_each_send() -> None:
    async def scenario() -> None:
        background = Background(max_defer=30)
        inner = _Recording()
        paced = PacedMessenger(inner, background.lane("greetings", rate=1000, burst=10))
        community = CommunityRef(1, "console", "c", "C")
        member = MemberRef("console", "u", "U", id=1)
        assert paced.platform == "console" and paced.capabilities == inner.capabilities
        assert await paced.is_admin(community, member) and await paced.groups_of(community, member) == {"mods"}
        hold = background.foreground()
        sending = asyncio.create_task(paced.dm(community, member, Message("hi")))
        await asyncio.sleep(0.01)
        assert inner.calls == []  # held back while an interaction is answered
        hold.release()
        await sending
        await paced.send(community, ChannelRef("console", "general"), Message("hi"))
        await paced.introduce(community, [member], Message("hi"))
        await paced.edit(community, MessageRef("console", "general", "1"), Message("hi again"))
        assert inner.calls == ["dm", "send", "introduce", "edit"]

    run(scenario())
