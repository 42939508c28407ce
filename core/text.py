"""Invisible characters out of what members type: bidi overrides, zero-width spaces and their relatives.

A name such as "admin\u202egnp.exe" or "mod\u200b" looks like something it is not, and a greeting with a right-to-left
override turns the rest of a channel's line around. Everything a member or moderator supplies that Kindred stores
and shows again (display names, profile facets, welcome messages, settings such as moderator roles and channels)
goes through `strip_invisible` first.

What goes: the bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) and every
*default-ignorable* code point of Unicode (zero-width space U+200B, word joiner U+2060, BOM U+FEFF, soft hyphen,
Hangul fillers, tag characters, ...) plus the other invisible format characters (U+FFF9–U+FFFB, U+180E).

What stays, because removing it would change what a person wrote:
- the zero-width joiner inside an emoji sequence (👩‍💻, 🏳️‍🌈);
- the zero-width (non-)joiner between two letters of a script that uses them to choose letter forms (Persian
  "می‌خواهم", Devanagari conjuncts);
- variation selectors right after a visible character (❤️, CJK ideographic variants);
- the tag characters of a subdivision flag (🏴 followed by tags and the cancel tag).
"""

from __future__ import annotations

import re
import unicodedata

ZWNJ = "\u200c"
ZWJ = "\u200d"
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# Default_Ignorable_Code_Point (Unicode DerivedCoreProperties), as ranges of code points.
_IGNORABLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)
_OTHER_INVISIBLE = frozenset("\ufff9\ufffa\ufffb")
_VARIATION = ((0xFE00, 0xFE0F), (0xE0100, 0xE01EF), (0x180B, 0x180D), (0x180F, 0x180F))
_TAG_FLAG_BASE = "\U0001f3f4"  # 🏴, the base of subdivision flags
_TAG_LETTERS = ((0xE0020, 0xE007E),)
_CANCEL_TAG = "\U000e007f"
# Scripts whose letters take ZWJ/ZWNJ to choose joined or separate forms.
_JOINING_SCRIPTS = (
    (0x0600, 0x08FF),  # Arabic, Syriac, Thaana, N'Ko, Samaritan, Mandaic, Arabic Extended
    (0x0900, 0x0DFF),  # Devanagari ... Sinhala
    (0x0F00, 0x0FFF),  # Tibetan
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x18AF),  # Khmer, Mongolian
    (0xA8E0, 0xA8FF),  # Devanagari Extended
    (0xFB50, 0xFDFF), (0xFE70, 0xFEFE),  # Arabic presentation forms
    (0x10D00, 0x10D3F), (0x1E900, 0x1E95F),  # Hanifi Rohingya, Adlam
)
_EMOJI_MODIFIERS = ((0x1F3FB, 0x1F3FF),)
_MAYBE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
                    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb\U0001bca0-\U0001bca3"
                    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _within(ch: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in ranges)


def is_invisible(ch: str) -> bool:
    """A character `strip_invisible` removes unless its neighbours give it a meaning."""
    return _within(ch, _IGNORABLE) or ch in _OTHER_INVISIBLE or ch in BIDI_CONTROLS


def _emoji(ch: str) -> bool:
    return unicodedata.category(ch) == "So" or _within(ch, _EMOJI_MODIFIERS) or ch == "\ufe0f"


def _joining_letter(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LM" and _within(ch, _JOINING_SCRIPTS)


def _visible_base(ch: str) -> bool:
    return not is_invisible(ch) and unicodedata.category(ch)[0] not in "CZ"


def strip_invisible(text: str) -> str:
    """`text` without bidi controls and invisible characters (see the module's docstring for what is kept)."""
    if not _MAYBE.search(text):
        return text  # the common case: nothing to look at
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if not is_invisible(ch):
            out.append(ch)
            i += 1
            continue
        prev = out[-1][-1] if out else ""  # the last character (a kept tag sequence is one multi-character item)
        nxt = text[i + 1] if i + 1 < n else ""
        if ch in (ZWJ, ZWNJ) and prev and nxt:
            if (ch == ZWJ and _emoji(prev) and _emoji(nxt)) or (_joining_letter(prev) and _joining_letter(nxt)):
                out.append(ch)
        elif _within(ch, _VARIATION) and prev and _visible_base(prev):
            out.append(ch)
        elif prev == _TAG_FLAG_BASE and _within(ch, _TAG_LETTERS):
            end = i
            while end < n and _within(text[end], _TAG_LETTERS):
                end += 1
            if end < n and text[end] == _CANCEL_TAG:  # a complete tag sequence: keep it whole
                out.append(text[i:end + 1])
                i = end + 1
                continue
            i = end  # a dangling tag run (hidden text): drop it
            continue
        i += 1
    return "".join(out)


def clean_line(text: str) -> str:
    """One line as a name or a short value is shown: invisible characters out, control characters and line
    breaks as spaces, runs of white space as one, no space at either end."""
    return " ".join(_CONTROLS.sub(" ", strip_invisible(text)).split())


def clean_text(text: str) -> str:
    """Free text (a greeting, an "about"): invisible and control characters out, line breaks and tabs kept."""
    return _CONTROLS.sub(lambda m: m.group() if m.group() in "\n\t" else "", strip_invisible(text))


def only_invisible(text: str) -> bool:
    """True for text that is not blank but has nothing visible once invisible characters are removed: stripping
    would turn it into an empty value (which means "clear"), so callers refuse it instead."""
    return bool(text.strip()) and not clean_line(text)
