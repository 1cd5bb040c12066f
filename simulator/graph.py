"""The relationship graph: a directed graph whose edge i->j carries i's trust in j and the tie's kind."""

from __future__ import annotations

import itertools
import operator
import weakref

import networkx as nx
import numpy as np

from stakesim.simulator.numbers import PAIRWISE_BLOCK, array_sum
from stakesim.simulator.schema import Scenario


def _matches(spec, name: str) -> bool:
    return spec.type == name or getattr(spec, "role", None) == name


def build_graph(scenario: Scenario, params: dict[str, float], rng: np.random.Generator) -> nx.DiGraph:
    """Explicit ties first, then generated ties, then the implicit ties every project has.

    Every community knows the company and its local government, and the company knows the
    governments: those ties are added with the default trusts when the scenario does not give them.
    Generated ties draw from the model's generator, so the graph is reproducible from the seed.
    """
    graph = nx.DiGraph()
    for s in scenario.stakeholders:
        graph.add_node(s.id, type=s.type, role=getattr(s, "role", s.type))

    for tie in scenario.ties:
        graph.add_edge(tie.source, tie.target, trust=tie.trust, kind=tie.kind)
        if tie.mutual and not graph.has_edge(tie.target, tie.source):
            graph.add_edge(tie.target, tie.source, trust=tie.trust, kind=tie.kind)

    for spec in scenario.random_ties:
        first = [s.id for s in scenario.stakeholders if _matches(s, spec.between[0])]
        second = [s.id for s in scenario.stakeholders if _matches(s, spec.between[1])]
        pairs = sorted({tuple(sorted((a, b))) for a, b in itertools.product(first, second) if a != b})
        for a, b in pairs:
            if rng.random() >= spec.probability:
                continue
            for u, v in ((a, b), (b, a)):
                if not graph.has_edge(u, v):
                    trust = float(np.clip(rng.normal(spec.trust, spec.trust_sd), 0.0, 1.0))
                    graph.add_edge(u, v, trust=trust, kind=spec.kind)

    company = next(s.id for s in scenario.stakeholders if s.type == "company")
    governments = [s.id for s in scenario.stakeholders if s.type == "local_government"]
    default = params["initial_trust_default"]
    for s in scenario.stakeholders:
        if s.type == "community":
            gov = s.government or governments[0]
            _ensure(graph, s.id, company, params["initial_trust_community_company"])
            _ensure(graph, s.id, gov, params["initial_trust_community_government"])
            _ensure(graph, company, s.id, default)
            _ensure(graph, gov, s.id, default)
    for gov in governments:
        _ensure(graph, company, gov, default)
        _ensure(graph, gov, company, default)
    return graph


def _ensure(graph: nx.DiGraph, u: str, v: str, trust: float) -> None:
    if not graph.has_edge(u, v):
        graph.add_edge(u, v, trust=trust, kind="existing")


def update_trust(graph: nx.DiGraph, i: str, j: str, good: float, bad: float,
                 params: dict[str, float], weight: float = 1.0) -> None:
    """Asymmetric trust update (Slovic 1993): losses at a higher rate than gains.

    ``good`` and ``bad`` are event strengths in [0, 1]; ``weight`` is how many events they count
    for (1 for a discrete event, ``experience_weight`` for a month of everyday experience).
    """
    edge = _edge(graph, i, j)
    if edge is None:
        return
    t = edge["trust"]
    t += weight * (params["trust_gain_rate"] * good * (1.0 - t) - params["trust_loss_rate"] * bad * t)
    edge["trust"] = min(1.0, max(0.0, t))


def ties_from(graph: nx.DiGraph, i: str) -> dict[str, dict]:
    """``i``'s ties: neighbour -> the tie's attribute dict (NetworkX's own dict: read it, do not add
    or remove keys). The same as ``graph.adj[i]`` without the view objects, for loops run every month."""
    return graph._adj[i]


def edge_data(graph: nx.DiGraph) -> list[dict]:
    """Every tie's attribute dict, in the order of ``graph.edges`` (for loops run every month that
    need only the attributes, such as fading trust: a list, without ``graph.edges``' view objects)."""
    return _edge_data(graph)


def trust(graph: nx.DiGraph, i: str, j: str, default: float = 0.0) -> float:
    edge = _edge(graph, i, j)
    return default if edge is None else edge["trust"]


def _edge(graph: nx.DiGraph, i: str, j: str) -> dict | None:
    """The edge's own attribute dict, or None when there is no edge: ``graph.get_edge_data(i, j)``
    read straight from the adjacency (no view objects, no method call), for lookups made many
    times a month."""
    ties = graph._adj.get(i)
    return None if ties is None else ties.get(j)


def add_tie(graph: nx.DiGraph, i: str, j: str, trust_value: float, kind: str) -> bool:
    """Add a tie both ways if absent; returns True when a new tie was created."""
    created = False
    for u, v in ((i, j), (j, i)):
        if not graph.has_edge(u, v):
            graph.add_edge(u, v, trust=trust_value, kind=kind)
            created = True
    return created


