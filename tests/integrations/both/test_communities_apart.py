"""Issue 14: a Discord guild and a Slack workspace served by one process share nothing until a moderator of each
joins them, and no accounts are linked without both owners' confirmation. The real bot, both fakes, SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from cogs.engagement.analytics import Analytics
from cogs.engagement.cli import register
from cogs.engagement.export import export_all
from cogs.engagement.store.identity import IdentityRepo
from tests.integrations.both.harness import (
    SLACK_MOD,
    SLACK_OTHER,
    SLACK_SAME,
    TwoPlatforms,
    discord_ids,
    discord_text,
    two_platforms,
)


async def discord_history(both: TwoPlatforms) -> None:
    """samesame on Discord: a profile with a value only Discord knows, and a message."""
    answer = await both.on_discord("profile set", both.same_discord, topics="discordsecret", role="guildonly")
    assert "Saved" in answer
    await both.discord.post_message(both.same_discord, "hello guild", channel="general")


async def slack_export(both: TwoPlatforms, user_id: str) -> bytes:
    """What `/privacy export` sends a Slack member: the uploaded file's content."""
    before = set(both.slack.workspace.files)
    await both.on_slack("/privacy", "export", user_id)
    [new] = [f for k, f in both.slack.workspace.files.items() if k not in before]
    assert new.content is not None
    return new.content


async def test_the_issue_reproduced_communities_not_joined(store_url: tuple[str, dict[str, Any]]) -> None:
    async with two_platforms(store_url) as both:
        await discord_history(both)
        await both.on_slack("/profile", "set topics:slackside", SLACK_SAME)
        discord_same = await both.member_id("discord", str(both.same_discord.id))
        slack_same = await both.member_id("slack", SLACK_SAME)
        identity = IdentityRepo(both.app.services.store)

        # The Slack moderator's /link suggest lists nothing of the guild.
        answer = await both.on_slack("/link", "suggest", SLACK_MOD)
        assert "not joined with another" in answer and "discord" not in answer and "Test Guild" not in answer
        # A crafted "same person" button links nothing and sends nothing.
        answer = await both.press_slack(f"link:merge:{slack_same}:{discord_same}", SLACK_MOD)
        assert "not joined" in answer
        assert await identity.link_map() == {} and both.discord_dms(both.same_discord) == []
        # samesame's own link codes do not cross either.
        code = (await both.on_slack("/link", "start", SLACK_SAME)).split("Your link code: ")[1][:9]
        answer = await both.on_discord("link confirm", both.same_discord, code=code)
        assert "not joined" in answer and await identity.link_map() == {}

        # The Slack user's export holds nothing of the Discord member.
        data = json.loads(await slack_export(both, SLACK_SAME))
        assert [a["platform"] for a in data["accounts"]] == ["slack"]
        blob = json.dumps(data)
        assert "discordsecret" not in blob and str(both.same_discord.id) not in blob and "hello guild" not in blob

        # The Slack user's /privacy forget leaves the Discord member's profile in the guild alone.
        await both.on_slack("/privacy", "forget", SLACK_SAME)
        await both.press_slack(f"privacy:forget:{slack_same}", SLACK_SAME)
        profile = await both.app.services.profiles.get(discord_same)
        assert profile is not None and profile.facets["topics"] == ["discordsecret"]
        assert await both.app.services.profiles.get(slack_same) is None

        # Stats count each community alone.
        slack_stats = await both.on_slack("/stats", "overview", SLACK_MOD)
        discord_stats = await both.on_discord("stats overview", both.world.moderator)
        slack_cid = await both.community_id("slack")
        discord_cid = await both.community_id("discord")
        assert await identity.scope(slack_cid) == [slack_cid] and await identity.scope(discord_cid) == [discord_cid]
        analytics = Analytics(both.app.services.store, both.app.services.config)
        for cid in (slack_cid, discord_cid):  # each counts its own present members, nobody of the other
            own = len(await both.app.services.members.list(cid))
            assert (await analytics.overview(cid, 30, both.app.services.clock())).members == own
        assert "discordsecret" not in slack_stats and "samesame" not in discord_stats


