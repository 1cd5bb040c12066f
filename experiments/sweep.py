"""An experiment file, run: its design's points times arms times replicates, as runner tasks.

The one path from a validated ``Experiment`` to the runner, shared by ``stakesim sweep`` and
``stakesim.sweep``. The manifest keeps the definition with its scenario resolved (a built-in name
or an absolute path), so ``analyze`` can rebuild the experiment from the output folder alone.
"""

from __future__ import annotations

from pathlib import Path

from stakesim.experiments.design import points
from stakesim.experiments.experiment_file import Experiment, experiment_from_data
from stakesim.experiments.sweep_runner import SweepSummary, run_sweep
from stakesim.experiments.tasks import base_hash, make_tasks


def definition(experiment: Experiment) -> dict:
    """The experiment as plain data, its scenario resolved so the folder can be analysed anywhere."""
    source = experiment.scenario_source
    return {**experiment.canonical(), "scenario": str(Path(source).resolve()) if isinstance(source, Path)
            else str(source)}


def tasks_of(experiment: Experiment) -> list:
    """Every run of the experiment; replicate r has seed ``seed + r`` at every point and in every arm."""
    source = experiment.scenario_source
    ref = str(Path(source).resolve()) if isinstance(source, Path) else str(source)
    return make_tasks(points(experiment), experiment.arms, experiment.replicates, experiment.seed,
                      scenario_ref=ref, scenario_hash=base_hash(ref, experiment.overrides),
                      fixed_overrides=experiment.overrides, outcomes=experiment.outcomes,
                      keep_steps=experiment.timeseries)


def run_experiment(experiment: Experiment, out_dir: str | Path, backend: str = "processes",
                   workers: int | None = None, scheduler: str | None = None, executor=None,
                   resume: bool = False, overwrite: bool = False, progress: bool = True) -> SweepSummary:
    """Run every task of ``experiment`` not yet in ``out_dir`` (see ``sweep_runner.run_sweep``)."""
    return run_sweep(tasks_of(experiment), out_dir,
                     {"name": experiment.name, "definition": definition(experiment), "hash": experiment.hash()},
                     backend=backend, workers=workers, scheduler=scheduler, executor=executor,
                     resume=resume, overwrite=overwrite, progress=progress)


def experiment_in(folder: str | Path) -> Experiment:
    """The experiment whose results a sweep folder holds, rebuilt from its manifest."""
    from stakesim.experiments.dataset import read_manifest
    from stakesim.scenarios import ScenarioError

    manifest = read_manifest(folder)
    if not manifest or "definition" not in manifest:
        raise ScenarioError(f"{folder}: not a sweep folder (no experiment.json with a definition); "
                            f"give the --out folder of a `stakesim sweep`")
    return experiment_from_data(manifest["definition"], f"{folder}/experiment.json")
