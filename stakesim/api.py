"""The library API every front door shares: one run, a comparison of interventions, and a model
that Mesa's ``batch_run`` and SolaraViz can build from keyword arguments.

The CLI, the notebooks and the browser view call these functions and nothing below them, so a
result obtained one way is the result obtained any other way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Union

from stakesim.experiments.arms import DEFAULT_ARMS
from stakesim.scenarios import load_scenario
from stakesim.simulator import model as engine
from stakesim.simulator.run import RunResult, run_scenario
from stakesim.simulator.schema import Scenario

ScenarioLike = Union[str, Path, Scenario, Mapping[str, Any]]
"""A built-in scenario's name, a path to a YAML file, a validated Scenario, or raw scenario data."""

Overrides = Union[Mapping[str, Any], Iterable[str], None]
"""Dotted paths to values, as in ``--set``: ``{"parameters.trust_loss_rate": 0.4}`` or
``["parameters.trust_loss_rate=0.4"]``."""



def simulate(scenario: ScenarioLike = "default", seed: int | None = None, steps: int | None = None,
             overrides: Overrides = None) -> RunResult:
    """Run a scenario once: the per-month table, the run summary and provenance, and the
    per-community table, the intervention log and the event log (``result.communities``,
    ``result.interventions``, ``result.events``; docs/ODD.md, section 8).

    ``seed=None`` draws fresh entropy; the seed actually used is ``result.provenance["seed"]``.
    Bad input raises ``stakesim.scenarios.ScenarioError`` with a message naming the field.
    """
    spec = load_scenario(scenario, overrides or (), steps=steps)
    return run_scenario(spec, seed=seed)


def compare(scenario: ScenarioLike = "default", arms: str | Iterable[str] = DEFAULT_ARMS,
            replicates: int = 20, seed: int = 0, executor=None, steps: int | None = None,
            overrides: Overrides = None, progress: bool = False, source: str | None = None,
            out: str | Path | None = None, backend: str = "processes", workers: int | None = None,
            scheduler: str | None = None, resume: bool = False, overwrite: bool = False):
    """Compare arms of interventions over paired replicates (replicate r uses seed ``seed + r``).

    ``arms`` is ``"baseline,learning_space"`` or a list of arm names, each ``baseline`` or
    intervention types joined by ``+``. Returns a comparison with ``summary_table()``,
    ``figures()`` and ``write_report(folder)``. ``source`` names where the scenario came from in
    the provenance (default: the name or path given).

    Without ``out`` the runs stay in memory and run serially, or on ``executor`` (any
    ``concurrent.futures``-style executor). With ``out`` they stream to that folder on the sweep
    runner as they finish (``backend`` "processes", "serial" or "dask", ``workers``,
    ``scheduler``), so an interrupted comparison keeps them and ``resume=True`` finishes it.
    """
    from stakesim.experiments.arms import parse_arms
    from stakesim.experiments.comparison import run_comparison

    spec = load_scenario(scenario, overrides or (), steps=steps)
    arm_list = parse_arms(arms if isinstance(arms, str) else ",".join(arms))
    if source is None:
        source = str(scenario) if isinstance(scenario, (str, Path)) else spec.name
    return run_comparison(spec, arm_list, replicates=replicates, base_seed=seed, executor=executor,
                          progress=progress, source=source, overrides=_as_list(overrides), out_dir=out,
                          backend=backend, workers=workers, scheduler=scheduler, resume=resume,
                          overwrite=overwrite)


def sweep(experiment, out: str | Path, backend: str = "processes", workers: int | None = None,
          scheduler: str | None = None, executor=None, resume: bool = False, overwrite: bool = False,
          progress: bool = False):
    """Run an experiment (a built-in name, a path to its YAML file, or a loaded ``Experiment``).

    Results stream to a Parquet dataset in ``out`` as runs finish; ``resume=True`` finishes an
    interrupted sweep without recomputing any run. ``backend`` is ``"processes"`` (all cores),
    ``"serial"`` or ``"dask"`` (a LocalCluster, or ``scheduler="tcp://..."``); ``executor`` takes
    any ``concurrent.futures``-style executor instead. Returns a summary of what ran.
    """
    from stakesim.experiments.experiment_file import Experiment, load_experiment
    from stakesim.experiments.sweep import run_experiment

    loaded = experiment if isinstance(experiment, Experiment) else load_experiment(experiment)
    return run_experiment(loaded, out, backend=backend, workers=workers, scheduler=scheduler,
                          executor=executor, resume=resume, overwrite=overwrite, progress=progress)