class _EdgeIndex:
    """What the per-step summaries need to know about the graph's structure, worked out once.

    The graph's structure (its nodes, their types and its edges) changes rarely: when an
    intervention forms a tie. Trust changes every month, but in place, in each edge's attribute
    dict. So the index keeps the edges' attribute dicts in the graph's edge order, with where each
    edge goes in the summaries, and a month's summaries only read the trust from those dicts.

    ``current`` checks the index against the graph on every use: the same nodes with the same
    types, and the very same edge attribute dicts in the same order. NetworkX gives every new edge
    a new attribute dict (``add_edge`` on an existing edge updates its dict in place), so any
    change of structure made through NetworkX, here or by anyone holding the graph, is seen and
    the index rebuilt.
    """

    __slots__ = ("nodes", "types", "datas", "edges", "by_types", "cross", "pairs", "cross_pairs", "orders")

    def __init__(self, graph: nx.DiGraph, datas: list[dict]):
        self.nodes, self.types = _nodes_and_types(graph)
        self.datas = datas
        self.edges = [(u, v) for u, neighbours in graph.adjacency() for v in neighbours]
        type_of = dict(zip(self.nodes, self.types))  # None for a node without a type, as before
        by_types: dict[tuple, list[int]] = {}
        cross, pairs = [], []
        pair_ids: dict[tuple, int] = {}
        for k, (u, v) in enumerate(self.edges):
            key = (type_of[u], type_of[v])
            by_types.setdefault(key, []).append(k)
            if key[0] != key[1]:
                cross.append(k)
                pairs.append(pair_ids.setdefault((u, v) if u < v else (v, u), len(pair_ids)))
        self.by_types = by_types  # (source type, target type) -> positions in edge order
        self.cross = cross  # positions of edges joining different types
        self.pairs = pairs  # for each of those, a number naming its unordered pair of ends
        self.cross_pairs = len(pair_ids)  # pairs of different types joined by any edge, whatever its trust
        self.orders: dict[tuple, tuple] = {}  # trust_matrix: node order -> (positions, cells)

    def current(self, graph: nx.DiGraph, datas: list[dict]) -> bool:
        cached = self.datas
        return (len(datas) == len(cached) and all(map(operator.is_, datas, cached))
                and _nodes_and_types(graph) == (self.nodes, self.types))


def _nodes_and_types(graph: nx.DiGraph) -> tuple[list, list]:
    # ``graph._node`` is NetworkX's node-attribute dict (documented for subclassing); reading it
    # directly avoids a view object per node.
    node_data = graph._node
    return list(node_data), [data.get("type") for data in node_data.values()]


_INDEXES: "weakref.WeakKeyDictionary[nx.DiGraph, _EdgeIndex]" = weakref.WeakKeyDictionary()


def _edge_data(graph: nx.DiGraph) -> list[dict]:
    """Every edge's attribute dict, in the graph's edge order (that of ``graph.edges``)."""
    return [data for _, neighbours in graph.adjacency() for data in neighbours.values()]


_last: tuple = (lambda: None, None)  # (weak reference to the graph indexed last, its index)


def _index(graph: nx.DiGraph) -> tuple[_EdgeIndex, list[dict]]:
    """The graph's edge index, checked against the graph (rebuilt if it changed), and its edge dicts."""
    global _last
    datas = _edge_data(graph)
    ref, index = _last
    if ref() is not graph:  # a run asks about one graph many times in a row
        index = _INDEXES.get(graph)
    if index is None or not index.current(graph, datas):
        index = _INDEXES[graph] = _EdgeIndex(graph, datas)
    _last = (weakref.ref(graph), index)
    return index, datas


class TieSummary:
    """What the monthly record needs from the graph: trust by pair of types, trusted and bridging ties.

    ``trust_by_types[(a, b)]`` lists the trust on every edge from a stakeholder of type ``a`` to
    one of type ``b``, in the graph's edge order; ``mean_trust`` is their mean as ``np.mean``
    computes it, to the last bit.
    """

    __slots__ = ("nodes", "_trust", "_by_types", "trusted", "bridging", "cross_type")

    def __init__(self, nodes: int, trust: list[float], by_types: dict[tuple, list[int]],
                 trusted: int, bridging: int, cross_type: int = 0):
        self.nodes = nodes
        self._trust = trust  # every edge's trust, in edge order
        self._by_types = by_types
        self.trusted = trusted  # directed ties with trust at or above the threshold
        self.bridging = bridging  # trusted ties joining different types, counted once per pair
        self.cross_type = cross_type  # ties joining different types, trusted or not, once per pair

    @property
    def trust_by_types(self) -> dict[tuple[str, str], list[float]]:
        trust = self._trust
        return {key: [trust[k] for k in positions] for key, positions in self._by_types.items()}

    def mean_trust(self, source_type: str, target_type: str) -> float:
        positions = self._by_types.get((source_type, target_type))
        if not positions:
            return float("nan")
        trust = self._trust
        if len(positions) >= PAIRWISE_BLOCK:
            return array_sum([trust[k] for k in positions]) / len(positions)
        total = 0.0  # array_sum's left-to-right loop, inlined: this runs six times a month
        for k in positions:
            total += trust[k]
        return total / len(positions)

    @property
    def trusted_density(self) -> float:
        n = self.nodes
        return self.trusted / (n * (n - 1)) if n >= 2 else 0.0


