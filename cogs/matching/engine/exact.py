"""The exact reference: networkx's blossom algorithm on the full graph of the same pair scores.

Only for small rounds (it is cubic); the benchmark and the tests measure the fast engine against it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import networkx as nx

from .candidates import all_pairs
from .encode import encode
from .model import History, MatchOptions, Member, RoundResult
from .rounds import matching_from_pairs
from .vector import score_pairs


def exact_graph(members: Sequence[Member], history: History, options: MatchOptions) -> nx.Graph[int]:
    """Every allowed pair as an edge weighted by its score (nodes are member ids)."""
    enc = encode(members, history, options)
    u, v = all_pairs(enc.n)
    s, ok = score_pairs(enc, u, v)
    g: nx.Graph[int] = nx.Graph()
    g.add_nodes_from(int(x) for x in enc.ids)
    ids = enc.ids
    g.add_weighted_edges_from(
        zip(ids[u[ok]].tolist(), ids[v[ok]].tolist(), s[ok].tolist(), strict=True)
    )
    return g


def exact_round(
    members: Sequence[Member],
    history: History | None = None,
    options: MatchOptions | None = None,
    priority: Collection[int] = (),
) -> RoundResult:
    """Maximum-cardinality, maximum-weight matching, finished like the engine's (leftover -> trio)."""
    history = history or History()
    options = options or MatchOptions()
    g = exact_graph(members, history, options)
    pairs = nx.max_weight_matching(g, maxcardinality=True)
    return matching_from_pairs(members, history, options, [(int(a), int(b)) for a, b in pairs], priority)
