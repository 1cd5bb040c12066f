"""Sensitivity indices on a synthetic runs table whose outcome is a known function of the settings.

With y = 4a + b (+ a little replicate noise) and c irrelevant, a's share of the variance is
16/17 and b's 1/17, so Sobol's total indices must rank a > b > c, with c near zero; Morris's mu*
must be about 4, 1 and 0. A model that ignored the sample order or the arms would fail these.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from stakesim.experiments import sensitivity
from stakesim.experiments.design import points
from stakesim.experiments.experiment_file import experiment_from_data

A, B, C = "parameters.trust_gain_rate", "parameters.trust_loss_rate", "parameters.experience_weight"


def experiment(design: dict):
    return experiment_from_data({
        "name": "synthetic", "scenario": "default", "design": design,
        "parameters": {A: {"low": 0.0, "high": 1.0}, B: {"low": 0.0, "high": 1.0}, C: {"low": 0.0, "high": 1.0}},
        "arms": ["baseline", "learning_space"], "replicates": 3,
        "outcomes": ["blockade_months", "peak_grievance"],
    })


def runs_table(exp, failed_point: int | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for i, point in enumerate(points(exp)):
        for arm in exp.arms:
            scale = 1.0 if arm == "baseline" else 0.5  # the arm halves a's effect: a still leads
            for r in range(exp.replicates):
                a, b = point[A], point[B]
                ok = not (failed_point == i and r == 0 and arm == "baseline")
                rows.append({"point": i, "arm": arm, "replicate": r, "seed": exp.seed + r,
                             "status": "ok" if ok else "failed", **point,
                             "blockade_months": (4 * scale * a + b + rng.normal(0, 0.01)) if ok else np.nan,
                             "peak_grievance": b - 2 * a})
    # shuffled: the analysis must put runs back in point order itself
    return pd.DataFrame(rows).sample(frac=1.0, random_state=1).reset_index(drop=True)


def ranked(table: pd.DataFrame, arm: str, outcome: str, measure: str) -> list[str]:
    mine = table[(table["arm"] == arm) & (table["outcome"] == outcome)]
    return list(mine.sort_values(measure, ascending=False)["parameter"])


def test_sobol_ranks_a_over_b_over_c():
    exp = experiment({"type": "sobol", "samples": 256})
    table = sensitivity.sobol_indices(runs_table(exp), exp)
    assert list(table.columns) == ["arm", "outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert len(table) == 2 * 2 * 3
    for arm in exp.arms:
        assert ranked(table, arm, "blockade_months", "ST") == [A, B, C]
        mine = table[(table["arm"] == arm) & (table["outcome"] == "blockade_months")].set_index("parameter")
        assert mine.loc[C, "ST"] < 0.01
        assert mine.loc[C, "S1"] == pytest.approx(0, abs=0.02)
    base = table[(table["arm"] == "baseline") & (table["outcome"] == "blockade_months")].set_index("parameter")
    assert base.loc[A, "ST"] == pytest.approx(16 / 17, abs=0.08)
    assert base.loc[B, "ST"] == pytest.approx(1 / 17, abs=0.03)
    assert ranked(table, "baseline", "peak_grievance", "ST") == [A, B, C]


def test_morris_ranks_a_over_b_over_c():
    exp = experiment({"type": "morris", "trajectories": 20})
    table = sensitivity.morris_indices(runs_table(exp), exp)
    assert list(table.columns)[:6] == ["arm", "outcome", "parameter", "mu_star", "mu_star_conf", "sigma"]
    assert ranked(table, "baseline", "blockade_months", "mu_star") == [A, B, C]
    base = table[(table["arm"] == "baseline") & (table["outcome"] == "blockade_months")].set_index("parameter")
    assert base.loc[A, "mu_star"] == pytest.approx(4, abs=0.1)
    assert base.loc[B, "mu_star"] == pytest.approx(1, abs=0.1)
    assert base.loc[C, "mu_star"] == pytest.approx(0, abs=0.1)
    space = table[(table["arm"] == "learning_space") & (table["outcome"] == "blockade_months")].set_index("parameter")
    assert space.loc[A, "mu_star"] == pytest.approx(2, abs=0.1)


def test_failed_replicates_are_left_out_of_the_means():
    exp = experiment({"type": "morris", "trajectories": 4})
    runs = runs_table(exp, failed_point=3)
    means = sensitivity.point_means(runs, exp, "baseline", "blockade_months")
    assert len(means) == len(points(exp)) and not np.isnan(means).any()


def test_a_point_without_any_run_is_an_error():
    exp = experiment({"type": "sobol", "samples": 8})
    runs = runs_table(exp)
    runs = runs[~((runs["point"] == 5) & (runs["arm"] == "baseline"))]
    with pytest.raises(ValueError, match="point\\(s\\) 5"):
        sensitivity.sobol_indices(runs, exp)


def test_indices_need_their_design():
    exp = experiment({"type": "latin_hypercube", "samples": 10})
    runs = runs_table(exp)
    assert sensitivity.indices(runs, exp) is None
    with pytest.raises(ValueError, match="sobol design"):
        sensitivity.sobol_indices(runs, exp)


def test_index_figures_are_figures():
    exp = experiment({"type": "sobol", "samples": 32})
    sobol_table = sensitivity.sobol_indices(runs_table(exp), exp)
    assert isinstance(sensitivity.index_figure(sobol_table), Figure)
    exp = experiment({"type": "morris", "trajectories": 5})
    morris_table = sensitivity.morris_indices(runs_table(exp), exp)
    figure = sensitivity.index_figure(morris_table)
    assert isinstance(figure, Figure)
    assert "mu*" in figure.axes[0].get_xlabel()


def test_heatmap_is_a_figure():
    exp = experiment({"type": "latin_hypercube", "samples": 40})
    runs = runs_table(exp)
    figure = sensitivity.heatmap(runs, A, B, "blockade_months", arm="baseline")
    assert isinstance(figure, Figure)
    with pytest.raises(ValueError, match="arms"):
        sensitivity.heatmap(runs, A, B, "blockade_months")  # two arms: name one
    one_arm = runs[runs["arm"] == "baseline"]
    assert isinstance(sensitivity.heatmap(one_arm, A, B, "blockade_months"), Figure)


def test_heatmap_of_levels_shows_each_level():
    exp = experiment_from_data({
        "name": "grid", "scenario": "default", "design": {"type": "full_factorial"},
        "parameters": {A: {"levels": [0.1, 0.2, 0.3]}, B: {"low": 0.0, "high": 1.0, "levels": 4}},
    })
    rows = [{"point": i, "arm": "baseline", "replicate": 0, "seed": 0, "status": "ok", **p,
             "blockade_months": p[A] * 10 + p[B]} for i, p in enumerate(points(exp))]
    figure = sensitivity.heatmap(pd.DataFrame(rows), A, B, "blockade_months")
    image = figure.axes[0].images[0].get_array()
    assert image.shape == (4, 3)
    assert image[0, 0] == pytest.approx(1.0) and image[3, 2] == pytest.approx(4.0)
