"""A run is a pure function of (scenario, parameters, seed).

Same inputs give identical tables, in this process and in a fresh one (so nothing depends on
import order, hash randomisation or leftover global state); a different seed gives a different
run; the relationship graph, including its randomly generated ties, is rebuilt identically.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pandas as pd
from pandas.testing import assert_frame_equal

from stakesim.scenarios.loader import load_scenario
from stakesim.simulator.model import MiningModel
from stakesim.simulator.run import run_scenario

BIN = Path(sys.executable).parent


def _with_random_ties(sim) -> dict:
    data = sim.scenario(communities=2)
    data["stakeholders"].append({"id": "chamber", "type": "cso", "role": "chamber_of_commerce"})
    data["random_ties"] = [
        {"between": ["community", "cso"], "probability": 0.5, "trust": 0.5, "trust_sd": 0.2},
        {"between": ["community", "community"], "probability": 0.5, "trust": 0.6, "trust_sd": 0.2},
        {"between": ["company", "cso"], "probability": 0.5, "trust": 0.4, "trust_sd": 0.2},
    ]
    return data


def _edges(graph: nx.DiGraph) -> list[tuple]:
    return sorted((u, v, d["trust"], d["kind"]) for u, v, d in graph.edges(data=True))


def test_same_seed_gives_identical_tables(sim):
    data = _with_random_ties(sim)
    first, second = sim.run(data, seed=5), sim.run(data, seed=5)
    assert_frame_equal(first.timeseries, second.timeseries, check_exact=True)
    assert first.summary == second.summary
    assert first.provenance == second.provenance


def test_same_seed_gives_identical_tables_for_a_builtin_scenario():
    scenario = load_scenario("default", ["parameters.trust_loss_rate=0.35"])
    first = run_scenario(scenario, seed=3, steps=80)
    second = run_scenario(scenario, seed=3, steps=80)
    assert_frame_equal(first.timeseries, second.timeseries, check_exact=True)
    assert first.summary == second.summary


def test_different_seeds_give_different_tables(sim):
    data = _with_random_ties(sim)
    a, b = sim.run(data, seed=1).timeseries, sim.run(data, seed=2).timeseries
    numeric = [c for c in a.columns if pd.api.types.is_float_dtype(a[c])]
    differing = [c for c in numeric if not a[c].equals(b[c])]
    assert "grievance_mean" in differing and "trust_community_cso" in differing, differing


def test_same_seed_builds_the_same_graph(sim):
    scenario = sim.build(_with_random_ties(sim))
    graphs = [MiningModel(scenario, seed=9).graph for _ in range(2)]
    assert _edges(graphs[0]) == _edges(graphs[1])
    assert dict(graphs[0].nodes(data=True)) == dict(graphs[1].nodes(data=True))
    # Ties to the chamber can only come from the random_ties rule, so some must have been drawn.
    drawn = [e for e in _edges(graphs[0]) if "chamber" in e[:2]]
    assert drawn, "the test scenario should generate some random ties with seed 9"


def test_different_seeds_build_different_random_ties(sim):
    scenario = sim.build(_with_random_ties(sim))
    edge_sets = {seed: _edges(MiningModel(scenario, seed=seed).graph) for seed in range(4)}
    assert len({tuple(edges) for edges in edge_sets.values()}) > 1


def test_a_fresh_process_reproduces_the_run(tmp_path):
    """The CLI in a new interpreter writes the same CSV and summary as a run in this process."""
    fresh = tmp_path / "fresh"
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    done = subprocess.run(
        [str(BIN / "stakesim"), "run", "default", "--seed", "7", "--steps", "60", "--out", str(fresh)],
        capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr

    here = tmp_path / "here"
    run_scenario(load_scenario("default"), seed=7, steps=60).write(here)

    assert (fresh / "timeseries.csv").read_bytes() == (here / "timeseries.csv").read_bytes()
    assert_frame_equal(pd.read_csv(fresh / "timeseries.csv"), pd.read_csv(here / "timeseries.csv"),
                       check_exact=True)
    fresh_summary = json.loads((fresh / "summary.json").read_text())
    here_summary = json.loads((here / "summary.json").read_text())
    # Provenance may one day record when and where a run was made; its inputs must match.
    fresh_inputs, here_inputs = fresh_summary.pop("provenance"), here_summary.pop("provenance")
    for key in ("scenario", "seed", "steps", "parameters"):
        assert fresh_inputs[key] == here_inputs[key], key
    assert fresh_summary == here_summary
    assert json.loads(done.stdout) == here_summary