def analyze(folder: str | Path):
    """Analyse a sweep folder: per-arm estimates with paired differences, sensitivity indices for
    Sobol and Morris designs, heatmaps; ``.write()`` writes them with a report."""
    from stakesim.experiments.analyze import analyze as analyze_folder

    return analyze_folder(folder)


def decompose(scenario: ScenarioLike = "default",
              arms: str | Iterable[str] = ("learning_space", "negotiation_table"),
              channels: str | Iterable[str] | None = None, outcomes: str | Iterable[str] | None = None,
              replicates: int = 20, seed: int = 0, steps: int | None = None, overrides: Overrides = None,
              out: str | Path | None = None, backend: str = "processes", workers: int | None = None,
              scheduler: str | None = None, executor=None, resume: bool = False, overwrite: bool = False,
              progress: bool = False):
    """How much of each arm's effect runs through each causal channel, as a tidy DataFrame.

    Runs baseline and ``arms`` with every channel on and with each of ``channels`` (default: all
    of ``stakesim.simulator.parameters.CHANNELS``) switched off in turn, over paired replicates
    (replicate r uses seed ``seed + r`` everywhere). One row per (arm, outcome, channel): the
    arm's full effect, its effect with the channel off, the part through the channel (the
    difference of the two) with a paired 95% interval, and its share of the full effect.
    ``outcomes`` are run-summary keys (default: blockade and protest months, peak grievance, final
    trust and social licence). Runs stream to ``out`` (default: a temporary folder) on the sweep
    runner, as in :func:`compare`. ``stakesim.experiments.decomposition.markdown(table)`` and
    ``write(table, folder)`` give the readable table and the files ``stakesim decompose`` writes.
    """
    from stakesim.experiments.decomposition import decompose as run_decomposition

    return run_decomposition(scenario, arms=arms, channels=channels, outcomes=outcomes,
                             replicates=replicates, seed=seed, steps=steps, overrides=overrides, out=out,
                             backend=backend, workers=workers, scheduler=scheduler, executor=executor,
                             resume=resume, overwrite=overwrite, progress=progress)


class MiningModel(engine.MiningModel):
    """The Mesa model, built the way Mesa users expect: from keyword arguments.

    ``MiningModel(scenario="default", seed=None, rng=None, overrides=None, **parameters)``:
    ``scenario`` as in :func:`simulate`; ``parameters`` are global parameters by name
    (``trust_loss_rate=0.4``); ``overrides`` are dotted paths for anything else
    (``{"stakeholders.municipality.capacity": 0.8}``). So
    ``mesa.batch_run(MiningModel, parameters={"scenario": "default", "trust_loss_rate": [0.2, 0.4]})``
    works, and for a given seed gives the same numbers as ``stakesim run``.
    """

    def __init__(self, scenario: ScenarioLike = "default", seed: int | None = None, rng=None,
                 overrides: Overrides = None, **parameters):
        settings = dict(_as_mapping(overrides))
        settings.update({f"parameters.{name}": value for name, value in parameters.items()})
        super().__init__(load_scenario(scenario, settings), seed=seed, rng=rng)


def _as_list(overrides: Overrides) -> list[str]:
    """Overrides as ``PATH=VALUE`` strings, for provenance."""
    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        from stakesim.scenarios.overrides import describe_assignment

        return [describe_assignment(path, value) for path, value in overrides.items()]
    return list(overrides)


def _as_mapping(overrides: Overrides) -> Mapping[str, Any]:
    if overrides is None:
        return {}
    if isinstance(overrides, Mapping):
        return overrides
    from stakesim.scenarios import parse_assignment

    return dict(parse_assignment(text) for text in overrides)


__all__ = ["DEFAULT_ARMS", "MiningModel", "RunResult", "Scenario", "analyze", "compare", "decompose",
           "simulate", "sweep"]
