"""Scenario discovery: under which settings does one arm beat another? PRIM boxes, per outcome.

For each point of a sweep, the two arms' outcomes are averaged over the point's replicates (the
same seeds in both, so the comparison is paired) and the point counts as a case of interest when
``arm`` did better than ``versus``. PRIM (Friedman & Fisher 1999, as implemented in EMA
Workbench, an optional extra: ``pip install 'stakesim[discovery]'``) then finds a box of settings
where such points are dense: its limits, coverage (share of all cases of interest inside the box)
and density (share of points inside the box that are cases of interest).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stakesim.experiments.experiment_file import Experiment

BOX_COLUMNS = ["outcome", "parameter", "low", "high", "full_low", "full_high"]


@dataclass
class Box:
    """One PRIM box: the settings' limits where ``arm`` beats ``versus`` on ``outcome``."""

    arm: str
    versus: str
    outcome: str
    better: str           # "lower" or "higher"
    cases: int            # points where arm did better
    points: int
    coverage: float
    density: float
    mass: float
    limits: pd.DataFrame  # parameter, low, high, full_low, full_high: restricted settings only

    def sentence(self) -> str:
        if self.limits.empty:
            where = "anywhere in the ranges explored (no setting restricts it)"
        else:
            where = " and ".join(f"{r.parameter} from {r.low:.3g} to {r.high:.3g}" for r in self.limits.itertuples())
        return (f"{self.arm} gives {self.better} {self.outcome} than {self.versus} at {self.cases} of "
                f"{self.points} points; PRIM's box: {where} (coverage {self.coverage:.2f}, density "
                f"{self.density:.2f}, {self.mass:.0%} of the points).")


def wins(runs: pd.DataFrame, experiment: Experiment, arm: str, versus: str, outcome: str,
         better: str = "lower") -> tuple[pd.DataFrame, np.ndarray]:
    """Settings per point and whether ``arm`` beat ``versus`` there (means over replicates)."""
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    means = ok.groupby(["point", "arm"])[outcome].mean().unstack("arm")
    means = means.dropna(subset=[arm, versus])
    settings = ok.groupby("point")[experiment.parameter_names].first().loc[means.index]
    difference = means[arm] - means[versus]
    return settings.astype(float), (difference < 0 if better == "lower" else difference > 0).to_numpy()


def discover(runs: pd.DataFrame, experiment: Experiment, arm: str, versus: str, outcome: str,
             better: str = "lower", threshold: float = 0.8) -> Box | None:
    """The PRIM box where ``arm`` beats ``versus`` on ``outcome``; None if it never or always does."""
    x, y = wins(runs, experiment, arm, versus, outcome, better)
    found = prim_box(x, y, threshold)
    if found is None:
        return None
    limits, coverage, density, mass = found
    return Box(arm, versus, outcome, better, int(y.sum()), len(y), coverage, density, mass, limits)


def prim_box(x: pd.DataFrame, y: np.ndarray, threshold: float = 0.8) -> tuple[pd.DataFrame, float, float, float] | None:
    """PRIM's first box of settings ``x`` (one row per point) where ``y`` (a case of interest) is
    dense: (limits of the restricted settings, coverage, density, mass); None with fewer than 10
    points or when every point, or none, is a case."""
    from ema_workbench.analysis import prim

    y = np.asarray(y, dtype=bool)
    if len(y) < 10 or y.all() or not y.any():
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        box = prim.Prim(x.reset_index(drop=True), y, threshold=threshold).find_box()
    limits = box.box_lim
    full = pd.DataFrame({c: [x[c].min(), x[c].max()] for c in x.columns})
    rows = [{"parameter": c, "low": float(limits[c].iloc[0]), "high": float(limits[c].iloc[1]),
             "full_low": float(full[c].iloc[0]), "full_high": float(full[c].iloc[1])}
            for c in x.columns
            if limits[c].iloc[0] > full[c].iloc[0] or limits[c].iloc[1] < full[c].iloc[1]]
    return (pd.DataFrame(rows, columns=["parameter", "low", "high", "full_low", "full_high"]),
            float(box.coverage), float(box.density), float(box.mass))


def available() -> bool:
    """Whether the optional PRIM implementation (EMA Workbench) is installed."""
    try:
        import ema_workbench  # noqa: F401
    except ImportError:
        return False
    return True
