"""No Python module of the project is over 600 lines (tests included): a module that grows past that does more
than one job and is split by job before it lands, so nobody has to read a thousand lines to change one thing."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 600
SKIPPED_DIRS = {"__pycache__", "node_modules", "build", "dist"}  # besides hidden ones (.venv, .git, ...)

ALLOWED_OVER_LIMIT: frozenset[str] = frozenset()
"""Nothing may be added here: split the module instead."""


def project_modules() -> list[Path]:
    """Every .py file below the project root outside hidden, cache and build folders."""
    return sorted(
        path for path in ROOT.rglob("*.py")
        if not any(part.startswith(".") or part in SKIPPED_DIRS for part in path.relative_to(ROOT).parts[:-1])
    )


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_the_scan_sees_the_project() -> None:
    found = {p.relative_to(ROOT).as_posix() for p in project_modules()}
    assert {"bot.py", "tests/test_module_sizes.py", "cogs/matching/engine/groups.py"} <= found
    assert not any(name.startswith(".venv/") for name in found)


def test_no_module_is_over_600_lines() -> None:
    offenders = []
    for path in project_modules():
        name = path.relative_to(ROOT).as_posix()
        if name not in ALLOWED_OVER_LIMIT and (count := line_count(path)) > LIMIT:
            offenders.append(f"{name}: {count} lines")
    assert not offenders, f"modules over {LIMIT} lines (split them by job):\n" + "\n".join(offenders)
