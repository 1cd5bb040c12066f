"""Sensitivity indices from an experiment's runs: Sobol and Morris, per arm, as tidy tables.

The runs table has one row per run: ``point`` (the index into ``design.points``), ``arm``,
``replicate``, ``seed``, ``status``, one column per varied setting (named by its dotted path) and
one column per outcome. Replicates are averaged per point first (runs whose ``status`` is not
``ok`` are left out), and the analyses see the points in design order:

- ``sobol_indices``: SALib's Sobol analysis (first-order S1 and total ST, with confidence
  half-widths) of a Sobol design;
- ``morris_indices``: SALib's Morris elementary effects (mu_star, its confidence, sigma) of a
  Morris design, with the sample matrix rebuilt from the experiment (``design.sample_matrix``).
  SALib measures each elementary effect per grid step as a share of the parameter's range, so
  mu* is in the outcome's unit and comparable across parameters with different ranges (for a
  list of levels, a step moves across about two thirds of the levels).

``index_figure`` draws either table as bars per parameter, one panel per outcome; ``heatmap``
draws an outcome's mean over two settings. matplotlib and SALib's analyses are imported inside
the functions: a single run never loads them.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stakesim.experiments.design import problem, sample_matrix
from stakesim.experiments.experiment_file import Experiment

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

OK = "ok"
SOBOL_COLUMNS = ["arm", "outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
MORRIS_COLUMNS = ["arm", "outcome", "parameter", "mu_star", "mu_star_conf", "sigma", "mu"]
RESAMPLES = 100
CONF_LEVEL = 0.95


def _ok_runs(runs: pd.DataFrame) -> pd.DataFrame:
    if "status" in runs.columns:
        return runs[runs["status"].astype(str).str.lower() == OK]
    return runs


def _numeric_outcomes(runs: pd.DataFrame, experiment: Experiment, outcomes) -> list[str]:
    if outcomes is None:
        outcomes = [o for o in experiment.outcomes if o in runs.columns]
    else:
        missing = [o for o in outcomes if o not in runs.columns]
        if missing:
            raise ValueError(f"the runs table has no column {missing[0]!r}; outcomes in it: "
                             f"{', '.join(o for o in experiment.outcomes if o in runs.columns)}")
    numeric = []
    for o in outcomes:
        values = runs[o]
        if values.dtype == bool or pd.api.types.is_numeric_dtype(values) or \
                pd.to_numeric(values.dropna().astype(object), errors="coerce").notna().all():
            numeric.append(o)
    return numeric


def point_means(runs: pd.DataFrame, experiment: Experiment, arm: str, outcome: str) -> np.ndarray:
    """One arm's mean of ``outcome`` per point over its ``ok`` replicates, in design order.

    A point with no usable run (every replicate failed, or the outcome is missing) cannot be left
    out of a Sobol or Morris analysis: that is a ValueError naming the points.
    """
    from stakesim.experiments.design import points

    count = len(points(experiment))
    mine = _ok_runs(runs)
    mine = mine[mine["arm"].astype(str) == arm]
    values = pd.to_numeric(mine[outcome].astype("float64"), errors="coerce")
    means = values.groupby(mine["point"].astype(int)).mean().reindex(range(count))
    empty = [int(i) for i in means.index[means.isna()]]
    if empty:
        shown = ", ".join(map(str, empty[:10])) + (f", ... ({len(empty)} in all)" if len(empty) > 10 else "")
        raise ValueError(f"arm {arm!r}, outcome {outcome!r}: no usable run at point(s) {shown}; Sobol and "
                         f"Morris analyses need every point of the design")
    return means.to_numpy(dtype=float)


def _arms(runs: pd.DataFrame, experiment: Experiment, arms) -> list[str]:
    if arms is None:
        present = set(runs["arm"].astype(str))
        return [a for a in experiment.arms if a in present]
    return list(arms)


def sobol_indices(runs: pd.DataFrame, experiment: Experiment, outcomes=None, arms=None) -> pd.DataFrame:
    """Per arm, outcome and parameter: S1, S1_conf, ST, ST_conf (SALib.analyze.sobol)."""
    if experiment.design.type != "sobol":
        raise ValueError(f"Sobol indices need a sobol design; experiment {experiment.name!r} uses "
                         f"{experiment.design.type!r}")
    from SALib.analyze import sobol

    prob = problem(experiment)
    rows = []
    for arm in _arms(runs, experiment, arms):
        for outcome in _numeric_outcomes(runs, experiment, outcomes):
            y = point_means(runs, experiment, arm, outcome)
            if np.ptp(y) == 0:  # a constant outcome: no variance to decompose
                result = {key: np.full(prob["num_vars"], np.nan) for key in ("S1", "S1_conf", "ST", "ST_conf")}
            else:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    result = sobol.analyze(prob, y, calc_second_order=experiment.design.second_order,
                                           num_resamples=RESAMPLES, conf_level=CONF_LEVEL, seed=experiment.seed)
            for i, name in enumerate(prob["names"]):
                rows.append({"arm": arm, "outcome": outcome, "parameter": name,
                             **{key: float(result[key][i]) for key in ("S1", "S1_conf", "ST", "ST_conf")}})
    return pd.DataFrame(rows, columns=SOBOL_COLUMNS)


def morris_indices(runs: pd.DataFrame, experiment: Experiment, outcomes=None, arms=None) -> pd.DataFrame:
    """Per arm, outcome and parameter: mu_star, mu_star_conf, sigma and mu (SALib.analyze.morris)."""
    if experiment.design.type != "morris":
        raise ValueError(f"Morris indices need a morris design; experiment {experiment.name!r} uses "
                         f"{experiment.design.type!r}")
    from SALib.analyze import morris

    prob = problem(experiment)
    x = sample_matrix(experiment)
    rows = []
    for arm in _arms(runs, experiment, arms):
        for outcome in _numeric_outcomes(runs, experiment, outcomes):
            y = point_means(runs, experiment, arm, outcome)
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                result = morris.analyze(prob, x, y, num_resamples=RESAMPLES, conf_level=CONF_LEVEL,
                                        num_levels=experiment.design.levels, seed=experiment.seed)
            for i, name in enumerate(prob["names"]):
                rows.append({"arm": arm, "outcome": outcome, "parameter": name,
                             "mu_star": float(result["mu_star"][i]),
                             "mu_star_conf": float(result["mu_star_conf"][i]),
                             "sigma": float(result["sigma"][i]), "mu": float(result["mu"][i])})
    return pd.DataFrame(rows, columns=MORRIS_COLUMNS)


def indices(runs: pd.DataFrame, experiment: Experiment, outcomes=None, arms=None) -> pd.DataFrame | None:
    """The indices the experiment's design supports (Sobol or Morris), else None."""
    if experiment.design.type == "sobol":
        return sobol_indices(runs, experiment, outcomes, arms)
    if experiment.design.type == "morris":
        return morris_indices(runs, experiment, outcomes, arms)
    return None


