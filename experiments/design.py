"""Designs to points: the settings of every point of an experiment, deterministically.

A point maps each varied setting's dotted path to its value (``{"parameters.trust_loss_rate":
0.42, "stakeholders.municipality.presence": 0.4}``); the runner applies it on top of the
experiment's fixed overrides. The same experiment always gives the same points in the same order:
the samplers are seeded with the experiment's ``seed``.

Sampling happens in a coordinate space SALib knows (``problem``): a range is sampled over
``[low, high]``; a list of levels over ``[0, number of levels]``, a coordinate ``x`` choosing
level ``floor(x)``. ``sample_matrix`` is that matrix before values are made (the matrix SALib's
analyses need); ``points`` turns its rows into settings, rounding whole-number parameters.

- ``full_factorial``: every combination of every parameter's levels (a range with ``levels: N``
  gives N evenly spaced values), first parameter slowest;
- ``latin_hypercube``: ``samples`` points, SALib's Latin hypercube;
- ``sobol``: SALib's Saltelli/Sobol sequence, scrambled with the seed: N x (k + 2) points
  (N x (2k + 2) with second-order indices) for k parameters;
- ``morris``: SALib's Morris trajectories on a ``levels`` grid: trajectories x (k + 1) points;
- ``arms``: one point with no setting varied.

SALib is imported inside the functions, so importing this module costs nothing.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np

from stakesim.experiments.experiment_file import Experiment, morris_trajectories


def problem(experiment: Experiment) -> dict[str, Any]:
    """SALib's problem dict: ``num_vars``, ``names`` (the dotted paths) and ``bounds``."""
    names = list(experiment.parameters)
    return {"num_vars": len(names), "names": names,
            "bounds": [experiment.parameters[name].bounds() for name in names]}


def sample_matrix(experiment: Experiment) -> np.ndarray:
    """The design's coordinates, one row per point and one column per parameter (SALib's X).

    For a full factorial the coordinates are the levels' own values for numeric ranges and a
    level's index + 0.5 for a levels list; for ``arms`` the matrix has one row and no columns.
    """
    design = experiment.design
    specs = list(experiment.parameters.values())
    if design.type == "arms" or not specs:
        return np.zeros((1, 0))
    seed = experiment.seed
    if design.type == "full_factorial":
        axes = []
        for spec in specs:
            if isinstance(spec.levels, list):
                axes.append([i + 0.5 for i in range(len(spec.levels))])
            else:
                axes.append([float(v) for v in spec.level_values])
        return np.array(list(itertools.product(*axes)), dtype=float).reshape(-1, len(specs))
    prob = problem(experiment)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib's advice on sizes: the experiment file already checked them
        if design.type == "latin_hypercube":
            from SALib.sample import latin

            return np.asarray(latin.sample(prob, int(design.samples), seed=seed), dtype=float)
        if design.type == "sobol":
            from SALib.sample import sobol

            return np.asarray(sobol.sample(prob, int(design.samples), calc_second_order=design.second_order,
                                           scramble=True, seed=seed), dtype=float)
        if design.type == "morris":
            from SALib.sample import morris

            return np.asarray(morris.sample(prob, morris_trajectories(experiment), num_levels=design.levels,
                                            seed=seed), dtype=float)
    raise ValueError(f"unknown design '{design.type}'")


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value of the same kind (strict schemas want int, float, str)."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def points(experiment: Experiment) -> list[dict[str, Any]]:
    """Every point of the design, in order: dotted path -> value (whole numbers for integer parameters)."""
    names = list(experiment.parameters)
    if experiment.design.type == "arms" or not names:
        return [{}]
    if experiment.design.type == "full_factorial":
        values = [experiment.parameters[name].level_values for name in names]
        return [{name: _plain(v) for name, v in zip(names, combo)} for combo in itertools.product(*values)]
    matrix = sample_matrix(experiment)
    specs = [experiment.parameters[name] for name in names]
    return [{name: _plain(spec.value(x)) for name, spec, x in zip(names, specs, row)} for row in matrix]


__all__ = ["points", "problem", "sample_matrix"]
