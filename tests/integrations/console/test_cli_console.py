"""The documented one-liner works: the real CLI, a piped script, a fresh store in an empty directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _run(args: list[str], stdin: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KINDRED_")}
    env["COLUMNS"] = "200"
    return subprocess.run([sys.executable, str(ROOT / "bot.py"), *args], input=stdin, text=True,
                          capture_output=True, cwd=cwd, env=env, timeout=120)


def test_piped_script_shows_the_profile(tmp_path: Path) -> None:
    result = _run(["console", "--demo", "20"], "/profile set topics:python\n/profile show\n", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Topics: python" in result.stdout
    assert "Seeded 20 demo members" in result.stdout
    assert (tmp_path / "kindred.db").exists()


def test_no_tokens_starts_the_console(tmp_path: Path) -> None:
    result = _run([], "/help\n", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "starting the console community" in result.stderr
    assert "/profile edit" in result.stdout and "/help match" in result.stdout


def test_demo_is_deterministic(tmp_path: Path) -> None:
    a = _run(["console", "--demo", "5", "--seed", "7"], "/profile show member:dara\n", tmp_path / "a" if
             (tmp_path / "a").mkdir() is None else tmp_path)
    b = _run(["console", "--demo", "5", "--seed", "7"], "/profile show member:dara\n", tmp_path / "b" if
             (tmp_path / "b").mkdir() is None else tmp_path)
    assert a.stdout == b.stdout
    assert "Profile of dara" in a.stdout