async def test_joined_communities_link_only_with_both_owners(store_url: tuple[str, dict[str, Any]]) -> None:
    async with two_platforms(store_url) as both:
        await discord_history(both)
        await both.on_slack("/profile", "set topics:slackside", SLACK_SAME)
        discord_same = await both.member_id("discord", str(both.same_discord.id))
        slack_same = await both.member_id("slack", SLACK_SAME)
        identity = IdentityRepo(both.app.services.store)

        # The Discord moderator makes a code, the Slack moderator uses it: one linked group.
        answer = await both.on_discord("link communities", both.world.moderator, action="start")
        code = answer.split("Code to join communities: ")[1][:9]
        answer = await both.on_slack("/link", f"communities confirm {code}", SLACK_MOD)
        assert "now one linked group" in answer and "Test Guild (discord)" in answer
        assert "Test Guild" in await both.on_slack("/link", "communities", SLACK_MOD)
        answer = await both.on_slack("/link", f"communities confirm {code}", SLACK_MOD)  # a code works once
        assert "unknown or has expired" in answer

        # Now the suggestion appears; "same person" only asks the two owners.
        answer = await both.on_slack("/link", "suggest", SLACK_MOD)
        assert "samesame (slack: Kindred Slack)" in answer and "samesame (discord: Test Guild)" in answer
        assert f"link:merge:{slack_same}:{discord_same}" in await both.slack_reply_buttons()
        answer = await both.press_slack(f"link:merge:{slack_same}:{discord_same}", SLACK_MOD)
        assert "asked the owners" in answer
        assert await identity.link_map() == {}
        [discord_ask] = both.discord_dms(both.same_discord)
        [slack_ask] = both.slack_dms(SLACK_SAME)
        discord_yes = next(i for i in discord_ids(discord_ask) if "link:yes:" in i)
        slack_yes = next(b["action_id"] for blk in slack_ask.blocks or [] if blk.get("type") == "actions"
                         for b in blk["elements"] if b["action_id"].startswith("link:yes:"))

        # Nobody else can answer for them: the Discord moderator, the Slack moderator, the other account.
        assert "not for you" in await both.click_discord(discord_yes, both.world.moderator, discord_ask)
        assert "not for you" in await both.press_slack(slack_yes, SLACK_MOD)
        assert discord_yes.startswith("g") and "|" in discord_yes  # the DM button carries its guild
        assert "not for you" in await both.press_slack(discord_yes.split("|", 1)[1], SLACK_SAME)
        assert await identity.link_map() == {}

        assert "other account confirms" in await both.click_discord(discord_yes, both.same_discord, discord_ask)
        assert await identity.link_map() == {}
        assert "now one person" in await both.press_slack(slack_yes, SLACK_SAME)
        links = await identity.link_map()
        assert links[slack_same] == links[discord_same]

        # People count once across both communities; each moderator's lists and exports stay their own.
        slack_cid = await both.community_id("slack")
        assert sorted(await identity.scope(slack_cid)) == sorted([slack_cid, await both.community_id("discord")])
        data = json.loads(await slack_export(both, SLACK_SAME))  # the person's own: both confirmed accounts
        assert {a["platform"] for a in data["accounts"]} == {"slack", "discord"}

        # Either side can leave: the link across is undone and nothing is counted across any more.
        record = await both.discord.slash("link-admin communities", user=both.world.moderator,
                                          options={"action": "leave"})
        leave = await both.discord.wait_for_reply(record)
        assert "Leave the linked group?" in discord_text(leave)
        leave_id = next(i for i in discord_ids(leave) if "link:leave:" in i)
        assert "not for you" in await both.press_slack(leave_id, SLACK_MOD)  # the Slack moderator can't use it
        assert "has left its linked group" in await both.click_discord(leave_id, both.world.moderator, leave)
        assert await identity.link_map() == {}
        assert await identity.scope(slack_cid) == [slack_cid]
        assert "not joined with another" in await both.on_slack("/link", "suggest", SLACK_MOD)


