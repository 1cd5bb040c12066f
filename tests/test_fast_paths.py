"""The speed-ups of the engine's bookkeeping give the numbers of the plain versions, to the last bit.

``simulator/numbers.py`` adds short lists of floats as numpy does and reduces columns as pandas
does; ``simulator/graph.py`` keeps an index of the graph's structure between months. These tests
hold them to the straightforward computations, on awkward values and on graphs changed behind
the index's back, on whatever numpy and pandas are installed (``make test-newest`` runs the
newest). No timing here: see benchmarks/.
"""

from __future__ import annotations

import math
import struct

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from stakesim.simulator import graph as trust_graph
from stakesim.simulator.numbers import array_sum, column_max, column_mean, column_sum


def bits(x: float) -> bytes:
    return struct.pack("<d", x)  # tells 0.0 from -0.0 and compares NaNs


def awkward_lists(rng: np.random.Generator, lengths):
    for n in lengths:
        for _ in range(300):
            scale = 10.0 ** rng.integers(-12, 12, n)
            yield (rng.standard_normal(n) * scale).tolist()
    yield [-0.0]
    yield [-0.0, -0.0]
    yield [0.1, 0.2, 0.3]
    yield [1e16, 1.0, -1e16]


def test_array_sum_is_numpys_sum_to_the_last_bit():
    rng = np.random.default_rng(1)
    for values in awkward_lists(rng, range(0, 20)):
        expected = float(np.add.reduce(np.asarray(values, dtype=float)))
        assert bits(array_sum(values)) == bits(expected), values


def with_missing(rng: np.random.Generator):
    for n in (0, 1, 5, 240):
        values = (rng.standard_normal(n) * 10.0 ** rng.integers(-6, 6, n)).tolist()
        yield values
        if n:
            holes = [math.nan if rng.random() < 0.3 else v for v in values]
            yield holes
            yield [math.nan] * n


def test_column_reductions_are_pandas_own():
    rng = np.random.default_rng(2)
    for values in with_missing(rng):
        series = pd.Series(values, dtype=float)
        for mine, theirs in ((column_sum, series.sum), (column_mean, series.mean), (column_max, series.max)):
            assert bits(mine(values)) == bits(float(theirs())), (mine.__name__, values)
            assert bits(mine(series)) == bits(float(theirs())), (mine.__name__, values)


# --------------------------------------------------------------------------- the graph's edge index
def reference_summary(graph: nx.DiGraph, threshold: float):
    """What tie_summary reports, computed the plain way from graph.edges."""
    types = dict(graph.nodes(data="type"))
    by_types: dict = {}
    trusted, bridges = 0, set()
    for u, v, t in graph.edges(data="trust"):
        by_types.setdefault((types[u], types[v]), []).append(t)
        if t >= threshold:
            trusted += 1
            if types[u] != types[v]:
                bridges.add(frozenset((u, v)))
    means = {key: float(np.mean(values)) for key, values in by_types.items()}
    return means, trusted, len(bridges)


def check(graph: nx.DiGraph, threshold: float = 0.5) -> None:
    summary = trust_graph.tie_summary(graph, threshold)
    means, trusted, bridging = reference_summary(graph, threshold)
    assert {key: bits(summary.mean_trust(*key)) for key in means} == {k: bits(v) for k, v in means.items()}
    assert math.isnan(summary.mean_trust("nobody", "nothing"))
    assert (summary.trusted, summary.bridging) == (trusted, bridging)
    n = graph.number_of_nodes()
    assert summary.trusted_density == (trusted / (n * (n - 1)) if n >= 2 else 0.0)
    order = sorted(graph)
    expected = nx.to_numpy_array(graph, nodelist=order, weight="trust")
    assert np.array_equal(trust_graph.trust_matrix(graph, order), expected)
    part = order[: max(1, len(order) // 2)]  # edges leading outside the order are left out
    assert np.array_equal(trust_graph.trust_matrix(graph, part),
                          nx.to_numpy_array(graph, nodelist=part, weight="trust"))


def small_graph(rng: np.random.Generator, n: int = 7) -> nx.DiGraph:
    graph = nx.DiGraph()
    kinds = ["community", "community", "company", "local_government", "cso", "community", "cso"]
    for k in range(n):
        graph.add_node(f"n{k}", type=kinds[k % len(kinds)])
    for u in graph:
        for v in graph:
            if u != v and rng.random() < 0.5:
                graph.add_edge(u, v, trust=float(rng.random()), kind="existing")
    return graph


def test_index_follows_the_graph_through_every_kind_of_change():
    rng = np.random.default_rng(3)
    graph = small_graph(rng)
    check(graph)
    for u, v, data in graph.edges(data=True):  # trust changes in place, as the model changes it
        data["trust"] = float(rng.random())
    check(graph)
    trust_graph.add_tie(graph, "n0", "n6", 0.9, "intervention")  # a new tie (both ways)
    check(graph)
    u, v = next(iter(graph.edges))
    trust = graph[u][v]["trust"]
    graph.remove_edge(u, v)  # the same number of edges, a different one
    w = next(x for x in graph if x != u and not graph.has_edge(u, x))
    graph.add_edge(u, w, trust=trust, kind="existing")
    check(graph)
    graph.remove_edge(u, w)  # an edge back where it was, with a new attribute dict
    graph.add_edge(u, v, trust=0.25, kind="existing")
    check(graph)
    graph.add_node("lonely", type="cso")  # a node without ties still counts for the density
    check(graph)
    graph.nodes["n1"]["type"] = "cso"  # a stakeholder's type changed in place
    check(graph)
    graph.add_edge("n2", "n3", trust=0.75)  # an update of an existing edge keeps its dict
    check(graph)
    copy = graph.copy()  # another graph object: its own index
    copy["n2"]["n3"]["trust"] = 0.1
    check(copy)
    check(graph)


def test_index_of_larger_graphs():  # eight and more ties of a kind: means from numpy's pairwise sum
    rng = np.random.default_rng(5)
    for n in (8, 20, 40):
        check(small_graph(rng, n))


def test_diffuse_is_the_matrix_arithmetic():
    rng = np.random.default_rng(4)
    for trial in range(60):
        graph = small_graph(rng, (3, 7, 12, 30)[trial % 4])
        order = list(graph)
        values = rng.random(len(order))
        params = {"influence_trust_threshold": float(rng.random()), "confidence_bound": float(rng.random()),
                  "influence_rate": float(rng.random())}
        weights = nx.to_numpy_array(graph, nodelist=order, weight="trust")
        weights[weights < params["influence_trust_threshold"]] = 0.0
        diff = values[None, :] - values[:, None]
        weights[np.abs(diff) > params["confidence_bound"]] = 0.0
        total = weights.sum(axis=1)
        pull = np.divide((weights * diff).sum(axis=1), total, out=np.zeros_like(values), where=total > 0)
        expected = values + params["influence_rate"] * pull
        got = trust_graph.diffuse(graph, order, values, params)
        assert got.dtype == expected.dtype and got.tobytes() == expected.tobytes()


@pytest.mark.parametrize("order", [["a", "a"], ["a", "zz"]])
def test_trust_matrix_refuses_a_bad_order(order):
    graph = nx.DiGraph()
    graph.add_edge("a", "b", trust=0.5)
    with pytest.raises(ValueError):
        trust_graph.trust_matrix(graph, order)
