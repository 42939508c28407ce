"""The engagement texts are translated, and a German community gets German answers."""

from __future__ import annotations

from core.dispatcher import App
from core.i18n import load_catalogue, load_plurals
from core.i18n_catalog import extract_messages
from integrations.console.community import KEY
from integrations.console.repl import ConsoleCommunity


def test_every_engagement_text_has_german() -> None:
    mine = {m for m, where in extract_messages().items() if any("engagement" in f for f, _ in where)}
    assert len(mine) > 100
    german, plurals = load_catalogue("de"), load_plurals("de")
    missing = [m for m in mine if not (all(plurals.get(m, ())) if isinstance(m, tuple) else german.get(m))]
    assert sorted(missing, key=str) == []


async def test_german_community(console: ConsoleCommunity, app: App) -> None:
    cid = (await app.community(KEY)).id
    await app.services.overrides.set_many(cid, {"community.language": "de"}, by="test")
    await app.services.config.changed(cid, {"community.language"})
    await console.handle("/stats me")
    assert "Deine Zahlen" in console.outbox.texts()[-1]
    await console.handle("/thanks admin")
    assert "Dir selbst kannst du nicht danken" in console.outbox.texts()[-1]
