"""Run one scenario with one seed and return its tables: the library call the CLI, notebooks and app share."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Callable

import networkx as nx
import pandas as pd

from stakesim.simulator.schema import Scenario
from stakesim.version import __version__
from stakesim.simulator.metrics import empty_columns, summarise, table
from stakesim.simulator.model import MiningModel


class RunResult:
    """One run's outputs: the per-month table, the run summary, its provenance and the final graph.

    ``RunResult(timeseries, summary, provenance, graph)``. ``timeseries`` may also be given as a
    function that builds the table: ``run_scenario`` passes one, so the table is built on first
    use (a sweep that keeps only summaries never builds it), and then kept.
    """

    __slots__ = ("_timeseries", "summary", "provenance", "graph")

    def __init__(self, timeseries: pd.DataFrame | Callable[[], pd.DataFrame], summary: dict,
                 provenance: dict, graph: nx.DiGraph):
        self._timeseries = timeseries
        self.summary = summary
        self.provenance = provenance
        self.graph = graph  # the relationship graph at the end of the run

    @property
    def timeseries(self) -> pd.DataFrame:
        if not isinstance(self._timeseries, pd.DataFrame):
            self._timeseries = self._timeseries()
        return self._timeseries

    @timeseries.setter
    def timeseries(self, table: pd.DataFrame) -> None:
        self._timeseries = table

    def __getstate__(self):
        return {name: getattr(self, name) for name in ("timeseries", "summary", "provenance", "graph")}

    def __setstate__(self, state) -> None:
        for name, value in state.items():
            setattr(self, name, value)

    def __repr__(self) -> str:
        return (f"RunResult(scenario={self.provenance.get('scenario')!r}, seed={self.provenance.get('seed')!r}, "
                f"steps={self.summary.get('steps')!r})")

    def summary_json(self) -> str:
        """Summary and provenance as strict JSON (no NaN or Infinity: a missing value is null)."""
        return json.dumps({**self.summary, "provenance": self.provenance}, indent=2, allow_nan=False)

    def write(self, out_dir: str | Path) -> tuple[Path, Path]:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        table_path, summary_path = out / "timeseries.csv", out / "summary.json"
        self.timeseries.to_csv(table_path, index=False)
        summary_path.write_text(self.summary_json() + "\n")
        return table_path, summary_path


def run_scenario(scenario: Scenario, seed: int | None = None, steps: int | None = None) -> RunResult:
    """Build the model, step it ``steps`` months (default: the scenario's), and summarise.

    With no seed the run draws fresh entropy; the seed it used is in ``provenance["seed"]``.
    """
    if steps is not None:  # checked like any value: range, and interventions' months within the run
        scenario = Scenario.model_validate({**scenario.model_dump(), "steps": steps})
    model = MiningModel(scenario, seed=seed).run()
    columns = model.datacollector.model_vars  # the model is dropped here, so the columns need no copy
    provenance = {
        "scenario": scenario.name,
        "seed": model.seed,
        "steps": scenario.months,
        "stakesim_version": __version__,
        "parameters": scenario.parameter_values(),
        "empty_columns": empty_columns(columns),
    }
    return RunResult(partial(table, columns), summarise(model, columns), provenance, model.graph)
