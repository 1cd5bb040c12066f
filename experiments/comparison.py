"""A comparison of interventions as one object: run it, then ask for its table, figures or report.

    comparison = run_comparison(scenario, parse_arms("baseline,learning_space"), replicates=20)
    comparison.summary_table()          # per arm and outcome: mean, 95% CI, paired difference
    comparison.figures()                # name -> matplotlib Figure, for a notebook or a browser view
    comparison.write_report("out/cmp")  # results.parquet, summary.csv, provenance.json, PNGs, report.md/html

Replicate ``r`` uses seed ``base_seed + r`` in every arm (common random numbers), so differences
between arms are paired. The runs are a pure function of (scenario, arms, seeds): any executor,
any number of workers, the same numbers.

Importing this module loads no plotting or statistics stack: matplotlib and seaborn load when
figures are built, SciPy's ``stats`` when an interval is computed, PyArrow's Parquet writer when
the results are written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx
import pandas as pd

from stakesim.experiments.analysis import outcome_table
from stakesim.experiments.arms import Arm, arm_scenarios
from stakesim.experiments.provenance import provenance as make_provenance
from stakesim.experiments.runner import Runs, run_arms
from stakesim.simulator.schema import Scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(eq=False)
class Comparison:
    """Everything a comparison produced: the scenario and arms it ran, the runs, and provenance.

    ``results`` has every run and month (columns ``arm``, ``replicate``, ``seed``, then the run's
    time series), ``summaries`` one row per run, ``graphs`` the final relationship graph of
    replicate ``graph_replicate`` in each arm; all in (arm, replicate) order.
    """

    scenario: Scenario
    arms: list[Arm]
    runs: Runs
    provenance: dict

    # ------------------------------------------------------------------ what it holds
    @property
    def arm_names(self) -> list[str]:
        return self.runs.arm_names

    @property
    def replicates(self) -> int:
        return self.runs.replicates

    @property
    def base_seed(self) -> int:
        return self.runs.base_seed

    @property
    def steps(self) -> int:
        """Months simulated in every run."""
        return self.runs.steps

    @property
    def seeds(self) -> list[int]:
        return [self.base_seed + r for r in range(self.replicates)]

    @property
    def results(self) -> pd.DataFrame:
        return self.runs.results

    @property
    def summaries(self) -> pd.DataFrame:
        return self.runs.summaries

    @property
    def graphs(self) -> dict[str, nx.DiGraph]:
        return self.runs.graphs

    @property
    def graph_replicate(self) -> int:
        return self.runs.graph_replicate

    def __repr__(self) -> str:
        return (f"Comparison(scenario={self.scenario.name!r}, arms={self.arm_names!r}, "
                f"replicates={self.replicates}, base_seed={self.base_seed}, steps={self.steps})")

    # ------------------------------------------------------------------ what it answers
    def summary_table(self) -> pd.DataFrame:
        """One row per (arm, outcome): n, mean, sd and 95% CI, and the paired difference from
        baseline with its CI (``diff_*``, empty for baseline or without a baseline arm); the
        table written as ``summary.csv``."""
        return outcome_table(self.summaries, self.arm_names)

    def figures(self) -> dict[str, Figure]:
        """The report's figures as matplotlib Figures, by name: ``trust`` (trust trajectories),
        ``blockades`` (blockade months per run), ``licence`` (social licence by phase) and
        ``graph`` (the trust graph at the last month). Save one with ``experiments.figures.save``
        or ``fig.savefig``; show one in a notebook by leaving it as a cell's value."""
        from stakesim.experiments import figures

        return {name: build() for name, build in
                figures.comparison_figures(self.runs, self.scenario.project.phases).items()}

    def write_report(self, out_dir: str | Path, interrupted: Callable[[], bool] | None = None) -> dict[str, Path]:
        """Write results.parquet, summary.csv, provenance.json, the figures' PNGs, report.md and
        report.html into ``out_dir`` (created if missing); return the final paths by name.

        The files are staged in a temporary folder inside ``out_dir`` and renamed into place only
        when all are ready. ``interrupted`` (for example a flag a Ctrl-C handler sets) is checked
        before the renames: if it returns true, ``KeyboardInterrupt`` is raised and ``out_dir`` is
        left exactly as it was.
        """
        from stakesim.experiments.report import write_comparison

        return write_comparison(self.runs, self.scenario, self.arms, out_dir, self.provenance,
                                interrupted=interrupted, table=self.summary_table())


