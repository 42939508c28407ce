"""Meta-tests over every cog: unique names, described commands and options, no platform imports."""

from __future__ import annotations

import ast
from pathlib import Path

from core.dispatcher import App

ROOT = Path(__file__).resolve().parents[2]


def test_every_command_is_described(app: App) -> None:
    names = [c.name for c in app.cogs]
    assert len(names) == len(set(names))
    commands = app.tree.all()
    assert commands
    for cmd in commands:
        assert cmd.spec.description, f"/{cmd.name} has no description"
        assert len(cmd.spec.description) <= 100, f"/{cmd.name}: description longer than Discord allows"
        for o in cmd.spec.options:
            assert o.description, f"/{cmd.name} option {o.name} has no description"
            assert len(o.description) <= 100
        assert len(cmd.spec.options) <= 25
    for group in app.tree.groups.values():
        assert group.description, f"/{group.name} has no description"
        assert len(group.commands) <= 25


def test_neutral_code_imports_no_platform_library() -> None:
    for folder in ("core", "cogs"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                for name in names:
                    assert name.split(".")[0] not in {"discord", "slack_bolt", "slack_sdk"}, f"{path} imports {name}"
