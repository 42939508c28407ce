"""core/text.py: no bidi control or stray zero-width character survives; ordinary writing is left exactly as is."""

from __future__ import annotations

import unicodedata

from hypothesis import example, given
from hypothesis import strategies as st

from core.text import BIDI_CONTROLS, ZWJ, ZWNJ, clean_line, is_invisible, only_invisible, strip_invisible

ALWAYS_GONE = BIDI_CONTROLS | frozenset("\u200b\u2060\ufeff\u00ad\u3164\u180e\u2061\u2062\u2063\u2064\ufff9")
HOSTILE = sorted(ALWAYS_GONE | {ZWJ, ZWNJ, "\ufe0f", "\U000e0041", "\U000e007f", "\U000e0001"})

ORDINARY_WORDS = [
    "Grüße aus Köln", "Straße", "ÄÖÜ äöü ß", "東京で会いましょう", "你好，世界", "한국어", "مرحبا بالعالم",
    "שלום", "Привет", "Ελληνικά", "می‌خواهم", "क्‍ष", "👩‍💻", "🏳️‍🌈", "👨🏽‍💻 dev", "❤️", "🧑‍🤝‍🧑",
    "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", "🇩🇪", "1️⃣", "naïve café", "e\u0301",
]


def _visible_text() -> st.SearchStrategy[str]:
    """Letters, digits, punctuation, spaces and symbols of every script, but no format or control character."""
    return st.text(st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"),
                                 blacklist_characters="".join(HOSTILE)).filter(lambda c: not is_invisible(c)))


@given(st.lists(st.one_of(_visible_text(), st.sampled_from(HOSTILE), st.sampled_from(ORDINARY_WORDS))).map("".join))
@example("🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f\ufe0f")  # a kept tag flag, then a selector
@example("🏴\U000e0067\U000e0062\U000e007f\u200d🏴")  # ... then a joiner: both used to raise TypeError
def test_no_bidi_control_or_stray_invisible_character_survives(text: str) -> None:
    out = strip_invisible(text)
    assert not (set(out) & ALWAYS_GONE)
    for i, ch in enumerate(out):  # what is kept is kept for a reason its neighbours give
        if ch in (ZWJ, ZWNJ):
            assert 0 < i < len(out) - 1
        elif 0xE0000 <= ord(ch) <= 0xE0FFF and not 0xE0100 <= ord(ch) <= 0xE01EF:
            assert "🏴" in out[:i] and "\U000e007f" in out[i:]
    assert strip_invisible(out) == out  # cleaning twice changes nothing more


@given(_visible_text())
def test_visible_text_of_any_script_is_unchanged(text: str) -> None:
    assert strip_invisible(text) == text


@given(st.lists(st.sampled_from(ORDINARY_WORDS), min_size=1).map(" ".join))
def test_emoji_sequences_umlauts_cjk_arabic_persian_stay_as_written(text: str) -> None:
    assert strip_invisible(text) == text
    assert clean_line(text) == text


def test_what_stripping_does_to_a_hostile_name() -> None:
    assert strip_invisible("admin\u202egnp.exe") == "admingnp.exe"
    assert strip_invisible("m\u200bo\u200dd\u2066") == "mod"
    assert strip_invisible("\ufeffZoë\u200f") == "Zoë"
    assert strip_invisible("a\U000e0041\U000e0042b") == "ab"  # hidden tag text
    assert clean_line(" two\n lines\u2028here ") == "two lines here"
    assert only_invisible("\u200b\u202e ") and not only_invisible("") and not only_invisible("ok\u200b")
    assert all(unicodedata.category(c) != "Cf" for c in strip_invisible("x\u200b\u200e\u2069y"))