# --------------------------------------------------------------------------- figures
def _short(name: str) -> str:
    """A dotted path without the ``parameters.`` prefix, for axis labels."""
    return name.removeprefix("parameters.")


def index_figure(table: pd.DataFrame, measure: str | None = None, top: int | None = 20) -> "Figure":
    """Bars of ST (Sobol) or mu_star (Morris) per parameter, one panel per outcome, one bar per arm.

    ``measure`` defaults to ST when the table has it, else mu_star; error bars are the confidence
    half-widths. Parameters are sorted by their largest value over arms; ``top`` keeps the largest.
    """
    from matplotlib.figure import Figure

    if measure is None:
        measure = "ST" if "ST" in table.columns else "mu_star"
    if measure not in table.columns:
        raise ValueError(f"the table has no column {measure!r}")
    conf = f"{measure}_conf" if f"{measure}_conf" in table.columns else None
    outcomes = list(dict.fromkeys(table["outcome"]))
    arms = list(dict.fromkeys(table["arm"]))
    cols = min(3, max(len(outcomes), 1))
    nrows = -(-max(len(outcomes), 1) // cols)
    fig = Figure(figsize=(5 * cols, 0.5 + nrows * (1.2 + 0.28 * min(top or 99, table["parameter"].nunique() or 1))),
                 layout="constrained")
    axes = fig.subplots(nrows, cols, squeeze=False)
    width = 0.8 / max(len(arms), 1)
    for ax, outcome in zip(axes.flat, outcomes):
        mine = table[table["outcome"] == outcome]
        order = (mine.groupby("parameter")[measure].max().fillna(0).sort_values(ascending=True))
        if top:
            order = order.iloc[-top:]
        ypos = np.arange(len(order))
        for j, arm in enumerate(arms):
            rows = mine[mine["arm"] == arm].set_index("parameter").reindex(order.index)
            err = rows[conf].to_numpy(dtype=float) if conf else None
            ax.barh(ypos + (j - (len(arms) - 1) / 2) * width, rows[measure].to_numpy(dtype=float),
                    height=width, xerr=err, label=arm, capsize=2)
        ax.set_yticks(ypos, [_short(p) for p in order.index], fontsize=8)
        ax.set_title(outcome, fontsize=10)
        ax.set_xlabel({"ST": "total-order Sobol index ST", "S1": "first-order Sobol index S1",
                       "mu_star": "Morris mu* (mean |elementary effect|)"}.get(measure, measure))
        ax.axvline(0, color="0.5", linewidth=0.6)
    for ax in list(axes.flat)[len(outcomes):]:
        ax.set_visible(False)
    if len(arms) > 1 and outcomes:
        axes.flat[0].legend(fontsize=8, title="arm")
    return fig


MAX_DISCRETE = 12  # a setting with at most this many distinct values is shown value by value
BINS = 8


def _axis(values: pd.Series) -> tuple[pd.Series, list[str]]:
    """Values as categories: themselves when few, else equal-width bins; and their labels."""
    distinct = pd.unique(values.dropna())
    if len(distinct) <= MAX_DISCRETE:
        try:
            order = sorted(distinct)
        except TypeError:
            order = list(distinct)
        codes = values.map({v: i for i, v in enumerate(order)})
        return codes, [f"{v:.3g}" if isinstance(v, (float, np.floating)) else str(v) for v in order]
    binned = pd.cut(pd.to_numeric(values), BINS)
    labels = [f"{iv.left:.3g}-{iv.right:.3g}" for iv in binned.cat.categories]
    return pd.Series(binned.cat.codes, index=values.index).where(binned.notna()), labels


def heatmap(runs: pd.DataFrame, x: str, y: str, outcome: str, arm: str | None = None) -> "Figure":
    """An outcome's mean over two settings (binned when continuous), for one arm.

    ``arm`` may be left out when the table holds one arm only; pooling arms would mix treatments.
    Cells with no run are blank; each cell is annotated with its number of runs when few.
    """
    from matplotlib.figure import Figure

    for column in (x, y, outcome, "arm"):
        if column not in runs.columns:
            raise ValueError(f"the runs table has no column {column!r}")
    data = _ok_runs(runs)
    arms = list(dict.fromkeys(data["arm"].astype(str)))
    if arm is None:
        if len(arms) > 1:
            raise ValueError(f"the runs table holds {len(arms)} arms ({', '.join(arms)}); name one with arm=")
        arm = arms[0] if arms else ""
    data = data[data["arm"].astype(str) == arm]
    xs, xlabels = _axis(data[x])
    ys, ylabels = _axis(data[y])
    values = pd.to_numeric(data[outcome].astype("float64"), errors="coerce")
    frame = pd.DataFrame({"x": xs, "y": ys, "v": values}).dropna()
    grid = np.full((len(ylabels), len(xlabels)), np.nan)
    counts = np.zeros_like(grid)
    for (i, j), group in frame.groupby(["y", "x"]):
        grid[int(i), int(j)] = group["v"].mean()
        counts[int(i), int(j)] = len(group)
    if not xlabels or not ylabels:
        fig = Figure(figsize=(4, 3), layout="constrained")
        ax = fig.subplots()
        ax.text(0.5, 0.5, f"no usable run in arm {arm!r}", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    fig = Figure(figsize=(1.2 + 0.7 * max(len(xlabels), 4), 1.0 + 0.5 * max(len(ylabels), 4)), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(np.ma.masked_invalid(grid), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(xlabels)), xlabels, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(ylabels)), ylabels, fontsize=8)
    ax.set_xlabel(_short(x))
    ax.set_ylabel(_short(y))
    ax.set_title(f"{outcome}: mean over runs ({arm})", fontsize=10)
    fig.colorbar(image, ax=ax, label=outcome)
    return fig


__all__ = ["MORRIS_COLUMNS", "SOBOL_COLUMNS", "heatmap", "index_figure", "indices", "morris_indices",
           "point_means", "sobol_indices"]
