"""The command line tools: import-members, export, report (run through Typer as `uv run bot.py ...` does)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bootstrap.runtime import running_app
from cogs.engagement.cli import register
from cogs.engagement.store.crm import CrmRepo
from core.events import MessagePosted
from core.refs import ChannelRef, CommunityKey, MemberRef
from core.settings import load_settings
from storage.engine import open_store

KEY = CommunityKey("discord", "G1", "Guild")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.setenv("KINDRED_STORAGE__URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    app = typer.Typer()
    register(app)
    return app


def seed(tmp_path: Path) -> None:
    async def go() -> None:
        settings = load_settings(None, storage={"url": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"})
        async with running_app(settings, start_scheduler=False) as app:
            for i, name in enumerate(("ana", "ben")):
                member = MemberRef("discord", f"10{i}", name.title(), username=name)
                for _ in range(3):
                    await app.emit(MessagePosted(key=KEY, member=member, channel=ChannelRef("discord", "c1"),
                                                 length=5))

    asyncio.run(go())


def crm_count(tmp_path: Path) -> int:
    async def go() -> int:
        store = await open_store(f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
        try:
            return await CrmRepo(store).count()
        finally:
            await store.close()

    return asyncio.run(go())


def test_import_members(cli: typer.Typer, tmp_path: Path) -> None:
    seed(tmp_path)
    good = tmp_path / "crm.csv"
    good.write_text("email,discord,plan\nana@x.org,ana,pro\nzoe@x.org,,free\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["import-members", str(good), "--key", "email"])
    assert res.exit_code == 0, res.output
    assert "Imported 2 people (2 new, 0 updated); 1 matches an account" in res.output
    res = CliRunner().invoke(cli, ["import-members", str(good), "--key", "email"])
    assert "(0 new, 2 updated)" in res.output
    assert crm_count(tmp_path) == 2


@pytest.mark.parametrize("content,key,problem", [
    ("email,plan\nnot-an-email,pro\n", "email", "line 2: 'not-an-email' is not an email address"),
    ("name,plan\nx,y\n", "discord", "the key column 'discord' is missing"),
    ("email,plan\na@b.co,pro\n", "phone", "--key must be one of"),
])
def test_import_members_bad_input_changes_nothing(cli: typer.Typer, tmp_path: Path, content: str, key: str,
                                                  problem: str) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(content, encoding="utf-8")
    res = CliRunner().invoke(cli, ["import-members", str(f), "--key", key])
    assert res.exit_code == 2
    assert problem in res.output
    assert "Traceback" not in res.output
    assert crm_count(tmp_path) == 0


def test_import_members_unreadable_files(cli: typer.Typer, tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["import-members", str(tmp_path / "missing.csv"), "--key", "email"])
    assert res.exit_code == 2 and "cannot read" in res.output
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"\xff\xfe\x00bad")
    res = CliRunner().invoke(cli, ["import-members", str(binary), "--key", "email"])
    assert res.exit_code == 2 and "not UTF-8" in res.output


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_export(cli: typer.Typer, tmp_path: Path, fmt: str) -> None:
    seed(tmp_path)
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["export", "--format", fmt, "--out", str(out), "--since", "2020-01-01",
                                   "--community", "1"])
    assert res.exit_code == 0, res.output
    assert (out / f"events.{fmt}").exists() and (out / "activities.json").exists()
    assert len(json.loads((out / "activities.json").read_text())) == 6


@pytest.mark.parametrize("args,problem", [
    (["--format", "xml"], "--format must be one of"),
    (["--since", "yesterday"], "--since must be a date"),
])
def test_export_bad_input(cli: typer.Typer, tmp_path: Path, args: list[str], problem: str) -> None:
    res = CliRunner().invoke(cli, ["export", "--out", str(tmp_path / "o"), *args])
    assert res.exit_code == 2 and problem in res.output
    assert not (tmp_path / "o").exists()


def test_report(cli: typer.Typer, tmp_path: Path) -> None:
    seed(tmp_path)
    out = tmp_path / "report"
    res = CliRunner().invoke(cli, ["report", "--out", str(out), "--days", "30"])
    assert res.exit_code == 0, res.output
    page = (out / "index.html").read_text(encoding="utf-8")
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert len(pngs) == 7 and all(name in page for name in pngs)
    assert all((out / p).read_bytes().startswith(b"\x89PNG") for p in pngs)
    assert "Guild" in page
    res = CliRunner().invoke(cli, ["report", "--out", str(out), "--community", "99"])
    assert res.exit_code == 2 and "no community 99" in res.output


def test_export_of_a_community_that_does_not_exist_says_so(cli: typer.Typer, tmp_path: Path) -> None:
    seed(tmp_path)
    res = CliRunner().invoke(cli, ["export", "--out", str(tmp_path / "x"), "--community", "99"])
    assert res.exit_code == 2 and "no community 99" in res.output
    assert not (tmp_path / "x").exists()  # no empty files


def test_the_global_config_option_reaches_every_tool(tmp_path: Path) -> None:
    """`uv run bot.py --config PATH export ...` reads PATH, like `... export --config PATH` does."""
    import bot

    seed(tmp_path)
    conf = tmp_path / "elsewhere" / "kindred.toml"
    conf.parent.mkdir()
    conf.write_text(f'[storage]\nurl = "sqlite+aiosqlite:///{tmp_path / "cli.db"}"\n', encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(bot.cli, ["--config", str(conf), "export", "--format", "jsonl", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert len((out / "events.jsonl").read_text(encoding="utf-8").splitlines()) == 6
    res = CliRunner().invoke(bot.cli, ["export", "--format", "jsonl", "--out", str(tmp_path / "out2"),
                                       "--config", str(conf)])
    assert res.exit_code == 0, res.output
    assert len((tmp_path / "out2" / "events.jsonl").read_text(encoding="utf-8").splitlines()) == 6
    crm = tmp_path / "crm.csv"
    crm.write_text("email,discord,plan\nana@x.org,ana,pro\n", encoding="utf-8")
    res = CliRunner().invoke(bot.cli, ["--config", str(conf), "import-members", str(crm), "--key", "email"])
    assert res.exit_code == 0 and "1 matches an account" in res.output, res.output
    res = CliRunner().invoke(bot.cli, ["--config", str(conf), "report", "--out", str(tmp_path / "rep")])
    assert res.exit_code == 0 and "Guild" in (tmp_path / "rep" / "index.html").read_text(encoding="utf-8")