def tie_summary(graph: nx.DiGraph, threshold: float) -> TieSummary:
    """Trust by pair of types, trusted, bridging and cross-type ties, from the edges' trust alone.

    Where each edge belongs (its pair of types, whether it bridges types, its unordered pair of
    ends) comes from the graph's edge index, worked out when the structure changes; a month reads
    only the trust values.
    """
    index, datas = _index(graph)
    trust = [data["trust"] for data in datas]
    trusted = sum(map(operator.ge, trust, itertools.repeat(threshold)))  # ties with trust >= threshold
    pairs = index.pairs
    bridges = {pairs[i] for i, k in enumerate(index.cross) if trust[k] >= threshold}
    return TieSummary(len(index.nodes), trust, index.by_types, trusted, len(bridges), index.cross_pairs)


def trust_matrix(graph: nx.DiGraph, order: list[str]) -> np.ndarray:
    """Trust as a dense matrix, row i holding ``order[i]``'s trust in each other stakeholder.

    The same matrix as ``nx.to_numpy_array(graph, nodelist=order, weight="trust")`` (edges without
    a trust value count 1, edges to nodes outside ``order`` are left out). Which cell each edge
    fills is worked out once per structure and order (the graph's edge index); a month only reads
    the trust values into those cells.
    """
    return _matrix(graph, order, None)


def _matrix(graph: nx.DiGraph, order: list[str], threshold: float | None) -> np.ndarray:
    """``trust_matrix``, with trust below ``threshold`` (if given) left at 0."""
    index, datas = _index(graph)
    key = tuple(order)
    found = index.orders.get(key)
    if found is None:
        found = index.orders[key] = _cells(graph, index, order)
    positions, cells = found
    if positions is not None:  # some edges lead outside the order
        datas = [datas[k] for k in positions]
    trust = [data.get("trust", 1.0) for data in datas]
    if threshold is not None:
        trust = [0.0 if value < threshold else value for value in trust]
    n = len(order)
    matrix = np.zeros(n * n)
    matrix[cells] = trust
    return matrix.reshape(n, n)


def _cells(graph: nx.DiGraph, index: _EdgeIndex, order: list[str]) -> tuple[list[int] | None, np.ndarray]:
    """For ``trust_matrix``: the edges inside ``order`` (None for all) and the flat cell of each."""
    n = len(order)
    where = {node: k for k, node in enumerate(order)}
    if len(where) != n:
        raise ValueError("order lists a stakeholder twice")
    missing = [node for node in order if node not in graph]
    if missing:
        raise ValueError(f"order lists stakeholders that are not in the graph: {missing}")
    positions, cells = [], []
    for k, (u, v) in enumerate(index.edges):
        i, j = where.get(u), where.get(v)
        if i is not None and j is not None:
            positions.append(k)
            cells.append(i * n + j)
    return (None if len(positions) == len(index.edges) else positions), np.asarray(cells, dtype=np.intp)


def diffuse(graph: nx.DiGraph, order: list[str], values: np.ndarray, params: dict[str, float]) -> np.ndarray:
    """One synchronous round of trust-weighted bounded-confidence influence.

    Each stakeholder moves toward the views of those it trusts at least
    ``influence_trust_threshold`` and whose views are within ``confidence_bound`` of its own
    (Deffuant et al. 2000; Hegselmann & Krause 2002). Weights are the trust values.

    The matrix is dense (n x n) on purpose: its row sums fix the numbers a run produces to the
    last bit, and at the scenarios' sizes (tens of stakeholders) the dense arithmetic costs tens
    of microseconds a step. A sparse version would scale better for hundreds of stakeholders
    but would round differently (see docs/performance.md).
    """
    # The arithmetic is that of the matrix form (mask, row sums, guarded division), step by step:
    # trust below the threshold is left out as the matrix is filled (it was set to 0 after), and
    # the last, per-stakeholder step is done on plain floats (the same IEEE operations as numpy's
    # elementwise ones, without an array per operation).
    weights = _matrix(graph, order, params["influence_trust_threshold"])
    diff = values[None, :] - values[:, None]
    weights[np.abs(diff) > params["confidence_bound"]] = 0.0
    total = np.add.reduce(weights, axis=1).tolist()  # what .sum(axis=1) does, without its wrapper
    moved = np.add.reduce(weights * diff, axis=1).tolist()
    rate = params["influence_rate"]
    return np.array([value + rate * (pull / weight if weight > 0 else 0.0)
                     for value, pull, weight in zip(values.tolist(), moved, total)], dtype=float)
