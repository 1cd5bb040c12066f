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
                   graph_replicate: int = 0) -> Comparison:
    """Run every arm of ``scenario`` over ``replicates`` paired replicates and return the comparison.

    ``scenario`` is a validated ``Scenario``; ``arms`` are ``Arm`` objects (``arms.parse_arms``
    turns ``"baseline,learning_space+negotiation_table"`` into them). Every arm is validated as a
    whole scenario before any run (``arms.ArmError`` names the arm that cannot be hosted).
    ``steps`` overrides the scenario's months. ``executor`` is any ``concurrent.futures``-style
    executor (``runner.process_pool(n)``, Dask's ``client.get_executor()``); ``None`` runs serially
    in this process. ``progress`` shows a bar on stderr. ``source`` (where the scenario came from;
    default its name) and ``overrides`` (the ``PATH=VALUE`` settings applied to it) are recorded
    in the provenance; ``graph_replicate`` is the replicate whose final graphs are kept.
    """
    arms = list(arms)
    for arm in arms:
        if not isinstance(arm, Arm):
            raise TypeError(f"arms must be Arm objects (experiments.arms.parse_arms makes them from "
                            f"names), got {arm!r}")
    runs = run_arms(arm_scenarios(scenario, arms), replicates, base_seed, steps, executor, progress,
                    graph_replicate)
    return Comparison(scenario, arms, runs, make_provenance(runs, scenario, arms, source, overrides))


__all__ = ["Comparison", "run_comparison"]
