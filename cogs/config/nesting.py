"""Reading TOML and JSON that a moderator pasted, without letting deep nesting reach a recursive parser.

`tomllib` and `json` parse nested tables and lists recursively, and so do the value checks after them: a short
paste of a few hundred `{a={a=...` would end in a `RecursionError` somewhere between the parser and the
reply. No setting is nested more than a few levels, so text nested deeper than `MAX_DEPTH` is refused before it
is parsed, and a parser that still runs out of stack is refused the same way.
"""

from __future__ import annotations

import json
import tomllib
from typing import Any

MAX_DEPTH = 12
"""Deeper than any setting (profiles.extra_fields is the deepest: name -> record -> list), with room to spare."""

_OPEN = frozenset("[{")
_CLOSE = frozenset("]}")


class TooDeep(ValueError):
    """The text nests tables or lists more than `MAX_DEPTH` levels deep."""

    def __init__(self) -> None:
        super().__init__(f"tables or lists are nested more than {MAX_DEPTH} levels deep")


def bracket_depth(text: str) -> int:
    """The deepest nesting of `[`/`{` outside quoted strings and comments (TOML and JSON quoting rules are close
    enough for a bound: a string's brackets never count, a stray quote can only make the count smaller).
    Array-of-table headers (`[[x]]`) count two, which stays far below the limit."""
    depth = deepest = 0
    quote = ""
    escaped = False
    comment = False
    for ch in text:
        if comment:
            comment = ch != "\n"
        elif quote:
            if escaped:
                escaped = False
            elif ch == "\\" and quote == '"':
                escaped = True
            elif ch == quote or ch == "\n":
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            comment = True
        elif ch in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif ch in _CLOSE:
            depth = max(depth - 1, 0)
    return deepest


def value_depth(value: Any) -> int:
    """How deeply a parsed value nests (iteratively: the value may be deeper than the stack allows)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list | tuple):
            stack.extend((v, level + 1) for v in item)
    return deepest


def _checked(data: Any) -> Any:
    if value_depth(data) > MAX_DEPTH:  # dotted keys (a.b.c = 1) nest without brackets
        raise TooDeep()
    return data


def load_toml(text: str) -> dict[str, Any]:
    """`tomllib.loads`, refusing deep nesting with `TooDeep` (a syntax error stays `TOMLDecodeError`)."""
    if bracket_depth(text) > MAX_DEPTH:
        raise TooDeep()
    try:
        return _checked(tomllib.loads(text))
    except RecursionError:
        raise TooDeep() from None


def load_json(text: str) -> Any:
    """`json.loads`, refusing deep nesting with `TooDeep` (a syntax error stays `ValueError`)."""
    if bracket_depth(text) > MAX_DEPTH:
        raise TooDeep()
    try:
        return _checked(json.loads(text))
    except RecursionError:
        raise TooDeep() from None