async def join_and_link(both: TwoPlatforms) -> tuple[int, int]:
    """Both moderators join the communities; samesame confirms from both accounts. (slack, discord) member ids."""
    answer = await both.on_discord("link communities", both.world.moderator, action="start")
    await both.on_slack("/link", f"communities confirm {answer.split('Code to join communities: ')[1][:9]}", SLACK_MOD)
    discord_same = await both.member_id("discord", str(both.same_discord.id))
    slack_same = await both.member_id("slack", SLACK_SAME)
    code = (await both.on_slack("/link", "start", SLACK_SAME)).split("Your link code: ")[1][:9]
    assert "now one person" in await both.on_discord("link confirm", both.same_discord, code=code)
    return slack_same, discord_same


def zipped(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        return {n.split("/")[-1]: zf.read(n).decode("utf-8") for n in zf.namelist()}


async def test_stats_exports_and_reports_stay_inside_each_community(store_url: tuple[str, dict[str, Any]],
                                                                    tmp_path: Path) -> None:
    async with two_platforms(store_url) as both:
        await discord_history(both)
        await both.on_slack("/profile", "set topics:slackside", SLACK_SAME)
        for _ in range(3):
            await both.slack_bot.event(both.slack.payloads.event_callback(both.slack.payloads.message(
                SLACK_OTHER, "otto on slack")))
        assert "not joined" in await both.on_discord("link communities", both.world.moderator)
        assert "not joined" in await both.on_slack("/link", "communities show", SLACK_MOD)
        analytics = Analytics(both.app.services.store, both.app.services.config)
        slack_cid, discord_cid = await both.community_id("slack"), await both.community_id("discord")
        now = both.app.services.clock()
        alone = {c: (await analytics.overview(c, 30, now)).members for c in (slack_cid, discord_cid)}

        slack_same, discord_same = await join_and_link(both)
        joined = {c: (await analytics.overview(c, 30, now)).members for c in (slack_cid, discord_cid)}
        assert joined[slack_cid] == joined[discord_cid] == alone[slack_cid] + alone[discord_cid] - 1  # samesame once

        # Lists of people name only the asking community's accounts.
        top = await both.on_discord("stats top", both.world.moderator)
        assert "Otto" not in top and "slack" not in top.lower()
        assert "samesame" not in await both.on_slack("/segment", "show name:top_helpers", SLACK_MOD)

        # /export (Slack moderator): the workspace's own rows, with the linked person's key, nothing of the guild.
        before = set(both.slack.workspace.files)
        await both.on_slack("/export", "format:csv", SLACK_MOD)
        [sent] = [f for k, f in both.slack.workspace.files.items() if k not in before]
        assert sent.content is not None
        files = zipped(sent.content)
        everything = "\n".join(files.values())
        assert str(both.same_discord.id) not in everything
        assert "discordsecret" not in everything and "hello guild" not in everything and "discord" not in everything
        person = await IdentityRepo(both.app.services.store).honoured_links([slack_cid])
        assert f"p{person[slack_same]}" in files["accounts.csv"]

        # The operator's export and report of one community: the same.
        out = tmp_path / "export"
        await export_all(both.app.services.store, out, "jsonl", community_ids=[slack_cid])
        dumped = "\n".join(p.read_text(encoding="utf-8") for p in out.iterdir())
        assert str(both.same_discord.id) not in dumped and "discordsecret" not in dumped
        if store_url[0].startswith("sqlite"):  # the command line opens the store by URL alone
            cli = typer.Typer()
            register(cli)
            env = {"KINDRED_STORAGE__URL": store_url[0]}
            res = await asyncio.to_thread(CliRunner().invoke, cli, [
                "export", "--format", "csv", "--out", str(tmp_path / "cli"), "--community", str(slack_cid)], env=env)
            assert res.exit_code == 0, res.output
            dumped = "\n".join(p.read_text(encoding="utf-8") for p in (tmp_path / "cli").iterdir())
            assert str(both.same_discord.id) not in dumped and "discordsecret" not in dumped
            res = await asyncio.to_thread(CliRunner().invoke, cli, [
                "report", "--out", str(tmp_path / "report"), "--community", str(slack_cid)], env=env)
            assert res.exit_code == 0, res.output
            page = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
            assert "Kindred Slack" in page and "Test Guild" not in page

        # The moderators' own /privacy export holds only their own account.
        data = json.loads(await slack_export(both, SLACK_MOD))
        assert [a["platform"] for a in data["accounts"]] == ["slack"]

        # After the guild leaves, nothing counts across any more.
        record = await both.discord.slash("link-admin communities", user=both.world.moderator,
                                          options={"action": "leave"})
        ask = await both.discord.wait_for_reply(record)
        assert "has left" in await both.click_discord(f"link:leave:{discord_cid}", both.world.moderator, ask)
        assert {c: (await analytics.overview(c, 30, now)).members for c in (slack_cid, discord_cid)} == alone
        assert discord_same not in await IdentityRepo(both.app.services.store).link_map()


async def test_hostile_codes_members_and_a_group_left_mid_request(store_url: tuple[str, dict[str, Any]]) -> None:
    async with two_platforms(store_url) as both:
        await discord_history(both)
        await both.on_slack("/profile", "set topics:slackside", SLACK_SAME)
        identity = IdentityRepo(both.app.services.store)
        # Members can't join communities; a moderator can't use their own community's code.
        assert "Only a moderator" in await both.on_slack("/link", "communities start", SLACK_SAME)
        answer = await both.on_discord("link communities", both.world.moderator, action="start")
        code = answer.split("Code to join communities: ")[1][:9]
        assert "made in this community" in await both.on_discord("link communities", both.world.moderator,
                                                                 action="confirm", code=code)
        assert "unknown or has expired" in await both.on_slack("/link", f"communities confirm {code}", SLACK_MOD)
        for _ in range(5):
            await both.on_slack("/link", "communities confirm ABCD-EFGH", SLACK_MOD)
        answer = await both.on_discord("link communities", both.world.moderator, action="start")
        code = answer.split("Code to join communities: ")[1][:9]
        assert "Too many wrong codes" in await both.on_slack("/link", f"communities confirm {code}", SLACK_MOD)
        assert await identity.scope(await both.community_id("slack")) == [await both.community_id("slack")]

        # Joined, a request sent, then the workspace leaves: the owners' buttons no longer link anything.
        answer = await both.on_slack("/link", "communities start", SLACK_MOD)
        code = answer.split("Code to join communities: ")[1][:9]
        assert "now one linked group" in await both.on_discord("link communities", both.world.moderator,
                                                               action="confirm", code=code)
        discord_same = await both.member_id("discord", str(both.same_discord.id))
        slack_same = await both.member_id("slack", SLACK_SAME)
        record = await both.discord.slash("link-admin suggest", user=both.world.moderator)
        suggested = await both.discord.wait_for_reply(record)
        assert "samesame (slack: Kindred Slack)" in discord_text(suggested)
        assert "asked the owners" in await both.click_discord(f"link:merge:{discord_same}:{slack_same}",
                                                              both.world.moderator, suggested)
        # A moderator of the other community pressing this community's suggestion button gets nothing.
        assert "not for you" in await both.press_slack(f"link:merge:{discord_same}:{slack_same}", SLACK_MOD)
        [discord_ask] = both.discord_dms(both.same_discord)
        discord_yes = next(i for i in discord_ids(discord_ask) if "link:yes:" in i)
        slack_yes = next(b["action_id"] for blk in both.slack_dms(SLACK_SAME)[-1].blocks or []
                         if blk.get("type") == "actions" for b in blk["elements"]
                         if b["action_id"].startswith("link:yes:"))
        assert "other account confirms" in await both.click_discord(discord_yes, both.same_discord, discord_ask)
        answer = await both.on_slack("/link", "communities leave", SLACK_MOD)
        assert "Leave the linked group?" in answer
        slack_cid = await both.community_id("slack")
        assert "has left" in await both.press_slack(f"link:leave:{slack_cid}", SLACK_MOD)
        assert "no longer open" in await both.press_slack(slack_yes, SLACK_SAME)
        assert await identity.link_map() == {}
        assert "not joined with any other" in await both.on_slack("/link", "communities show", SLACK_MOD)