def run_comparison(scenario: Scenario, arms: Iterable[Arm], replicates: int = 20, base_seed: int = 0,
                   steps: int | None = None, executor: Executor | None = None, progress: bool = False,
                   source: str | None = None, overrides: Iterable[str] = (),
                   graph_replicate: int = 0, out_dir: str | Path | None = None,
                   backend: str = "processes", workers: int | None = None, scheduler: str | None = None,
                   resume: bool = False, overwrite: bool = False) -> Comparison:
    """Run every arm of ``scenario`` over ``replicates`` paired replicates and return the comparison.

    ``scenario`` is a validated ``Scenario``; ``arms`` are ``Arm`` objects (``arms.parse_arms``
    turns ``"baseline,learning_space+negotiation_table"`` into them). Every arm is validated as a
    whole scenario before any run (``arms.ArmError`` names the arm that cannot be hosted).
    ``steps`` overrides the scenario's months. ``source`` (where the scenario came from; default
    its name) and ``overrides`` (the ``PATH=VALUE`` settings applied to it) are recorded in the
    provenance; ``graph_replicate`` is the replicate whose final graphs are kept.

    Without ``out_dir`` the runs are held in memory: ``executor`` is any
    ``concurrent.futures``-style executor, ``None`` runs serially here. With ``out_dir`` the
    comparison is an ``arms`` experiment on the sweep runner: runs stream to ``out_dir`` as they
    finish (``backend``, ``workers``, ``scheduler``, ``executor`` as in ``sweep_runner.run_sweep``),
    a killed comparison keeps them, and ``resume=True`` finishes it without recomputing any. The
    numbers are the same either way.
    """
    arms = list(arms)
    for arm in arms:
        if not isinstance(arm, Arm):
            raise TypeError(f"arms must be Arm objects (experiments.arms.parse_arms makes them from "
                            f"names), got {arm!r}")
    if steps is not None:
        scenario = Scenario.model_validate({**scenario.model_dump(), "steps": steps})
    scenarios = arm_scenarios(scenario, arms)
    if out_dir is None:
        runs = run_arms(scenarios, replicates, base_seed, None, executor, progress, graph_replicate)
    else:
        runs = _run_on_sweep(scenario, scenarios, replicates, base_seed, graph_replicate, Path(out_dir),
                             dict(backend=backend, workers=workers, scheduler=scheduler, executor=executor,
                                  resume=resume, overwrite=overwrite, progress=progress))
    return Comparison(scenario, arms, runs, make_provenance(runs, scenario, arms, source, overrides))


SCENARIO_FILE = "scenario.yaml"


def _run_on_sweep(scenario: Scenario, scenarios: dict[str, Scenario], replicates: int, base_seed: int,
                  graph_replicate: int, out: Path, options: dict) -> Runs:
    """The comparison as an ``arms`` experiment on the sweep runner, read back into tables.

    The scenario as run is written beside the results (``scenario.yaml``): the tasks name it by
    path, so workers anywhere load the same scenario, and a resumed comparison checks its hash.
    """
    from stakesim.experiments import dataset
    from stakesim.experiments.experiment_file import SUMMARY_KEYS, experiment_from_data
    from stakesim.experiments.sweep import run_experiment
    from stakesim.experiments.sweep_runner import SweepError
    from stakesim.scenarios import dump_scenario
    from stakesim.simulator.run import run_scenario

    out.mkdir(parents=True, exist_ok=True)
    scenario_file = out / SCENARIO_FILE
    text = dump_scenario(scenario)
    if not scenario_file.is_file() or scenario_file.read_text(encoding="utf-8") != text:
        if scenario_file.is_file() and not options["overwrite"]:
            raise SweepError(f"holds a comparison of another scenario or settings ({SCENARIO_FILE} "
                             f"differs); choose another folder, or pass overwrite to start again")
        dataset.atomic_write_bytes(scenario_file, lambda f: f.write(text.encode("utf-8")))
    name = "compare-" + re.sub(r"[^A-Za-z0-9_-]+", "_", scenario.name).strip("_")
    experiment = experiment_from_data({
        "name": name[:60], "scenario": str(scenario_file.resolve()), "arms": list(scenarios),
        "design": {"type": "arms"}, "replicates": replicates, "seed": base_seed,
        "outcomes": list(SUMMARY_KEYS), "timeseries": True}, f"comparison in {out}")
    run_experiment(experiment, out, **options)
    table = dataset.read_finished_runs(out)
    order = {arm: i for i, arm in enumerate(scenarios)}
    keys = ["arm", "replicate", "seed"]
    table = table.assign(_order=table["arm"].map(order)).sort_values(["_order", "replicate"], kind="stable")
    summaries = table[keys + [k for k in SUMMARY_KEYS if k in table.columns]].reset_index(drop=True)
    steps = dataset.read_steps(out)
    steps = steps.assign(_order=steps["arm"].map(order)).sort_values(["_order", "replicate", "step"],
                                                                     kind="stable")
    columns = [c for c in steps.columns if c not in ("run_id", "point", "_order", *keys)]
    results = steps[keys + columns].reset_index(drop=True)
    graphs = {arm: run_scenario(arm_scenario, seed=base_seed + graph_replicate).graph
              for arm, arm_scenario in scenarios.items()}
    months = int(results["step"].max())
    return Runs(list(scenarios), replicates, base_seed, months, results, summaries, graphs, graph_replicate)


__all__ = ["Comparison", "run_comparison"]
