"""Facet normalisation: the one place that decides when two facet strings mean the same thing."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache


@lru_cache(maxsize=1 << 16)
def norm(value: str | None) -> str:
    """Case- and whitespace-insensitive key ("Smart  Factories" == "smart factories"). Cached: a community
    uses a few thousand distinct facet strings, and explaining a large round normalises each many times."""
    if not value:
        return ""
    return " ".join(value.split()).casefold()


def norm_set(values: Iterable[str]) -> dict[str, str]:
    """Normalised key -> first display form, skipping empty strings (keeps the member's own order). A
    member's facets are tuples: those are normalised once per round however many pairs look at them (a
    round of 100,000 explains 50,000 groups). Callers must not change the returned dict."""
    if isinstance(values, tuple):
        return _norm_set_of_tuple(values)
    return _norm_set(values)


@lru_cache(maxsize=1 << 18)
def _norm_set_of_tuple(values: tuple[str, ...]) -> dict[str, str]:
    return _norm_set(values)


def _norm_set(values: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values:
        k = norm(v)
        if k and k not in out:
            out[k] = v.strip()
    return out


def languages_of(values: Iterable[str], default: str) -> frozenset[str]:
    """A member's languages; nobody is language-less: an empty list means the community default. Cached for
    tuples, as `norm_set`: a community has few distinct language lists."""
    if isinstance(values, tuple):
        return _languages_of_tuple(values, default)
    return _languages_of(values, default)


@lru_cache(maxsize=1 << 12)
def _languages_of_tuple(values: tuple[str, ...], default: str) -> frozenset[str]:
    return _languages_of(values, default)


def _languages_of(values: Iterable[str], default: str) -> frozenset[str]:
    langs = frozenset(k for k in (norm(v) for v in values) if k)
    return langs or frozenset({norm(default)})
