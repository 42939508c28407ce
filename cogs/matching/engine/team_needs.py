"""The roles a team needs ("developer*2,designer,domain") and who covers them.

A need is met by a member whose `role` is the need or whose `offers` contain it, compared like every other
facet (case- and space-insensitively, `facets.norm`). A member covers at most one need slot of their team, so
how many slots a team covers is a small bipartite matching (members to slots), cached by the members' need
masks because a search looks at the same few combinations again and again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from .facets import norm, norm_set
from .model import Member

SIZE_MIN = 2
SIZE_MAX = 12
NAME_MAX = 40
_TOKEN = re.compile(r"^(?P<name>[^*]+?)\s*(?:\*\s*(?P<count>[+-]?\d+))?$")


class NeedsError(ValueError):
    """Bad team size or needs. `code` names the problem (the cog and the command line turn it into a
    sentence), `params` fill it in."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True, slots=True)
class Need:
    """`count` members per team who bring `name` (display form; `key` is the normalised form)."""

    name: str
    key: str
    count: int = 1

    def __str__(self) -> str:
        return self.name if self.count == 1 else f"{self.name}*{self.count}"


def check_size(size: int) -> None:
    """Teams are 2 to 12 people (a larger team is a department, and its possible teams cannot be listed)."""
    if not SIZE_MIN <= size <= SIZE_MAX:
        raise NeedsError("size", f"the team size must be {SIZE_MIN} to {SIZE_MAX}, not {size}",
                         low=SIZE_MIN, high=SIZE_MAX, size=size)


def parse_needs(text: str | None, size: int | None = None) -> tuple[Need, ...]:
    """`"developer*2,designer,domain"` -> needs; an empty text means no needs (teams by fit alone). The same
    need twice adds up. Raises `NeedsError` for a bad item (`*0`, `*-1`, `*x`, nothing before the star, a
    name over 40 characters) or more needed people than `size`."""
    text = (text or "").strip()
    if not text or text == "-":
        return ()
    out: dict[str, Need] = {}
    for raw in text.split(","):
        item = raw.strip()
        match = _TOKEN.match(item)
        if not item or match is None or not match.group("name").strip():
            raise NeedsError("item", f"cannot read the need {item!r}: write role or role*count, e.g. developer*2",
                             item=item)
        name = " ".join(match.group("name").split())
        count = int(match.group("count") or 1)
        if count < 1:
            raise NeedsError("count", f"{name}*{count}: a need counts at least 1 person", item=item)
        if len(name) > NAME_MAX:
            raise NeedsError("long", f"a need is at most {NAME_MAX} characters: {name[:NAME_MAX]}…",
                             max=NAME_MAX, item=name[:NAME_MAX])
        key = norm(name)
        old = out.get(key)
        out[key] = Need(old.name if old else name, key, count + (old.count if old else 0))
    needs = tuple(out.values())
    total = sum(n.count for n in needs)
    if size is not None and total > size:
        raise NeedsError("too_many", f"the needs name {total} people, more than a team of {size}",
                         total=total, size=size)
    return needs


def format_needs(needs: Sequence[Need]) -> str:
    """The needs as typed: `developer*2, designer`."""
    return ", ".join(str(n) for n in needs)


def need_mask(member: Member, needs: Sequence[Need]) -> int:
    """Bit r set when the member can cover need r (their role is it, or they offer it)."""
    keys = set(norm_set(member.offers))
    role = norm(member.role)
    if role:
        keys.add(role)
    return sum(1 << r for r, need in enumerate(needs) if need.key in keys)


def slot_needs(needs: Sequence[Need]) -> tuple[int, ...]:
    """Need index of every slot of one team (developer*2, designer -> 0, 0, 1)."""
    return tuple(r for r, need in enumerate(needs) for _ in range(need.count))


@lru_cache(maxsize=1 << 16)
def cover(masks: tuple[int, ...], slots: tuple[int, ...]) -> tuple[int, tuple[int, ...]]:
    """How many slots the members with these need masks cover, and which slot each one takes (-1: none);
    a maximum bipartite matching by augmenting paths (a team has at most 12 members and 12 slots)."""
    owner = [-1] * len(slots)  # slot -> member position
    taken = [-1] * len(masks)

    def augment(m: int, seen: list[bool]) -> bool:
        for s, r in enumerate(slots):
            if seen[s] or not masks[m] >> r & 1:
                continue
            seen[s] = True
            if owner[s] < 0 or augment(owner[s], seen):
                owner[s] = m
                taken[m] = s
                return True
        return False

    count = 0
    for m in range(len(masks)):
        if masks[m] and augment(m, [False] * len(slots)):
            count += 1
    return count, tuple(taken)


def covered(masks: Sequence[int], slots: tuple[int, ...]) -> int:
    """Slots covered by a team whose members have these masks (order does not matter)."""
    key = tuple(sorted(m for m in masks if m))
    return cover(key, slots)[0] if key and slots else 0


__all__ = ["Need", "NeedsError", "check_size", "cover", "covered", "format_needs", "need_mask", "parse_needs",
           "slot_needs"]
