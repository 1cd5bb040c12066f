"""Run one scenario with one seed and return its tables: the library call the CLI, notebooks and app share."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pandas as pd

from stakesim.simulator.schema import Scenario
from stakesim.version import __version__
from stakesim.simulator.metrics import empty_columns, summarise, timeseries
from stakesim.simulator.model import MiningModel


@dataclass
class RunResult:
    timeseries: pd.DataFrame
    summary: dict
    provenance: dict
    graph: nx.DiGraph  # the relationship graph at the end of the run

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
    table = timeseries(model)
    provenance = {
        "scenario": scenario.name,
        "seed": model.seed,
        "steps": scenario.months,
        "stakesim_version": __version__,
        "parameters": scenario.parameter_values(),
        "empty_columns": empty_columns(table),
    }
    return RunResult(table, summarise(model, table), provenance, model.graph)
