"""The library API every front door shares: simulate, compare, and a keyword-built MiningModel."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import mesa
import numpy as np
import pandas as pd
import pytest

import stakesim
from stakesim.scenarios import ScenarioError, load_scenario
from stakesim.simulator.metrics import COLUMNS


def test_simulate_by_name_with_seed_steps_and_overrides():
    result = stakesim.simulate("default", seed=4, steps=12, overrides={"parameters.trust_loss_rate": 0.4})
    assert len(result.timeseries) == 12
    assert result.provenance["seed"] == 4
    assert result.provenance["parameters"]["trust_loss_rate"] == 0.4
    assert result.provenance["stakesim_version"] == stakesim.__version__
    again = stakesim.simulate("default", seed=4, steps=12, overrides=["parameters.trust_loss_rate=0.4"])
    pd.testing.assert_frame_equal(result.timeseries, again.timeseries)


def test_simulate_accepts_a_scenario_object_and_raw_data(sim):
    data = sim.scenario()
    from_data = stakesim.simulate(data, seed=1)
    from_object = stakesim.simulate(load_scenario(data), seed=1)
    pd.testing.assert_frame_equal(from_data.timeseries, from_object.timeseries)


def test_simulate_without_seed_draws_and_records_one():
    first, second = stakesim.simulate("default", steps=24), stakesim.simulate("default", steps=24)
    assert first.provenance["seed"] != second.provenance["seed"]
    repeat = stakesim.simulate("default", steps=24, seed=first.provenance["seed"])
    pd.testing.assert_frame_equal(first.timeseries, repeat.timeseries)


def test_simulate_bad_input_is_a_scenario_error():
    with pytest.raises(ScenarioError, match="trust_loss_rate"):
        stakesim.simulate("default", overrides={"parameters.trust_loss_rate": 7})
    with pytest.raises(ScenarioError, match="nonexistent"):
        stakesim.simulate("nonexistent")


def test_compare_end_to_end(sim, tmp_path):
    comparison = stakesim.compare(sim.scenario(), arms=["baseline", "negotiation_table"], replicates=3, seed=5)
    table = comparison.summary_table()
    assert set(table["arm"]) == {"baseline", "negotiation_table"}
    assert (table.loc[table["arm"] == "baseline", "n"] == 3).all()
    # paired: the same seeds in every arm, replicate r uses seed + r
    assert sorted(comparison.summaries["seed"].unique()) == [5, 6, 7]
    figures = comparison.figures()
    assert figures and all(type(f).__name__ == "Figure" for f in figures.values())
    written = comparison.write_report(tmp_path / "out")
    assert (tmp_path / "out" / "report.html").is_file() and written


def test_compare_matches_simulate_for_the_same_seed(sim):
    comparison = stakesim.compare(sim.scenario(), arms="baseline", replicates=2, seed=3)
    single = stakesim.simulate(sim.scenario(), seed=4)
    run = comparison.results[comparison.results["replicate"] == 1].drop(columns=["arm", "replicate", "seed"])
    pd.testing.assert_frame_equal(run.reset_index(drop=True), single.timeseries, check_dtype=False)


def test_mining_model_from_keywords_equals_the_scenario_route():
    kw = stakesim.MiningModel(scenario="default", seed=2, trust_loss_rate=0.2)
    kw.run()
    plain = stakesim.simulate("default", seed=2, overrides={"parameters.trust_loss_rate": 0.2})
    frame = kw.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    pd.testing.assert_frame_equal(frame, plain.timeseries.drop(columns="step"), check_dtype=False)


def test_mining_model_without_seed_gives_different_runs():
    runs = [stakesim.MiningModel(overrides={"steps": 36}).run() for _ in range(2)]
    assert runs[0].seed != runs[1].seed
    rows = [m.datacollector.get_model_vars_dataframe() for m in runs]
    assert not rows[0].equals(rows[1])


def test_mining_model_rng_is_accepted_as_mesa_names_it():
    assert stakesim.MiningModel(rng=7).seed == 7
    generator_seeded = [stakesim.MiningModel(rng=np.random.default_rng(1)).seed for _ in range(2)]
    assert generator_seeded[0] == generator_seeded[1]
    with pytest.raises(ValueError, match="either seed or rng"):
        stakesim.MiningModel(seed=1, rng=1)


def test_mining_model_unknown_parameter_names_it():
    with pytest.raises(ScenarioError, match="trust_los_rate"):
        stakesim.MiningModel(trust_los_rate=0.3)


def _batch_run(parameters: dict, seeds: list) -> list[dict]:
    """mesa.batch_run with given seeds, as each Mesa 3.x asks for them.

    Mesa 3.4+ takes seeds as ``rng=[...]`` and passes each to the model (as ``seed``, which the
    model's signature has); earlier Mesa takes them among the parameters, or ``iterations``
    runs with none.
    """
    options = dict(number_processes=1, max_steps=10_000, display_progress=False)
    if "rng" in inspect.signature(mesa.batch_run).parameters:
        return mesa.batch_run(stakesim.MiningModel, parameters=parameters, rng=seeds, **options)
    if all(seed is None for seed in seeds):
        return mesa.batch_run(stakesim.MiningModel, parameters=parameters, iterations=len(seeds), **options)
    return mesa.batch_run(stakesim.MiningModel, parameters={**parameters, "seed": seeds}, **options)


def test_batch_run_with_keyword_parameters_equals_stakesim_run(tmp_path):
    rows = _batch_run({"scenario": "default", "trust_loss_rate": [0.2, 0.4]}, seeds=[3])
    assert len(rows) == 2
    for row in rows:
        out = tmp_path / f"loss-{row['trust_loss_rate']}"
        subprocess.run([sys.executable, "-m", "stakesim.cli", "run", "default", "--seed", "3", "--set",
                        f"parameters.trust_loss_rate={row['trust_loss_rate']}", "--out", str(out)],
                       check=True, capture_output=True)
        last = pd.read_csv(out / "timeseries.csv", float_precision="round_trip").iloc[-1]
        for column in COLUMNS:
            expected, got = last[column], row[column]
            if isinstance(expected, str) or isinstance(got, (str, bool, np.bool_)):
                assert str(got) == str(expected), column
            elif pd.isna(expected):
                assert got is None or np.isnan(got), column
            else:
                assert got == float(expected), column
        summary = json.loads((out / "summary.json").read_text())
        assert summary["provenance"]["seed"] == 3


def test_batch_run_iterations_without_seed_differ():
    rows = _batch_run({"scenario": "default"}, seeds=[None, None])
    assert len(rows) == 2
    assert rows[0]["grievance_mean"] != rows[1]["grievance_mean"]


def test_numpy_scalars_from_a_sweep_are_accepted_as_parameters():
    """Samplers hand out numpy scalars; strict validation must still take them as numbers."""
    from stakesim.simulator.model import MiningModel as EngineModel

    model = EngineModel(load_scenario("default"), seed=0, trust_loss_rate=np.float64(0.2),
                        suspension_months=np.int64(5))
    assert model.p["trust_loss_rate"] == 0.2 and model.p["suspension_months"] == 5
