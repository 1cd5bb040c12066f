"""The relationship graph: a directed graph whose edge i->j carries i's trust in j and the tie's kind."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np

from scenarios.schema import Scenario


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
    if not graph.has_edge(i, j):
        return
    edge = graph[i][j]
    t = edge["trust"]
    t += weight * (params["trust_gain_rate"] * good * (1.0 - t) - params["trust_loss_rate"] * bad * t)
    edge["trust"] = min(1.0, max(0.0, t))


def trust(graph: nx.DiGraph, i: str, j: str, default: float = 0.0) -> float:
    return graph[i][j]["trust"] if graph.has_edge(i, j) else default


def add_tie(graph: nx.DiGraph, i: str, j: str, trust_value: float, kind: str) -> bool:
    """Add a tie both ways if absent; returns True when a new tie was created."""
    created = False
    for u, v in ((i, j), (j, i)):
        if not graph.has_edge(u, v):
            graph.add_edge(u, v, trust=trust_value, kind=kind)
            created = True
    return created


def mean_trust(graph: nx.DiGraph, source_type: str, target_type: str) -> float:
    """Mean trust on edges from stakeholders of one type to stakeholders of another."""
    types = graph.nodes
    values = [d["trust"] for u, v, d in graph.edges(data=True)
              if types[u]["type"] == source_type and types[v]["type"] == target_type]
    return float(np.mean(values)) if values else float("nan")


def trusted_tie_density(graph: nx.DiGraph, threshold: float) -> float:
    """Share of all possible directed ties that exist and are trusted."""
    n = graph.number_of_nodes()
    if n < 2:
        return 0.0
    trusted = sum(1 for _, _, d in graph.edges(data=True) if d["trust"] >= threshold)
    return trusted / (n * (n - 1))


def bridging_ties(graph: nx.DiGraph, threshold: float) -> int:
    """Trusted ties that join stakeholders of different types (counted once per pair)."""
    types = graph.nodes
    pairs = {tuple(sorted((u, v))) for u, v, d in graph.edges(data=True)
             if d["trust"] >= threshold and types[u]["type"] != types[v]["type"]}
    return len(pairs)


def diffuse(graph: nx.DiGraph, order: list[str], values: np.ndarray, params: dict[str, float]) -> np.ndarray:
    """One synchronous round of trust-weighted bounded-confidence influence.

    Each stakeholder moves toward the views of those it trusts at least
    ``influence_trust_threshold`` and whose views are within ``confidence_bound`` of its own
    (Deffuant et al. 2000; Hegselmann & Krause 2002). Weights are the trust values.
    """
    weights = nx.to_numpy_array(graph, nodelist=order, weight="trust")
    weights[weights < params["influence_trust_threshold"]] = 0.0
    diff = values[None, :] - values[:, None]
    weights[np.abs(diff) > params["confidence_bound"]] = 0.0
    total = weights.sum(axis=1)
    pull = np.divide((weights * diff).sum(axis=1), total, out=np.zeros_like(values), where=total > 0)
    return values + params["influence_rate"] * pull
