"""config.example.toml stays generated from the models, and every text of this feature has a German translation."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from cogs.config.example import EXAMPLE_PATH, render_example_toml
from cogs.config.schema import community_schema
from core.i18n import load_catalogue
from core.settings import Settings, iter_keys, load_settings

ROOT = Path(__file__).resolve().parents[3]


def test_config_example_is_up_to_date() -> None:
    assert EXAMPLE_PATH == ROOT / "config.example.toml"
    assert EXAMPLE_PATH.read_text(encoding="utf-8") == render_example_toml(), (
        "config.example.toml is out of date: run `uv run bot.py config-example --write`")


def test_config_example_documents_every_key_and_loads_as_the_defaults() -> None:
    text = EXAMPLE_PATH.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    lines = text.splitlines()
    for key, info in iter_keys(Settings):
        section, _, name = key.rpartition(".")
        written = data.get(section, {}) if section else data
        assert name in written or any(line.startswith(f"# {name} = ") for line in lines), key
        if info.description:
            assert info.description.split()[0] in text, key
    assert load_settings(EXAMPLE_PATH).model_dump() == Settings().model_dump()


def _literals() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "cogs" / "config").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name in ("N_", "_") and isinstance(node.args[0].value, str):
                    found.add(node.args[0].value)
    return found


def test_every_text_has_a_german_translation() -> None:
    german = load_catalogue("de")
    texts = _literals()
    assert len(texts) > 100
    missing = sorted(t for t in texts if t not in german)
    hint = "uv run bot.py i18n-update adds them to cogs/config/locales/de.po"
    assert not missing, f"add German translations ({hint}) for: {missing}"


def test_every_key_description_has_a_german_translation() -> None:
    german = load_catalogue("de")
    missing = sorted(s.description for s in community_schema().values() if s.description not in german)
    hint = "translate it in the de.po of the feature that declares it"
    assert not missing, f"a settings description changed or was added; {hint}: {missing}"
