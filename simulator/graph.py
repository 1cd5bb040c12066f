"""The relationship graph: a directed graph whose edge i->j carries i's trust in j and the tie's kind."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import networkx as nx
import numpy as np

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
    # get_edge_data returns the edge's own attribute dict (None when there is no edge): one
    # lookup instead of has_edge plus graph[i][j], which builds two view objects per call.
    edge = graph.get_edge_data(i, j)
    if edge is None:
        return
    t = edge["trust"]
    t += weight * (params["trust_gain_rate"] * good * (1.0 - t) - params["trust_loss_rate"] * bad * t)
    edge["trust"] = min(1.0, max(0.0, t))


def trust(graph: nx.DiGraph, i: str, j: str, default: float = 0.0) -> float:
    edge = graph.get_edge_data(i, j)
    return default if edge is None else edge["trust"]


def add_tie(graph: nx.DiGraph, i: str, j: str, trust_value: float, kind: str) -> bool:
    """Add a tie both ways if absent; returns True when a new tie was created."""
    created = False
    for u, v in ((i, j), (j, i)):
        if not graph.has_edge(u, v):
            graph.add_edge(u, v, trust=trust_value, kind=kind)
            created = True
    return created


@dataclass
class TieSummary:
    """What the monthly record needs from the graph, gathered in one pass over the edges.

    ``trust_by_types[(a, b)]`` lists the trust on every edge from a stakeholder of type ``a`` to
    one of type ``b``, in the graph's edge order (so means computed from it are the same, to the
    last bit, as means over ``graph.edges``).
    """

    nodes: int
    trust_by_types: dict[tuple[str, str], list[float]]
    trusted: int  # directed ties with trust at or above the threshold
    bridging: int  # trusted ties joining different types, counted once per pair

    def mean_trust(self, source_type: str, target_type: str) -> float:
        values = self.trust_by_types.get((source_type, target_type))
        if not values:
            return float("nan")
        # np.mean's own arithmetic (a pairwise sum, then one division) without its overhead.
        return float(np.add.reduce(np.asarray(values, dtype=float)) / len(values))

    @property
    def trusted_density(self) -> float:
        n = self.nodes
        return self.trusted / (n * (n - 1)) if n >= 2 else 0.0


def tie_summary(graph: nx.DiGraph, threshold: float) -> TieSummary:
    """Trust by pair of types, trusted ties and bridging ties, from a single pass over the edges.

    The per-step reporters need all three; one pass over the raw adjacency dicts costs about
    what one pass through ``graph.edges(data=True)`` did for each of eight reporters.
    """
    types = dict(graph.nodes(data="type"))
    by_types: dict[tuple[str, str], list[float]] = {}
    trusted = 0
    bridges = set()
    for u, neighbours in graph.adjacency():
        type_u = types[u]
        for v, data in neighbours.items():
            value = data["trust"]
            key = (type_u, types[v])
            values = by_types.get(key)
            if values is None:
                by_types[key] = [value]
            else:
                values.append(value)
            if value >= threshold:
                trusted += 1
                if key[0] != key[1]:
                    bridges.add((u, v) if u < v else (v, u))
    return TieSummary(graph.number_of_nodes(), by_types, trusted, len(bridges))


def trust_matrix(graph: nx.DiGraph, order: list[str]) -> np.ndarray:
    """Trust as a dense matrix, row i holding ``order[i]``'s trust in each other stakeholder.

    The same matrix as ``nx.to_numpy_array(graph, nodelist=order, weight="trust")`` (edges without
    a trust value count 1, edges to nodes outside ``order`` are left out), built straight from the
    adjacency dicts: the generic converter's dispatch and checks cost more than the filling
    itself for graphs of this size.
    """
    n = len(order)
    index = {node: k for k, node in enumerate(order)}
    if len(index) != n:
        raise ValueError("order lists a stakeholder twice")
    missing = [node for node in order if node not in graph]
    if missing:
        raise ValueError(f"order lists stakeholders that are not in the graph: {missing}")
    cells, values = [], []  # flat positions i * n + j and the trust there
    for u, neighbours in graph.adjacency():
        i = index.get(u)
        if i is None:
            continue
        row = i * n
        for v, data in neighbours.items():
            j = index.get(v)
            if j is not None:
                cells.append(row + j)
                values.append(data.get("trust", 1.0))
    matrix = np.zeros(n * n)
    matrix[cells] = values
    return matrix.reshape(n, n)


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
    weights = trust_matrix(graph, order)
    weights[weights < params["influence_trust_threshold"]] = 0.0
    diff = values[None, :] - values[:, None]
    weights[np.abs(diff) > params["confidence_bound"]] = 0.0
    total = weights.sum(axis=1)
    pull = np.divide((weights * diff).sum(axis=1), total, out=np.zeros_like(values), where=total > 0)
    return values + params["influence_rate"] * pull
